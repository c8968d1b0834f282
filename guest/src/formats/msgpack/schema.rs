//! The kinds of the value model that are not plain msgpack / JSON, with their msgpack ext codes, JSON
//! `$type` names and payload layouts. Both transcoders read and write through this one table, so the two
//! wire forms cannot drift apart; `docs/value-model.md` documents the same table.

/// A value-model kind with a tagged wire form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    Anchor,
    Ref,
    BigInt,
    Tuple,
    Set,
    FrozenSet,
    ByteArray,
    Dict,
    SurrogateStr,
    Int,
    Float,
    Bytes,
    Complex,
    Decimal,
    Fraction,
    Uuid,
    Date,
    Time,
    DateTime,
    TimeDelta,
    TimeZone,
    OrderedDict,
    Counter,
    DefaultDict,
    Deque,
    Range,
    Slice,
    DType,
    NdArray,
    NumpyScalar,
    Global,
    Call,
    New,
    Build,
    Mutate,
    PersistentRef,
    ExtRef,
    OobBuffer,
    Unresolvable,
}

/// How one payload position is laid out.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Shape {
    /// Any value of the model (plain, ext / tagged, anchor or ref).
    Value,
    /// An array of values (container items).
    Values,
    /// An array of `[key, value]` arrays.
    Pairs,
    /// One `[key, value]` array (inside [`Shape::Pairs`]).
    Pair,
    /// Array element data: msgpack bin / JSON base64 string for raw bytes, or an array of values.
    Data,
    /// An array whose elements all have the given shape.
    List(&'static Shape),
    /// A fixed array of fields (trailing optional fields may be left out).
    Record(&'static [Field]),
}

/// One named position of a payload.
#[derive(Debug)]
pub(crate) struct Field {
    /// Member name in the JSON rendering.
    pub name: &'static str,
    /// Layout of the position.
    pub shape: Shape,
    /// Whether the position may be absent (msgpack: only trailing positions).
    pub optional: bool,
}

/// Wire description of one kind.
#[derive(Debug)]
pub(crate) struct Spec {
    pub kind: Kind,
    /// msgpack ext type, if the kind exists in msgpack.
    pub code: Option<i8>,
    /// JSON `$type`, if the kind exists in JSON.
    pub name: Option<&'static str>,
    /// Payload positions, in msgpack order.
    pub fields: &'static [Field],
    /// msgpack: the payload is the single field itself rather than an array of fields.
    pub single: bool,
}

const fn req(name: &'static str, shape: Shape) -> Field {
    Field { name, shape, optional: false }
}

const fn opt(name: &'static str, shape: Shape) -> Field {
    Field { name, shape, optional: true }
}

const fn spec(
    kind: Kind,
    code: Option<i8>,
    name: Option<&'static str>,
    fields: &'static [Field],
    single: bool,
) -> Spec {
    Spec { kind, code, name, fields, single }
}

use Shape::{Data, List, Pairs, Record, Value, Values};

static DTYPE_FIELD: [Field; 3] = [req("name", Value), req("dtype", Value), req("offset", Value)];
static SUBARRAY: [Field; 2] = [req("dtype", Value), req("shape", List(&Value))];

/// Every tagged kind. Order is irrelevant; codes and names are unique (checked by a test).
pub(crate) static SPECS: &[Spec] = &[
    spec(Kind::Anchor, Some(0), Some("anchor"), &[req("id", Value), req("value", Value)], false),
    spec(Kind::Ref, Some(1), Some("ref"), &[req("id", Value)], true),
    spec(Kind::BigInt, Some(2), None, &[req("value", Value)], true),
    spec(Kind::Tuple, Some(3), Some("tuple"), &[req("items", Values)], true),
    spec(Kind::Set, Some(4), Some("set"), &[req("items", Values)], true),
    spec(Kind::FrozenSet, Some(5), Some("frozenset"), &[req("items", Values)], true),
    spec(Kind::ByteArray, Some(6), Some("bytearray"), &[req("value", Value)], true),
    spec(Kind::Dict, Some(7), Some("dict"), &[req("items", Pairs)], true),
    spec(Kind::SurrogateStr, Some(8), Some("surrogate_str"), &[req("value", Value)], true),
    spec(Kind::Int, None, Some("int"), &[opt("value", Value), opt("hex", Value)], false),
    spec(Kind::Float, None, Some("float"), &[req("value", Value), opt("bits", Value)], false),
    spec(Kind::Bytes, None, Some("bytes"), &[req("value", Value)], true),
    spec(Kind::Complex, Some(16), Some("complex"), &[req("real", Value), req("imag", Value)], false),
    spec(Kind::Decimal, Some(17), Some("decimal"), &[req("value", Value)], true),
    spec(Kind::Fraction, Some(18), Some("fraction"), &[req("numerator", Value), req("denominator", Value)], false),
    spec(Kind::Uuid, Some(19), Some("uuid"), &[req("value", Value)], true),
    spec(Kind::Date, Some(20), Some("date"), &[req("year", Value), req("month", Value), req("day", Value)], false),
    spec(
        Kind::Time,
        Some(21),
        Some("time"),
        &[
            req("hour", Value),
            req("minute", Value),
            req("second", Value),
            req("microsecond", Value),
            req("fold", Value),
            opt("tzinfo", Value),
        ],
        false,
    ),
    spec(
        Kind::DateTime,
        Some(22),
        Some("datetime"),
        &[
            req("year", Value),
            req("month", Value),
            req("day", Value),
            req("hour", Value),
            req("minute", Value),
            req("second", Value),
            req("microsecond", Value),
            req("fold", Value),
            opt("tzinfo", Value),
        ],
        false,
    ),
    spec(
        Kind::TimeDelta,
        Some(23),
        Some("timedelta"),
        &[req("days", Value), req("seconds", Value), req("microseconds", Value)],
        false,
    ),
    spec(Kind::TimeZone, Some(24), Some("timezone"), &[req("offset", Value), opt("name", Value)], false),
    spec(Kind::OrderedDict, Some(25), Some("ordereddict"), &[req("items", Pairs)], true),
    spec(Kind::Counter, Some(26), Some("counter"), &[req("items", Pairs)], true),
    spec(Kind::DefaultDict, Some(27), Some("defaultdict"), &[req("items", Pairs), opt("factory", Value)], false),
    spec(Kind::Deque, Some(28), Some("deque"), &[req("items", Values), opt("maxlen", Value)], false),
    spec(Kind::Range, Some(29), Some("range"), &[req("start", Value), req("stop", Value), req("step", Value)], false),
    spec(Kind::Slice, Some(30), Some("slice"), &[req("start", Value), req("stop", Value), req("step", Value)], false),
    spec(
        Kind::DType,
        Some(32),
        Some("dtype"),
        &[req("typestr", Value), opt("fields", List(&Record(&DTYPE_FIELD))), opt("subarray", Record(&SUBARRAY))],
        false,
    ),
    spec(
        Kind::NdArray,
        Some(33),
        Some("ndarray"),
        &[req("dtype", Value), req("shape", List(&Value)), req("fortran_order", Value), req("data", Data)],
        false,
    ),
    spec(Kind::NumpyScalar, Some(34), Some("numpy_scalar"), &[req("dtype", Value), req("data", Value)], false),
    spec(Kind::Global, Some(48), Some("global"), &[req("module", Value), req("qualname", Value)], false),
    spec(Kind::Call, Some(49), Some("call"), &[req("callable", Value), req("args", Value)], false),
    spec(Kind::New, Some(50), Some("new"), &[req("class", Value), req("args", Value), opt("kwargs", Value)], false),
    spec(Kind::Build, Some(51), Some("build"), &[req("target", Value), req("state", Value)], false),
    spec(
        Kind::Mutate,
        Some(52),
        Some("mutate"),
        &[req("target", Value), req("operation", Value), req("items", Values)],
        false,
    ),
    spec(Kind::PersistentRef, Some(53), Some("persistent_ref"), &[req("pid", Value)], true),
    spec(Kind::ExtRef, Some(54), Some("ext_ref"), &[req("code", Value)], true),
    spec(Kind::OobBuffer, Some(55), Some("oob_buffer"), &[req("index", Value), req("readonly", Value)], false),
    spec(Kind::Unresolvable, Some(56), Some("unresolvable"), &[req("reason", Value)], true),
];

/// The spec of `kind`.
pub(crate) fn spec_of(kind: Kind) -> &'static Spec {
    // Every kind has exactly one entry (checked by a test); the fallback is never taken.
    SPECS.iter().find(|s| s.kind == kind).unwrap_or(&SPECS[0])
}

/// The kind with msgpack ext type `code`.
pub(crate) fn by_code(code: i8) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.code == Some(code))
}

/// The kind with JSON `$type` `name`.
pub(crate) fn by_name(name: &str) -> Option<&'static Spec> {
    SPECS.iter().find(|s| s.name == Some(name))
}

/// msgpack ext type of `kind` (kinds without one are never written to msgpack).
pub(crate) fn code_of(kind: Kind) -> i8 {
    spec_of(kind).code.unwrap_or(0)
}

/// The number of fields that must be present.
pub(crate) fn required(fields: &[Field]) -> usize {
    fields.iter().filter(|f| !f.optional).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_names_are_unique_and_optional_fields_trail() {
        for (i, a) in SPECS.iter().enumerate() {
            for b in &SPECS[i + 1..] {
                assert_ne!(a.kind, b.kind);
                assert!(a.code.is_none() || a.code != b.code, "{:?} {:?}", a.kind, b.kind);
                assert!(a.name.is_none() || a.name != b.name, "{:?} {:?}", a.kind, b.kind);
            }
            assert!(a.code.is_some() || a.name.is_some());
            let first_optional = a.fields.iter().position(|f| f.optional).unwrap_or(a.fields.len());
            assert!(a.fields[first_optional..].iter().all(|f| f.optional), "{:?}", a.kind);
            assert!(!a.single || a.fields.len() == 1);
            assert!(std::ptr::eq(spec_of(a.kind), a));
        }
    }
}
