//! Digests exactly as the W&B SDK computes them: base64 md5 per file, hex md5 for storage and cache keys,
//! and the artifact digest over the sorted manifest entries.

use std::io::Read;
use std::path::Path;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use md5::{Digest, Md5};

use super::WandbError;

/// Read buffer for hashing local files.
const HASH_BUFFER: usize = 1 << 20;

/// `base64(md5)` of finished hasher output.
pub fn b64(md5: &[u8]) -> String {
    STANDARD.encode(md5)
}

/// `base64(md5(bytes))`.
pub fn b64_md5(bytes: &[u8]) -> String {
    b64(&Md5::digest(bytes))
}

/// The hex form of a base64 md5 (the storage and cache key), or `None` if it is not a base64 md5.
pub fn hex_from_b64(digest: &str) -> Option<String> {
    let raw = STANDARD.decode(digest).ok()?;
    if raw.len() != 16 {
        return None;
    }
    Some(raw.iter().map(|byte| format!("{byte:02x}")).collect())
}

/// The artifact digest: hex md5 of the manifest header line plus `path:digest` lines sorted by path.
pub fn artifact_digest<'a>(entries: impl IntoIterator<Item = (&'a str, &'a str)>) -> String {
    let mut sorted: Vec<(&str, &str)> = entries.into_iter().collect();
    sorted.sort_unstable();
    let mut hasher = Md5::new();
    hasher.update(b"wandb-artifact-manifest-v1\n");
    for (path, digest) in sorted {
        hasher.update(format!("{path}:{digest}\n").as_bytes());
    }
    hasher.finalize().iter().map(|byte| format!("{byte:02x}")).collect()
}

/// `(base64 md5, size)` of a local file, read in chunks (memory flat in file size). Blocking.
pub fn file_md5(path: &Path) -> Result<(String, u64), WandbError> {
    let mut file = std::fs::File::open(path).map_err(|err| WandbError::io(path, err))?;
    let mut hasher = Md5::new();
    let mut buffer = vec![0u8; HASH_BUFFER];
    let mut size = 0u64;
    loop {
        let read = file.read(&mut buffer).map_err(|err| WandbError::io(path, err))?;
        if read == 0 {
            break;
        }
        hasher.update(&buffer[..read]);
        size += read as u64;
    }
    Ok((b64(&hasher.finalize()), size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_digest_matches_the_sdk_trace() {
        assert_eq!(b64_md5(b"hello artifact\n"), "Gz8Znbd7EKjvs+Owab8zpw==");
        assert_eq!(hex_from_b64("Gz8Znbd7EKjvs+Owab8zpw==").as_deref(), Some("1b3f199db77b10a8efb3e3b069bf33a7"));
        assert_eq!(hex_from_b64("not base64!"), None);
    }

    #[test]
    fn artifact_digest_sorts_entries() {
        let a = artifact_digest([("b", "x"), ("a", "y")]);
        let b = artifact_digest([("a", "y"), ("b", "x")]);
        assert_eq!(a, b);
        assert_eq!(a.len(), 32);
    }
}
