//! The pickle engine: a non-executing stack machine for all pickle opcodes (protocols 0–5), recognizers
//! that turn known-safe patterns into typed values, the encoder, and the scanner. No code path can import
//! or call anything: globals stay opaque `(module, qualname)` pairs.

pub mod encode;
pub mod value;
