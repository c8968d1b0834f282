//! The encoder: a value graph → a pickle CPython loads back to an equal value (types included), in
//! protocols 0–5 (default 5), or joblib's layout (arrays as `NumpyArrayWrapper` + inline bytes).
//!
//! Every value is written the way CPython's own pickler (and numpy's / joblib's reducers) write it, so the
//! output is byte-identical to `pickle.dumps` for plain data and is recognized by wandguard's decoder.
//! Only data is ever written: symbolic nodes (globals, calls, object constructions, persistent and
//! extension references, out-of-band buffers) are refused with `unencodable` — wandguard never produces a
//! code-capable pickle. The only globals written are the constructors of the recognized types.
//!
//! Sharing is kept: each object is memoized when written and fetched with GET when met again, and
//! containers are memoized before their items, so cycles through lists, dicts, sets and the collections
//! types load as cycles. The graph is walked with an explicit stack, never recursion.
//!
//! Deviations from CPython's bytes, for exactness: `datetime`/`time` carry their `fold` bit in every
//! protocol (CPython drops it below protocol 4; its loader reads it in all). Values that a protocol cannot
//! hold are refused rather than altered: NaNs with a payload in protocol 0, ints of more than 4300 digits in
//! protocols 0–1, strs/bytes over 4 GiB below protocol 4.

mod driver;
mod dtype;
mod hashable;
mod joblib;
mod locate;
mod memo;
mod numpy;
mod recognized;
mod scalars;
mod task;
mod validate;
mod writer;

#[cfg(test)]
mod test_graph;
#[cfg(test)]
mod tests_bytes;
#[cfg(test)]
mod tests_errors;
#[cfg(test)]
mod tests_expected;
#[cfg(test)]
mod tests_fixtures;
#[cfg(test)]
mod tests_fixtures_numpy;

use std::fmt;

use crate::pickle::value::{Graph, NodeId};

/// Error code: the graph holds something wandguard will not or cannot write (symbolic nodes, a value the
/// chosen protocol cannot represent exactly, an unsupported protocol).
pub const UNENCODABLE: &str = "unencodable";
/// Error code: a value is malformed (out-of-range date, unhashable key, array size mismatch, …) and CPython
/// would fail to load it or load something else.
pub const INVALID: &str = "invalid-value";

/// The pickle protocol CPython writes by default since 3.8 is 4; wandguard writes 5 unless asked otherwise.
pub const DEFAULT_PROTOCOL: u8 = 5;

/// How the encoder lays out its output.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Layout {
    /// A plain pickle for `pickle.loads`.
    #[default]
    Pickle,
    /// joblib's uncompressed file layout for `joblib.load`: numpy arrays as
    /// `joblib.numpy_pickle.NumpyArrayWrapper` followed by their inline, 16-byte-aligned bytes (compression
    /// is applied around this output by the formats module).
    Joblib,
}

/// Encoder settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Pickle protocol, 0..=5 (default 5).
    pub protocol: u8,
    /// Plain pickle or joblib layout.
    pub layout: Layout,
}

impl Default for EncodeOptions {
    fn default() -> Self {
        EncodeOptions { protocol: DEFAULT_PROTOCOL, layout: Layout::Pickle }
    }
}

/// Why a graph could not be encoded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EncodeError {
    /// Stable code: [`UNENCODABLE`] or [`INVALID`].
    pub code: &'static str,
    /// JSON-pointer-like path to the offending node from the root: `/items/3` (sequence or set item),
    /// `/items/3/key` and `/items/3/value` (mapping entry), `/data/3` (object-array element), `/tzinfo`,
    /// `/offset`, `/start`, `/stop`, `/step`, `/factory` (fields); `""` is the root.
    pub path: String,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let path = if self.path.is_empty() { "/" } else { self.path.as_str() };
        write!(f, "{} at {}: {}", self.code, path, self.message)
    }
}

impl std::error::Error for EncodeError {}

/// Encodes the value at `root` of `graph` as a pickle (or joblib layout) that CPython loads back to an
/// equal value.
pub fn encode(graph: &Graph, root: NodeId, options: &EncodeOptions) -> Result<Vec<u8>, EncodeError> {
    if options.protocol > 5 {
        return Err(EncodeError {
            code: UNENCODABLE,
            path: String::new(),
            message: format!("pickle protocol {} is not supported (0..=5)", options.protocol),
        });
    }
    driver::Encoder::new(graph, options.protocol, options.layout).run(root)
}
