//! Reference entries, with the SDK's digest rules: http(s) by ETag (the URL itself when there is none),
//! `file://` by the md5 of the file, `s3://` and `gs://` recorded by URI without being fetched.

use reqwest::Method;
use reqwest::header::{CONTENT_LENGTH, ETAG};
use serde_json::{Map, Value};
use url::Url;

use super::WandbError;
use super::client::{Auth, WandbClient};
use super::digest::file_md5;
use super::manifest::ManifestEntry;
use super::transfer::url_label;

/// What kind of reference a URI is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReferenceKind {
    /// `http://` or `https://`: fetched, checked by ETag.
    Http(Url),
    /// `file://`: read locally, checked by md5.
    File(std::path::PathBuf),
    /// `s3://` or `gs://`: recorded only; this client holds no cloud credentials.
    Cloud,
}

/// Classifies a reference URI, refusing schemes the SDK does not handle here.
pub fn reference_kind(uri: &str) -> Result<ReferenceKind, WandbError> {
    let url = Url::parse(uri).map_err(|err| WandbError::Usage(format!("bad reference URI '{uri}': {err}")))?;
    match url.scheme() {
        "http" | "https" => Ok(ReferenceKind::Http(url)),
        "file" => url
            .to_file_path()
            .map(ReferenceKind::File)
            .map_err(|()| WandbError::Usage(format!("'{uri}' is not a local file path"))),
        "s3" | "gs" => Ok(ReferenceKind::Cloud),
        other => {
            Err(WandbError::Usage(format!("reference scheme '{other}' is not supported (http, https, file, s3, gs)")))
        }
    }
}

/// The ETag without its quotes (and without a weak `W/` prefix), as the SDK stores it as the digest.
pub fn etag_digest(raw: &str) -> String {
    raw.trim().trim_start_matches("W/").trim_matches('"').to_owned()
}

impl WandbClient {
    /// The manifest entry of a reference, computed as the SDK does when it is added.
    pub async fn reference_entry(&self, uri: &str) -> Result<ManifestEntry, WandbError> {
        let mut entry = ManifestEntry {
            digest: uri.to_owned(),
            reference: Some(uri.to_owned()),
            size: None,
            birth_artifact_id: None,
            extra: None,
        };
        match reference_kind(uri)? {
            ReferenceKind::Http(url) => {
                let what = format!("reference {}", url_label(&url));
                let response = self.send(&what, || self.request(Method::GET, &url, Auth::None)).await?;
                let headers = response.headers();
                entry.size = headers.get(CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok());
                if let Some(raw) = headers.get(ETAG).and_then(|v| v.to_str().ok()) {
                    entry.digest = etag_digest(raw);
                    let mut extra = Map::new();
                    extra.insert("etag".to_owned(), Value::from(raw));
                    entry.extra = Some(extra);
                }
                // Only the headers are needed; dropping the response closes the body unread.
            }
            ReferenceKind::File(path) => {
                let (digest, size) = tokio::task::spawn_blocking(move || file_md5(&path))
                    .await
                    .map_err(|err| WandbError::Usage(format!("hashing task failed: {err}")))??;
                entry.digest = digest;
                entry.size = Some(size);
            }
            ReferenceKind::Cloud => {}
        }
        Ok(entry)
    }
}
