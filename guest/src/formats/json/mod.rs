//! The value model as JSON. [`to_json`] is the lossless `--to json` rendering (tagged `{"$type": ...}`
//! objects for what JSON lacks, anchors / refs for sharing) and [`from_json`] reads it, or any plain JSON,
//! back; [`to_json_plain`] is the lossy view equal to CPython's `json.dumps` of the value. All three follow
//! `docs/value-model.md`.

mod decode;
mod encode;
mod lexer;
mod plain;
mod scalar;
pub(crate) mod text;

#[cfg(test)]
mod tests;

pub use crate::formats::msgpack::{TranscodeError, TranscodeLimits};
pub use decode::from_json;
pub use encode::to_json;
pub use plain::to_json_plain;
