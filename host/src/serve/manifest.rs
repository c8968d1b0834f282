//! Reading an uploaded artifact manifest (`wandb_manifest.json`): its entries, for commit checks, file counts
//! and the file-URL listings. Unknown keys (`local_path`, `skip_cache`, `extra`, …) are ignored.

use std::collections::BTreeMap;

use serde::Deserialize;

use super::graphql::OpError;
use super::ids;
use super::routes::App;

/// One manifest entry.
#[derive(Debug)]
pub struct Entry {
    /// Path inside the artifact.
    pub path: String,
    /// Hex md5 of the stored blob, for uploaded files (`None` for references).
    pub blob_md5: Option<String>,
    /// Size in bytes, as the manifest states it.
    pub size: u64,
    /// The reference URI, for reference entries.
    pub reference: Option<String>,
}

#[derive(Deserialize)]
struct ManifestJson {
    version: u32,
    contents: BTreeMap<String, EntryJson>,
}

#[derive(Deserialize)]
struct EntryJson {
    digest: String,
    #[serde(default)]
    size: Option<u64>,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
}

/// Loads and parses the manifest stored as blob `md5`, entries sorted by path.
pub fn load(app: &App, md5: &str) -> Result<Vec<Entry>, OpError> {
    let bytes = std::fs::read(app.blobs.blob_path(md5))
        .map_err(|err| OpError::not_found(format!("the manifest was not uploaded ({err})")))?;
    parse(&bytes)
}

fn parse(bytes: &[u8]) -> Result<Vec<Entry>, OpError> {
    let manifest: ManifestJson = serde_json::from_slice(bytes)
        .map_err(|err| OpError::bad_input(format!("the uploaded manifest is not valid: {err}")))?;
    if manifest.version != 1 {
        return Err(OpError::bad_input(format!("manifest version {} is not supported (only 1)", manifest.version)));
    }
    manifest
        .contents
        .into_iter()
        .map(|(path, entry)| {
            let blob_md5 = match &entry.reference {
                Some(_) => None,
                None => Some(ids::md5_b64_to_hex(&entry.digest).ok_or_else(|| {
                    OpError::bad_input(format!(
                        "manifest entry {path:?} has digest {:?}, not a base64 md5",
                        entry.digest
                    ))
                })?),
            };
            Ok(Entry { path, blob_md5, size: entry.size.unwrap_or(0), reference: entry.reference })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_files_and_references() {
        let manifest = br#"{"version":1,"storagePolicy":"wandb-storage-policy-v1","storagePolicyConfig":{"storageLayout":"V2"},
            "contents":{"b.txt":{"digest":"Gz8Znbd7EKjvs+Owab8zpw==","size":15,"local_path":"/tmp/x","skip_cache":false},
                        "a/ref":{"digest":"etag1","ref":"https://example.com/x","size":3,"extra":{"etag":"\"etag1\""}}}}"#;
        let entries = parse(manifest).expect("parses");
        assert_eq!(entries.len(), 2);
        assert_eq!(entries[0].path, "a/ref");
        assert_eq!(entries[0].reference.as_deref(), Some("https://example.com/x"));
        assert_eq!(entries[0].blob_md5, None);
        assert_eq!(entries[1].blob_md5.as_deref(), Some("1b3f199db77b10a8efb3e3b069bf33a7"));
        assert_eq!(entries[1].size, 15);
    }

    #[test]
    fn bad_manifests_are_refused_with_the_reason() {
        let err = parse(br#"{"version":1,"contents":{"x":{"digest":"nope"}}}"#).expect_err("refused");
        assert!(err.message.contains("\"x\""), "{}", err.message);
        assert!(parse(br#"{"version":2,"contents":{}}"#).is_err());
        assert!(parse(b"[]").is_err());
    }
}
