//! The value model on the wire as msgpack, exactly as `docs/value-model.md` specifies: plain msgpack for
//! nil / bool / int / float / str / bin / array / str-keyed map, one ext type per other kind, and anchor /
//! ref exts for shared and cyclic values. Also home of what both transcoders share: the kind table
//! ([`schema`]), the payload builder, the sharing analysis, the caps and errors.

mod build;
mod check;
mod decode;
mod encode;
mod equiv;
mod limits;
mod schema;
mod share;
mod sink;
mod wire;

#[cfg(test)]
pub(crate) mod tests;

pub use decode::from_msgpack;
pub use encode::{to_msgpack, to_msgpack_in};
pub use equiv::same_value;
pub use limits::{MALFORMED, RESOURCE_LIMIT, TranscodeError, TranscodeLimits, UNENCODABLE};

pub(crate) use build::int_node;
pub(crate) use check::code_points_to_wtf8;
pub(crate) use encode::mutation_name;
pub(crate) use schema::{Field, Kind, Shape, Spec, by_name, required};
pub(crate) use share::anchored;
pub(crate) use sink::{Res, Sink, Val};
