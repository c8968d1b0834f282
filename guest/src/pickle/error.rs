//! Decode errors: a stable code, the byte offset and opcode where decoding stopped, a human message, and
//! the findings gathered up to that point (so a refused payload still says what it contained).

use std::fmt;

use super::findings::Finding;

/// Why a payload was refused. Each code has a stable string form ([`ErrorCode::as_str`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    /// The stream is not a valid pickle (bad opcode, truncated, frame straddle, stack underflow, …).
    Malformed,
    /// The payload references code the active policy does not accept (unrecognized global or call).
    Unsafe,
    /// The payload carries code objects (dill / cloudpickle functions, lambdas, classes by value).
    CodeObject,
    /// A configured cap was exceeded (sizes, depth, counts); says nothing about intent.
    ResourceLimit,
    /// Bytes follow the last pickle that are not another complete pickle.
    TrailingData,
}

impl ErrorCode {
    /// The stable string form: "malformed", "unsafe", "code-object", "resource-limit", "trailing-data".
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::Malformed => "malformed",
            ErrorCode::Unsafe => "unsafe",
            ErrorCode::CodeObject => "code-object",
            ErrorCode::ResourceLimit => "resource-limit",
            ErrorCode::TrailingData => "trailing-data",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A refused payload.
#[derive(Clone, Debug, PartialEq)]
pub struct DecodeError {
    /// What kind of refusal.
    pub code: ErrorCode,
    /// Byte offset in the input where the offending opcode (or read) starts.
    pub offset: u64,
    /// Name of the opcode being executed, if any.
    pub opcode: Option<&'static str>,
    /// Human-readable reason.
    pub message: String,
    /// Findings gathered before the refusal (globals seen, code-capable operations, …).
    pub findings: Vec<Finding>,
    /// The input ended before the pickle did (a truncated stream rather than a garbled one).
    pub truncated: bool,
}

impl DecodeError {
    pub(crate) fn new(code: ErrorCode, offset: usize, message: impl Into<String>) -> Box<DecodeError> {
        Box::new(DecodeError {
            code,
            offset: offset as u64,
            opcode: None,
            message: message.into(),
            findings: Vec::new(),
            truncated: false,
        })
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} at byte {}", self.code, self.offset)?;
        if let Some(op) = self.opcode {
            write!(f, " ({op})")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for DecodeError {}

/// Internal error type: boxed so `Result`s on the hot path stay small.
pub(crate) type Fail = Box<DecodeError>;

/// A `malformed` error at `offset`.
pub(crate) fn malformed(offset: usize, message: impl Into<String>) -> Fail {
    DecodeError::new(ErrorCode::Malformed, offset, message)
}

/// A `resource-limit` error at `offset`.
pub(crate) fn resource(offset: usize, message: impl Into<String>) -> Fail {
    DecodeError::new(ErrorCode::ResourceLimit, offset, message)
}

/// A `malformed` error flagged as truncation.
pub(crate) fn truncated(offset: usize, message: impl Into<String>) -> Fail {
    let mut e = malformed(offset, message);
    e.truncated = true;
    e
}
