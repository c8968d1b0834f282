//! The artifact manifest (`wandb_manifest.json`, version 1) and the rule that every entry path stays inside
//! the download root.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::WandbError;
use super::digest::artifact_digest;

/// Longest entry path accepted.
const MAX_ENTRY_PATH: usize = 4096;

/// A manifest as uploaded and downloaded (unknown keys such as `local_path` are ignored on read).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Manifest {
    /// Always 1.
    pub version: u32,
    /// `wandb-storage-policy-v1`.
    pub storage_policy: String,
    /// `{"storageLayout": "V2"}`.
    #[serde(default)]
    pub storage_policy_config: Map<String, Value>,
    /// Entries by path (sorted, as Go's JSON encoder writes maps).
    pub contents: BTreeMap<String, ManifestEntry>,
}

/// One file or reference of an artifact.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ManifestEntry {
    /// base64 md5 of the content (files, `file://`), an ETag (http, s3, gs) or the URI itself.
    pub digest: String,
    /// The referenced URI, for reference entries.
    #[serde(rename = "ref", default, skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// Size in bytes, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<u64>,
    /// The artifact that first uploaded this content.
    #[serde(rename = "birthArtifactID", default, skip_serializing_if = "Option::is_none")]
    pub birth_artifact_id: Option<String>,
    /// Scheme-specific facts (`etag`, `versionID`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extra: Option<Map<String, Value>>,
}

impl Manifest {
    /// An empty version-1 manifest with the V2 storage layout.
    pub fn new() -> Self {
        let mut config = Map::new();
        config.insert("storageLayout".to_owned(), Value::from("V2"));
        Manifest {
            version: 1,
            storage_policy: "wandb-storage-policy-v1".to_owned(),
            storage_policy_config: config,
            contents: BTreeMap::new(),
        }
    }

    /// Parses a downloaded manifest and checks every entry path before anything is written.
    pub fn parse(bytes: &[u8]) -> Result<Self, WandbError> {
        let manifest: Manifest = serde_json::from_slice(bytes).map_err(|err| WandbError::Protocol {
            what: "artifact manifest".to_owned(),
            message: format!("not a manifest: {err}"),
        })?;
        if manifest.version != 1 {
            return Err(WandbError::Protocol {
                what: "artifact manifest".to_owned(),
                message: format!("unsupported manifest version {}", manifest.version),
            });
        }
        for path in manifest.contents.keys() {
            safe_relative_path(path)?;
        }
        Ok(manifest)
    }

    /// The artifact digest of these entries (hex).
    pub fn digest(&self) -> String {
        artifact_digest(self.contents.iter().map(|(path, entry)| (path.as_str(), entry.digest.as_str())))
    }

    /// Sum of the known entry sizes.
    pub fn total_size(&self) -> u64 {
        self.contents.values().filter_map(|entry| entry.size).sum()
    }

    /// The compact JSON that is uploaded (its md5 is the manifest digest).
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec(self).unwrap_or_default()
    }
}

impl Default for Manifest {
    fn default() -> Self {
        Self::new()
    }
}

/// `path` as a relative path made only of normal components: no `..`, no `.`, no empty component, not
/// absolute, no backslash or NUL. Everything written under a root goes through this check.
pub fn safe_relative_path(path: &str) -> Result<PathBuf, WandbError> {
    let refuse = |reason| Err(WandbError::UnsafePath { path: path.to_owned(), reason });
    if path.is_empty() {
        return refuse("empty path");
    }
    if path.len() > MAX_ENTRY_PATH {
        return refuse("path too long");
    }
    if path.contains('\\') || path.contains('\0') {
        return refuse("backslash or NUL in the path");
    }
    if path.starts_with('/') {
        return refuse("absolute path");
    }
    if path.split('/').any(|part| part.is_empty() || part == "." || part == "..") {
        return refuse("'..', '.' or an empty component");
    }
    let relative = PathBuf::from(path);
    if !Path::new(path).components().all(|component| matches!(component, Component::Normal(_))) {
        return refuse("not a plain relative path");
    }
    Ok(relative)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entry_paths_that_leave_the_root_are_refused() {
        for bad in ["../x", "a/../../x", "/etc/passwd", "", "a//b", "./a", "a\\..\\b", "a/.."] {
            let error = safe_relative_path(bad).err().map(|err| err.code());
            assert_eq!(error, Some("unsafe-path"), "{bad}");
        }
        assert_eq!(safe_relative_path("sub/b.bin").ok(), Some(PathBuf::from("sub/b.bin")));
        assert_eq!(safe_relative_path("name..with..dots").ok(), Some(PathBuf::from("name..with..dots")));
    }

    #[test]
    fn manifest_digest_matches_the_sdk_trace() {
        // Trace T1#9: a.txt "hello artifact\n" and sub/b.bin (1024 bytes) gave this artifact digest.
        let mut manifest = Manifest::new();
        for (path, digest) in [("a.txt", "Gz8Znbd7EKjvs+Owab8zpw=="), ("sub/b.bin", "suqff86oMaSmOyE/QaiFWw==")] {
            let entry = ManifestEntry {
                digest: digest.to_owned(),
                reference: None,
                size: None,
                birth_artifact_id: None,
                extra: None,
            };
            manifest.contents.insert(path.to_owned(), entry);
        }
        assert_eq!(manifest.digest(), "07f4707db06ba2e60db97db99cb3735b");
    }
}
