//! Streaming a stored file to a client, whole or one byte range (`Range: bytes=…`, which the SDK uses for
//! parallel downloads of large files and a client may use to resume).

use std::io::SeekFrom;
use std::path::Path;

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use tokio::io::{AsyncReadExt, AsyncSeekExt};

/// Read size when streaming a file.
const READ_CHUNK: usize = 256 << 10;

/// Why a file could not be served.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Nothing is stored under that name.
    #[error("no such file")]
    NotFound,
    /// The disk failed.
    #[error("cannot read the stored file: {0}")]
    Io(#[from] std::io::Error),
}

/// A satisfiable byte range, inclusive.
#[derive(Debug, PartialEq, Eq)]
struct ByteRange {
    first: u64,
    last: u64,
}

/// What a `Range` header asks of a file of `size` bytes: `Ok(None)` for the whole file (no header, several
/// ranges, or a form we do not parse — all allowed to be answered with the whole file), `Err(())` for a range
/// that starts past the end.
fn requested_range(headers: &HeaderMap, size: u64) -> Result<Option<ByteRange>, ()> {
    let Some(spec) = headers.get(header::RANGE).and_then(|value| value.to_str().ok()) else {
        return Ok(None);
    };
    let Some(spec) = spec.trim().strip_prefix("bytes=").filter(|spec| !spec.contains(',')) else {
        return Ok(None);
    };
    let Some((first, last)) = spec.split_once('-') else {
        return Ok(None);
    };
    let (first, last) = (first.trim(), last.trim());
    let range = match (first.parse::<u64>(), last.parse::<u64>()) {
        (Ok(first), Ok(last)) if first <= last => ByteRange { first, last: last.min(size.saturating_sub(1)) },
        (Ok(first), Err(_)) if last.is_empty() => ByteRange { first, last: size.saturating_sub(1) },
        (Err(_), Ok(suffix)) if first.is_empty() && suffix > 0 => {
            ByteRange { first: size.saturating_sub(suffix), last: size.saturating_sub(1) }
        }
        _ => return Ok(None),
    };
    if range.first >= size { Err(()) } else { Ok(Some(range)) }
}

/// Streams the file at `path`; `md5` (hex) becomes the ETag.
pub async fn serve_file(
    path: &Path,
    md5: Option<&str>,
    request_headers: &HeaderMap,
) -> Result<Response, DownloadError> {
    let mut file = match tokio::fs::File::open(path).await {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Err(DownloadError::NotFound),
        Err(err) => return Err(err.into()),
    };
    let size = file.metadata().await?.len();
    let (status, length, content_range) = match requested_range(request_headers, size) {
        Ok(None) => (StatusCode::OK, size, None),
        Ok(Some(range)) => {
            file.seek(SeekFrom::Start(range.first)).await?;
            let content_range = format!("bytes {}-{}/{size}", range.first, range.last);
            (StatusCode::PARTIAL_CONTENT, range.last - range.first + 1, Some(content_range))
        }
        Err(()) => {
            let mut response = StatusCode::RANGE_NOT_SATISFIABLE.into_response();
            if let Ok(value) = HeaderValue::from_str(&format!("bytes */{size}")) {
                response.headers_mut().insert(header::CONTENT_RANGE, value);
            }
            return Ok(response);
        }
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::with_capacity(file.take(length), READ_CHUNK));
    let mut response = (status, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(length));
    headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(value) = content_range.and_then(|range| HeaderValue::from_str(&range).ok()) {
        headers.insert(header::CONTENT_RANGE, value);
    }
    if let Some(etag) = md5.and_then(|md5| HeaderValue::from_str(&format!("\"{md5}\"")).ok()) {
        headers.insert(header::ETAG, etag);
    }
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(spec: &str, size: u64) -> Result<Option<ByteRange>, ()> {
        let mut headers = HeaderMap::new();
        headers.insert(header::RANGE, HeaderValue::from_str(spec).expect("header"));
        requested_range(&headers, size)
    }

    #[test]
    fn ranges_follow_rfc_9110() {
        assert_eq!(range("bytes=0-9", 100), Ok(Some(ByteRange { first: 0, last: 9 })));
        assert_eq!(range("bytes=90-200", 100), Ok(Some(ByteRange { first: 90, last: 99 })));
        assert_eq!(range("bytes=50-", 100), Ok(Some(ByteRange { first: 50, last: 99 })));
        assert_eq!(range("bytes=-10", 100), Ok(Some(ByteRange { first: 90, last: 99 })));
        assert_eq!(range("bytes=-500", 100), Ok(Some(ByteRange { first: 0, last: 99 })));
        assert_eq!(range("bytes=100-", 100), Err(()));
        assert_eq!(range("bytes=0-1,5-6", 100), Ok(None), "several ranges: the whole file");
        assert_eq!(range("bytes=9-1", 100), Ok(None));
        assert_eq!(range("items=0-1", 100), Ok(None));
        assert_eq!(requested_range(&HeaderMap::new(), 100), Ok(None));
    }
}
