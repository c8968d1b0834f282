//! Streaming transfers: uploads read the file in chunks, downloads write chunks to a cache temp file while
//! hashing them, so memory stays flat whatever the file size. Both retry (bounded) from the start.

use bytes::Bytes;
use futures_util::stream;
use md5::{Digest, Md5};
use reqwest::header::{CONTENT_LENGTH, HeaderName, HeaderValue, LOCATION};
use reqwest::{Method, StatusCode};
use tokio::io::{AsyncReadExt, AsyncWriteExt, BufWriter};
use url::Url;

use super::cache::{ArtifactCache, CacheKey};
use super::client::{Auth, WandbClient};
use super::digest::b64;
use super::retry::{Failure, status_failure, transport_failure, with_retries};
use super::{Progress, WandbError};

/// Chunk size of reads and writes.
const CHUNK: usize = 1 << 20;
/// Redirects followed on a download (always without credentials).
const MAX_REDIRECTS: u32 = 5;

/// What a download must turn out to be.
pub(crate) struct Expected<'a> {
    /// Manifest path (for messages and bars).
    pub label: &'a str,
    /// base64 md5 the bytes must have, when the entry is md5-addressed.
    pub md5: Option<&'a str>,
    /// Size the bytes must have, when known.
    pub size: Option<u64>,
}

/// The URL path only: what errors and logs may show of a (possibly signed) URL.
pub(crate) fn url_label(url: &Url) -> String {
    format!("{} {}", url.host_str().unwrap_or_default(), url.path())
}

impl WandbClient {
    /// PUTs a local file to a signed URL with the server's `uploadHeaders` and an exact `Content-Length`.
    pub(crate) async fn upload_file(
        &self,
        url: &Url,
        headers: &[(HeaderName, HeaderValue)],
        path: &std::path::Path,
        size: u64,
        progress: &Progress,
    ) -> Result<(), WandbError> {
        let what = format!("upload to {}", url_label(url));
        let bar = progress.bar(&path.display().to_string(), size);
        with_retries(self.options(), || async {
            bar.set_position(0);
            let file = tokio::fs::File::open(path).await.map_err(|err| WandbError::io(path, err))?;
            let bar = bar.clone();
            let chunks = stream::unfold(file, move |mut file| {
                let bar = bar.clone();
                async move {
                    let mut buffer = vec![0u8; CHUNK];
                    match file.read(&mut buffer).await {
                        Ok(0) => None,
                        Ok(read) => {
                            buffer.truncate(read);
                            bar.inc(read as u64);
                            Some((Ok::<Bytes, std::io::Error>(Bytes::from(buffer)), file))
                        }
                        Err(err) => Some((Err(err), file)),
                    }
                }
            });
            let mut request = self.request(Method::PUT, url, Auth::None);
            for (name, value) in headers {
                request = request.header(name, value);
            }
            let request = request.header(CONTENT_LENGTH, size).body(reqwest::Body::wrap_stream(chunks));
            let response = request.send().await.map_err(|err| transport_failure(&what, err))?;
            match status_failure(&what, response.status()) {
                Some(failure) => Err(failure),
                None => Ok(()),
            }
        })
        .await?;
        bar.finish_and_clear();
        Ok(())
    }

    /// Downloads `url` into the cache under `key`, verifying size and md5 before the entry becomes visible.
    /// Call with the entry's lock held.
    pub(crate) async fn download_to_cache(
        &self,
        url: &Url,
        auth: Auth,
        cache: &ArtifactCache,
        key: &CacheKey,
        expected: &Expected<'_>,
        progress: &Progress,
    ) -> Result<std::path::PathBuf, WandbError> {
        let temp = cache.temp_file(key)?;
        let bar = progress.bar(expected.label, expected.size.unwrap_or(0));
        with_retries(self.options(), || self.download_attempt(url, auth, temp.path(), expected, &bar)).await?;
        bar.finish_and_clear();
        cache.commit(temp, key)
    }

    async fn download_attempt(
        &self,
        url: &Url,
        auth: Auth,
        temp: &std::path::Path,
        expected: &Expected<'_>,
        bar: &indicatif::ProgressBar,
    ) -> Result<(), Failure> {
        let what = format!("download of {} from {}", expected.label, url_label(url));
        let mut response = self.follow(url, auth, &what).await?;
        let file = tokio::fs::File::create(temp).await.map_err(|err| WandbError::io(temp, err))?;
        let mut writer = BufWriter::with_capacity(CHUNK, file);
        let mut hasher = Md5::new();
        let mut received = 0u64;
        bar.set_position(0);
        while let Some(chunk) = response.chunk().await.map_err(|err| transport_failure(&what, err))? {
            received += chunk.len() as u64;
            if expected.size.is_some_and(|size| received > size) {
                return Err(Failure::Fatal(WandbError::Protocol {
                    what,
                    message: format!("more bytes than the {} the manifest records", expected.size.unwrap_or(0)),
                }));
            }
            hasher.update(&chunk);
            writer.write_all(&chunk).await.map_err(|err| WandbError::io(temp, err))?;
            bar.inc(chunk.len() as u64);
        }
        writer.flush().await.map_err(|err| WandbError::io(temp, err))?;
        if let Some(size) = expected.size.filter(|size| *size != received) {
            let path = expected.label.to_owned();
            return Err(Failure::Fatal(WandbError::Truncated { path, expected: size, received }));
        }
        let actual = b64(&hasher.finalize());
        match expected.md5 {
            Some(md5) if md5 != actual => Err(Failure::Fatal(WandbError::DigestMismatch {
                path: expected.label.to_owned(),
                expected: md5.to_owned(),
                actual,
            })),
            _ => Ok(()),
        }
    }

    /// GET with redirects followed by hand, so credentials never travel to where a redirect points.
    async fn follow(&self, url: &Url, auth: Auth, what: &str) -> Result<reqwest::Response, Failure> {
        let mut url = url.clone();
        let mut auth = auth;
        for _ in 0..=MAX_REDIRECTS {
            let response =
                self.request(Method::GET, &url, auth).send().await.map_err(|err| transport_failure(what, err))?;
            if response.status().is_redirection() && response.status() != StatusCode::NOT_MODIFIED {
                let location = response.headers().get(LOCATION).and_then(|value| value.to_str().ok());
                let next = location.and_then(|location| url.join(location).ok()).ok_or_else(|| {
                    Failure::Fatal(WandbError::Protocol { what: what.to_owned(), message: "bad redirect".to_owned() })
                })?;
                url = next;
                auth = Auth::None;
                continue;
            }
            return match status_failure(what, response.status()) {
                Some(failure) => Err(failure),
                None => Ok(response),
            };
        }
        Err(Failure::Fatal(WandbError::Protocol { what: what.to_owned(), message: "too many redirects".to_owned() }))
    }
}
