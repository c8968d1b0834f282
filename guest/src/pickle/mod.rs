//! The pickle engine: a non-executing stack machine for all pickle opcodes (protocols 0–5), recognizers
//! that turn known-safe patterns into typed values, the encoder, and the scanner. No code path can import
//! or call anything: globals stay opaque `(module, qualname)` pairs.

mod compat;
mod decode;
mod denylist;
pub mod depth;
pub mod encode;
mod error;
mod findings;
mod limits;
mod machine;
mod opcodes;
mod policy;
mod reader;
mod recognize;
mod scan;
mod text;
pub mod value;

#[cfg(test)]
mod tests;

pub use decode::{DecodeOptions, Decoded, decode};
pub use error::{DecodeError, ErrorCode};
pub use findings::{Finding, FindingKind, FindingSeverity};
pub use limits::PickleLimits;
pub use policy::Policy;
pub use scan::{ScanReport, Verdict, scan};
