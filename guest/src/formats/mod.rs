//! Payload formats around the pickle engine: content detection, joblib's compressed containers, the
//! value-model transcoders (msgpack, JSON) and payload signatures.

pub mod container;
pub mod detect;
pub mod json;
pub mod msgpack;
pub mod sign;

pub use container::{DecompressLimits, FormatError, compress, decompress, open_payload};
pub use detect::{Container, PayloadKind, detect};
pub use json::{from_json, to_json};
pub use msgpack::{TranscodeError, TranscodeLimits, from_msgpack, to_msgpack, to_msgpack_in};
pub use sign::{sign, verify};
