//! Caps and errors shared by both transcoders (msgpack and JSON).

use std::fmt;

/// Error code: the input is not a well-formed document of the value model.
pub const MALFORMED: &str = "malformed";
/// Error code: a configured cap (depth, nodes, bytes, digits) was reached.
pub const RESOURCE_LIMIT: &str = "resource-limit";
/// Error code: the graph holds something the requested rendering cannot express (plain JSON view only).
pub const UNENCODABLE: &str = "unencodable";

/// Caps applied while reading msgpack or JSON into a graph (and to the size of the plain JSON view).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscodeLimits {
    /// Deepest value nesting accepted (containers and typed values inside each other).
    pub max_depth: usize,
    /// Most graph nodes a document may produce.
    pub max_nodes: usize,
    /// Largest input accepted, in bytes (and largest output of the plain JSON view).
    pub max_bytes: usize,
}

impl Default for TranscodeLimits {
    fn default() -> Self {
        TranscodeLimits { max_depth: 10_000, max_nodes: 100_000_000, max_bytes: 1 << 30 }
    }
}

/// Why a document could not be transcoded: a stable code, the byte offset in the input, and a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscodeError {
    /// `"malformed"`, `"resource-limit"` or `"unencodable"`.
    pub code: &'static str,
    /// Byte offset in the input where the problem was found (0 for whole-graph problems).
    pub offset: u64,
    /// Human-readable explanation.
    pub message: String,
}

impl TranscodeError {
    /// A `malformed` error at `offset`.
    pub fn malformed(offset: usize, message: impl Into<String>) -> Self {
        TranscodeError { code: MALFORMED, offset: offset as u64, message: message.into() }
    }

    /// A `resource-limit` error at `offset`.
    pub fn limit(offset: usize, message: impl Into<String>) -> Self {
        TranscodeError { code: RESOURCE_LIMIT, offset: offset as u64, message: message.into() }
    }

    /// An `unencodable` error (the offset is the output position reached).
    pub fn unencodable(offset: usize, message: impl Into<String>) -> Self {
        TranscodeError { code: UNENCODABLE, offset: offset as u64, message: message.into() }
    }
}

impl fmt::Display for TranscodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}: {}", self.code, self.offset, self.message)
    }
}

impl std::error::Error for TranscodeError {}
