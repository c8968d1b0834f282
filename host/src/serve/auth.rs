//! Who may do what: the API key (HTTP Basic, as the `wandb` SDK sends it) for the API routes, and signed,
//! expiring URLs for uploads and downloads — the SDK sends no credentials to those, as with a real server's
//! presigned storage URLs.

use std::path::Path;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// How long a signed URL stays valid.
const SIGNED_URL_LIFETIME: Duration = Duration::from_secs(24 * 60 * 60);

/// Length of the URL-signing secret, in bytes.
const SECRET_LEN: usize = 32;

/// Checks that a key has the form the `wandb` 0.31 SDK accepts before it sends it: an optional `prefix-`, then
/// at least 40 characters from `[A-Za-z0-9_]`.
pub fn check_api_key_format(key: &str) -> Result<(), &'static str> {
    let body = key.rsplit_once('-').map_or(key, |(_, body)| body);
    if body.len() < 40 {
        return Err("the wandb SDK needs at least 40 characters after an optional 'prefix-'");
    }
    if !body.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
        return Err("the wandb SDK only accepts letters, digits and '_' (after an optional 'prefix-')");
    }
    Ok(())
}

/// Whether the request carries `Authorization: Basic base64(<user>:<key>)` with the server's key. The user
/// part is not checked (the SDK sends `api`).
pub fn has_api_key(headers: &HeaderMap, api_key: &str) -> bool {
    let Some(encoded) = headers.get(AUTHORIZATION).and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let Some(encoded) = encoded.strip_prefix("Basic ").or_else(|| encoded.strip_prefix("basic ")) else {
        return false;
    };
    let Ok(decoded) = STANDARD.decode(encoded.trim()) else {
        return false;
    };
    let Some(colon) = decoded.iter().position(|&b| b == b':') else {
        return false;
    };
    constant_time_eq(&decoded[colon + 1..], api_key.as_bytes())
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Signs and checks storage URLs with a secret kept in the data directory (so URLs survive a restart).
pub struct UrlSigner {
    secret: [u8; SECRET_LEN],
}

impl UrlSigner {
    /// Loads the secret from `path`, creating it (owner-only) on first use.
    pub fn open(path: &Path) -> std::io::Result<Self> {
        if let Ok(existing) = std::fs::read(path)
            && let Ok(secret) = <[u8; SECRET_LEN]>::try_from(existing.as_slice())
        {
            return Ok(Self { secret });
        }
        let mut secret = [0u8; SECRET_LEN];
        getrandom::fill(&mut secret).map_err(|err| std::io::Error::other(format!("no OS randomness: {err}")))?;
        let dir = path.parent().unwrap_or(Path::new("."));
        let tmp = tempfile::NamedTempFile::new_in(dir)?;
        std::fs::write(tmp.path(), secret)?;
        tmp.persist(path).map_err(|err| err.error)?;
        Ok(Self { secret })
    }

    /// The query string (`expires=…&signature=…`) that lets `method` be used on `path` for a while.
    pub fn sign(&self, method: &str, path: &str) -> String {
        let expires = unix_now().saturating_add(SIGNED_URL_LIFETIME.as_secs());
        format!("expires={expires}&signature={}", self.signature(method, path, expires))
    }

    /// Whether `signature` is this server's unexpired signature of `method` on `path`.
    pub fn verify(&self, method: &str, path: &str, expires: u64, signature: &str) -> bool {
        expires >= unix_now()
            && constant_time_eq(self.signature(method, path, expires).as_bytes(), signature.as_bytes())
    }

    fn signature(&self, method: &str, path: &str, expires: u64) -> String {
        // HMAC accepts keys of any length, so this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(&self.secret).unwrap_or_else(|_| unreachable!());
        mac.update(format!("{method}\n{path}\n{expires}").as_bytes());
        mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
    }
}

fn unix_now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |elapsed| elapsed.as_secs())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_format_follows_the_sdk() {
        assert!(check_api_key_format(&"a".repeat(40)).is_ok());
        assert!(check_api_key_format(&format!("local-{}", "A_1".repeat(14))).is_ok());
        assert!(check_api_key_format(&"a".repeat(39)).is_err());
        assert!(check_api_key_format(&format!("{}!", "a".repeat(40))).is_err());
        assert!(check_api_key_format("").is_err());
    }

    #[test]
    fn signatures_bind_method_path_and_expiry() {
        let dir = tempfile::tempdir().expect("temp dir");
        let signer = UrlSigner::open(&dir.path().join("key")).expect("signer");
        let expires = unix_now() + 60;
        let signature = signer.signature("GET", "/storage/blobs/ab", expires);
        assert!(signer.verify("GET", "/storage/blobs/ab", expires, &signature));
        assert!(!signer.verify("PUT", "/storage/blobs/ab", expires, &signature));
        assert!(!signer.verify("GET", "/storage/blobs/ac", expires, &signature));
        assert!(!signer.verify("GET", "/storage/blobs/ab", expires + 1, &signature));
        let expired = unix_now() - 1;
        assert!(!signer.verify(
            "GET",
            "/storage/blobs/ab",
            expired,
            &signer.signature("GET", "/storage/blobs/ab", expired)
        ));
        let reopened = UrlSigner::open(&dir.path().join("key")).expect("signer again");
        assert!(reopened.verify("GET", "/storage/blobs/ab", expires, &signature), "the secret persists");
    }
}
