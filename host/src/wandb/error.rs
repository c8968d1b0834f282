//! Errors of the W&B client. Every error has a stable `code` and names what failed (an operation name or a
//! URL path) — never the API key, never a signed URL's query string.

use std::path::PathBuf;

/// What went wrong talking to W&B, fetching, verifying or storing an artifact.
#[derive(Debug, thiserror::Error)]
pub enum WandbError {
    /// The server refused the credentials (HTTP 401/403).
    #[error("{what}: the server refused the API key (HTTP {status}); check WANDB_API_KEY")]
    Unauthorized {
        /// The operation or URL path.
        what: String,
        /// HTTP status.
        status: u16,
    },
    /// The GraphQL response carried errors.
    #[error("GraphQL operation {operation} failed: {message}")]
    GraphQl {
        /// Operation name.
        operation: String,
        /// The server's messages, joined.
        message: String,
    },
    /// A non-success HTTP status that is not retried (or still failing after the retries).
    #[error("{what}: HTTP {status}{}", retried_note(*.attempts))]
    Http {
        /// The operation or URL path.
        what: String,
        /// HTTP status.
        status: u16,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The connection failed, was reset or closed early (after the bounded retries).
    #[error("{what}: {message}{}", retried_note(*.attempts))]
    Network {
        /// The operation or URL path.
        what: String,
        /// What happened.
        message: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The server did not answer in time (after the bounded retries).
    #[error("{what}: timed out{}", retried_note(*.attempts))]
    Timeout {
        /// The operation or URL path.
        what: String,
        /// How many attempts were made.
        attempts: u32,
    },
    /// The artifact, project or file does not exist.
    #[error("not found: {0}")]
    NotFound(String),
    /// A downloaded or local file does not have the digest its manifest records.
    #[error("{path}: digest mismatch (manifest says {expected}, the bytes give {actual})")]
    DigestMismatch {
        /// Manifest path of the entry.
        path: String,
        /// Digest the manifest records.
        expected: String,
        /// Digest of the bytes received.
        actual: String,
    },
    /// A download ended before the size the manifest records.
    #[error("{path}: truncated download ({received} of {expected} bytes)")]
    Truncated {
        /// Manifest path of the entry.
        path: String,
        /// Bytes the manifest records.
        expected: u64,
        /// Bytes received.
        received: u64,
    },
    /// A manifest entry would be written outside the download root.
    #[error("manifest entry '{path}' refused: {reason}")]
    UnsafePath {
        /// The entry's path as the manifest gives it.
        path: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The server answered something this client cannot use.
    #[error("{what}: unexpected response: {message}")]
    Protocol {
        /// The operation or URL path.
        what: String,
        /// What was wrong with it.
        message: String,
    },
    /// A local file could not be read or written.
    #[error("{}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The OS error.
        source: std::io::Error,
    },
    /// Bad arguments or settings (missing key, bad URI, ...).
    #[error("{0}")]
    Usage(String),
}

fn retried_note(attempts: u32) -> String {
    if attempts > 1 { format!(" (after {attempts} attempts)") } else { String::new() }
}

/// `errno` of "no space left on device".
const ENOSPC: i32 = 28;

impl WandbError {
    /// The stable code of this error.
    pub fn code(&self) -> &'static str {
        match self {
            WandbError::Unauthorized { .. } => "unauthorized",
            WandbError::GraphQl { .. } => "graphql-error",
            WandbError::Http { .. } => "http-error",
            WandbError::Network { .. } => "network",
            WandbError::Timeout { .. } => "timeout",
            WandbError::NotFound(_) => "not-found",
            WandbError::DigestMismatch { .. } => "digest-mismatch",
            WandbError::Truncated { .. } => "truncated",
            WandbError::UnsafePath { .. } => "unsafe-path",
            WandbError::Protocol { .. } => "protocol",
            WandbError::Io { source, .. } if source.raw_os_error() == Some(ENOSPC) => "disk-full",
            WandbError::Io { .. } => "io",
            WandbError::Usage(_) => "usage",
        }
    }

    /// An IO error on `path`.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        WandbError::Io { path: path.into(), source }
    }
}
