//! Payload formats around the pickle engine: content detection, joblib's compressed containers, the
//! value-model transcoders (msgpack, JSON) and payload signatures.

pub mod json;
pub mod msgpack;
