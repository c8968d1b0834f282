//! Turning a parsed payload (the fields of one ext / tagged object) into a graph node. Shared by the msgpack
//! and JSON readers, which differ only in how they tokenize.

use std::collections::HashMap;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::check;
use super::limits::{TranscodeError, TranscodeLimits};
use super::schema::{Kind, Spec};
use crate::formats::json::text;
use crate::pickle::value::{ArrayData, DType, Graph, Mutation, NdArray, Node, NodeId};

/// A value as the readers hand it around before it is (if ever) stored in the graph.
#[derive(Debug)]
pub(crate) enum Val {
    /// Already a node of the graph (containers, anchored values, refs).
    Id(NodeId),
    /// A finished node not yet stored: scalars used as fields are read without ever being stored.
    Atom(Node),
    /// The items of a [`super::schema::Shape::Values`] or flattened [`super::schema::Shape::Pairs`] array.
    Ids(Vec<NodeId>),
    /// The elements of a structural array ([`super::schema::Shape::List`] / [`super::schema::Shape::Record`]).
    Seq(Vec<Val>),
}

/// The graph being built, with the anchor table and the caps.
pub(crate) struct Sink<'l> {
    /// The graph under construction.
    pub graph: Graph,
    limits: &'l TranscodeLimits,
    anchors: HashMap<u64, NodeId>,
    /// JSON front end: bytes arrive as base64 text, big ints as decimal / hex text, UUIDs as text.
    text: bool,
}

/// Result of the readers and builders.
pub(crate) type Res<T> = Result<T, TranscodeError>;

fn bad<T>(at: usize, message: impl Into<String>) -> Res<T> {
    Err(TranscodeError::malformed(at, message))
}

impl<'l> Sink<'l> {
    /// An empty sink; `text` selects the JSON conventions for bytes, big ints and UUIDs.
    pub fn new(limits: &'l TranscodeLimits, text: bool) -> Self {
        Sink { graph: Graph::new(), limits, anchors: HashMap::new(), text }
    }

    /// The caps in force.
    pub fn limits(&self) -> &TranscodeLimits {
        self.limits
    }

    /// Stores `node`, enforcing the node cap.
    pub fn push(&mut self, node: Node, at: usize) -> Res<NodeId> {
        if self.graph.len() >= self.limits.max_nodes {
            return Err(TranscodeError::limit(at, format!("more than {} nodes", self.limits.max_nodes)));
        }
        Ok(self.graph.push(node))
    }

    /// Reserves the node for anchor `id` (filled when its value is finished) and returns it.
    pub fn define_anchor(&mut self, id: u64, at: usize) -> Res<NodeId> {
        if self.anchors.contains_key(&id) {
            return bad(at, format!("anchor {id} defined twice"));
        }
        let slot = self.push(Node::None, at)?;
        self.anchors.insert(id, slot);
        Ok(slot)
    }

    /// The node of an anchor defined earlier in the document.
    pub fn resolve_ref(&self, id: u64, at: usize) -> Res<NodeId> {
        match self.anchors.get(&id) {
            Some(slot) => Ok(*slot),
            None => bad(at, format!("ref to anchor {id}, which is not defined before it")),
        }
    }

    /// A finished node: written into `dest` (an anchor's reserved node) or handed on unstored.
    pub fn place(&mut self, node: Node, dest: Option<NodeId>) -> Val {
        match dest.and_then(|slot| self.graph.get_mut(slot).map(|n| (slot, n))) {
            Some((slot, target)) => {
                *target = node;
                Val::Id(slot)
            }
            None => Val::Atom(node),
        }
    }

    /// The node id of a value, storing it if needed.
    pub fn id_of(&mut self, val: Val, at: usize) -> Res<NodeId> {
        match val {
            Val::Id(id) => Ok(id),
            Val::Atom(node) => self.push(node, at),
            Val::Ids(_) | Val::Seq(_) => bad(at, "expected a value, found a structural array"),
        }
    }

    fn scalar<'a>(&'a self, val: &'a Val) -> Option<&'a Node> {
        match val {
            Val::Atom(node) => Some(node),
            Val::Id(id) => Some(self.graph.get(*id)),
            _ => None,
        }
    }

    fn owned(&self, val: Val) -> Option<Node> {
        match val {
            Val::Atom(node) => Some(node),
            Val::Id(id) => Some(self.graph.get(id).clone()),
            _ => None,
        }
    }

    fn int(&self, val: &Val, name: &str, at: usize) -> Res<i64> {
        match self.scalar(val) {
            Some(Node::Int(i)) => Ok(*i),
            _ => bad(at, format!("`{name}` must be an int")),
        }
    }

    fn ranged(&self, val: &Val, name: &str, lo: i64, hi: i64, at: usize) -> Res<i64> {
        let v = self.int(val, name, at)?;
        if v < lo || v > hi {
            return bad(at, format!("`{name}` = {v} is outside {lo}..={hi}"));
        }
        Ok(v)
    }

    fn uint(&self, val: &Val, name: &str, at: usize) -> Res<u64> {
        match self.scalar(val) {
            Some(Node::Int(i)) if *i >= 0 => Ok(*i as u64),
            Some(Node::BigInt(b)) => b.to_u64().map_or_else(|| bad(at, format!("`{name}` is too large")), Ok),
            _ => bad(at, format!("`{name}` must be a non-negative int")),
        }
    }

    fn boolean(&self, val: &Val, name: &str, at: usize) -> Res<bool> {
        match self.scalar(val) {
            Some(Node::Bool(b)) => Ok(*b),
            _ => bad(at, format!("`{name}` must be a bool")),
        }
    }

    fn float(&self, val: &Val, name: &str, at: usize) -> Res<f64> {
        match self.scalar(val) {
            Some(Node::Float(f)) => Ok(*f),
            // Hand-written JSON may say `1` for `1.0`; only exactly representable ints are taken.
            Some(Node::Int(i)) if i.unsigned_abs() <= 1 << 53 => Ok(*i as f64),
            _ => bad(at, format!("`{name}` must be a float")),
        }
    }

    fn string(&self, val: Val, name: &str, at: usize) -> Res<String> {
        match self.owned(val) {
            Some(Node::Str(s)) => Ok(s),
            _ => bad(at, format!("`{name}` must be a str")),
        }
    }

    fn big(&self, val: &Val, name: &str, at: usize) -> Res<BigInt> {
        match self.scalar(val) {
            Some(Node::Int(i)) => Ok(BigInt::from(*i)),
            Some(Node::BigInt(b)) => Ok(b.clone()),
            _ => bad(at, format!("`{name}` must be an int")),
        }
    }

    /// Raw bytes: msgpack bin, or base64 text in JSON.
    fn bytes(&self, val: Val, name: &str, at: usize) -> Res<Vec<u8>> {
        match (self.text, self.owned(val)) {
            (false, Some(Node::Bytes(b))) => Ok(b),
            (true, Some(Node::Str(s))) => {
                text::base64_decode(&s).ok_or_else(|| TranscodeError::malformed(at, format!("`{name}` is not base64")))
            }
            (false, _) => bad(at, format!("`{name}` must be bin")),
            (true, _) => bad(at, format!("`{name}` must be a base64 string")),
        }
    }

    fn dtype(&self, val: Val, name: &str, at: usize) -> Res<DType> {
        match self.owned(val) {
            Some(Node::DType(d)) => Ok(d),
            _ => bad(at, format!("`{name}` must be a dtype")),
        }
    }

    fn ids(&self, val: Val, at: usize) -> Res<Vec<NodeId>> {
        match val {
            Val::Ids(ids) => Ok(ids),
            _ => bad(at, "expected an array of values"),
        }
    }

    fn pairs(&self, val: Val, at: usize) -> Res<Vec<(NodeId, NodeId)>> {
        let flat = self.ids(val, at)?;
        Ok(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect())
    }

    fn seq(&self, val: Val, at: usize) -> Res<Vec<Val>> {
        match val {
            Val::Seq(items) => Ok(items),
            _ => bad(at, "expected an array"),
        }
    }

    fn shape(&self, val: Val, at: usize) -> Res<Vec<u64>> {
        self.seq(val, at)?.iter().map(|v| self.uint(v, "shape", at)).collect()
    }

    /// Builds the node of a tagged `spec` from its fields (in spec order, absent optional fields as `None`).
    /// Anchors and refs are handled by the readers, never here.
    pub fn build(&mut self, spec: &Spec, fields: Vec<Option<Val>>, at: usize) -> Res<Node> {
        let mut f = Fields { items: fields, spec, at };
        let node = match spec.kind {
            Kind::Anchor | Kind::Ref => return bad(at, "anchor / ref in an unexpected place"),
            Kind::BigInt => {
                let raw = self.bytes(f.need(0)?, "value", at)?;
                if raw.is_empty() {
                    return bad(at, "big int payload is empty");
                }
                int_node(BigInt::from_signed_bytes_be(&raw))
            }
            Kind::Int => match (f.take(0), f.take(1)) {
                (Some(dec), None) => {
                    let s = self.string(dec, "value", at)?;
                    int_node(text::parse_decimal_int(&s, at)?)
                }
                (None, Some(hex)) => {
                    let s = self.string(hex, "hex", at)?;
                    int_node(text::parse_hex_int(&s).ok_or_else(|| TranscodeError::malformed(at, "bad `hex` int"))?)
                }
                _ => return bad(at, "an int has exactly one of `value` and `hex`"),
            },
            Kind::Float => {
                let s = self.string(f.need(0)?, "value", at)?;
                let bits = match f.take(1) {
                    Some(b) => Some(self.string(b, "bits", at)?),
                    None => None,
                };
                Node::Float(
                    text::parse_special_float(&s, bits.as_deref()).map_err(|m| TranscodeError::malformed(at, m))?,
                )
            }
            Kind::Bytes => Node::Bytes(self.bytes(f.need(0)?, "value", at)?),
            Kind::ByteArray => Node::ByteArray(self.bytes(f.need(0)?, "value", at)?),
            Kind::SurrogateStr => {
                let raw = self.bytes(f.need(0)?, "value", at)?;
                Node::SurrogateStr(
                    check::wtf8_to_units(&raw).ok_or_else(|| TranscodeError::malformed(at, "invalid surrogate str"))?,
                )
            }
            Kind::Tuple => Node::Tuple(self.ids(f.need(0)?, at)?),
            Kind::Set => Node::Set(self.ids(f.need(0)?, at)?),
            Kind::FrozenSet => Node::FrozenSet(self.ids(f.need(0)?, at)?),
            Kind::Dict => Node::Dict(self.pairs(f.need(0)?, at)?),
            Kind::OrderedDict => Node::OrderedDict(self.pairs(f.need(0)?, at)?),
            Kind::Counter => Node::Counter(self.pairs(f.need(0)?, at)?),
            Kind::Complex => Node::Complex(self.float(&f.need(0)?, "real", at)?, self.float(&f.need(1)?, "imag", at)?),
            Kind::Decimal => {
                let s = self.string(f.need(0)?, "value", at)?;
                if !check::is_decimal(&s) {
                    return bad(at, format!("{s:?} is not a Decimal"));
                }
                Node::Decimal(s)
            }
            Kind::Fraction => {
                let num = self.big(&f.need(0)?, "numerator", at)?;
                let den = self.big(&f.need(1)?, "denominator", at)?;
                if den <= BigInt::from(0) {
                    return bad(at, "fraction denominator must be positive");
                }
                Node::Fraction(num, den)
            }
            Kind::Uuid => Node::Uuid(self.uuid(f.need(0)?, at)?),
            Kind::Date => {
                let (year, month, day) = self.date(&mut f)?;
                Node::Date { year, month, day }
            }
            Kind::Time => {
                let (hour, minute, second, microsecond, fold) = self.clock(&mut f, 0)?;
                let tzinfo = f.take(5).map(|v| self.id_of(v, at)).transpose()?;
                Node::Time { hour, minute, second, microsecond, fold, tzinfo }
            }
            Kind::DateTime => {
                let (year, month, day) = self.date(&mut f)?;
                let (hour, minute, second, microsecond, fold) = self.clock(&mut f, 3)?;
                let tzinfo = f.take(8).map(|v| self.id_of(v, at)).transpose()?;
                Node::DateTime { year, month, day, hour, minute, second, microsecond, fold, tzinfo }
            }
            Kind::TimeDelta => Node::TimeDelta {
                days: self.ranged(&f.need(0)?, "days", -999_999_999, 999_999_999, at)? as i32,
                seconds: self.ranged(&f.need(1)?, "seconds", 0, 86_399, at)? as i32,
                microseconds: self.ranged(&f.need(2)?, "microseconds", 0, 999_999, at)? as i32,
            },
            Kind::TimeZone => {
                let offset = self.id_of(f.need(0)?, at)?;
                let name = f.take(1).map(|v| self.string(v, "name", at)).transpose()?;
                Node::TimeZone { offset, name }
            }
            Kind::DefaultDict => {
                let items = self.pairs(f.need(0)?, at)?;
                let factory = f.take(1).map(|v| self.string(v, "factory", at)).transpose()?;
                Node::DefaultDict { factory, items }
            }
            Kind::Deque => {
                let items = self.ids(f.need(0)?, at)?;
                let maxlen = match f.take(1) {
                    Some(v) => Some(self.ranged(&v, "maxlen", 0, i64::MAX, at)?),
                    None => None,
                };
                Node::Deque { items, maxlen }
            }
            Kind::Range | Kind::Slice => {
                let start = self.id_of(f.need(0)?, at)?;
                let stop = self.id_of(f.need(1)?, at)?;
                let step = self.id_of(f.need(2)?, at)?;
                if spec.kind == Kind::Range {
                    Node::Range { start, stop, step }
                } else {
                    Node::Slice { start, stop, step }
                }
            }
            Kind::DType => Node::DType(self.build_dtype(&mut f)?),
            Kind::NdArray => Node::NdArray(self.build_ndarray(&mut f)?),
            Kind::NumpyScalar => {
                let dtype = self.dtype(f.need(0)?, "dtype", at)?;
                let data = self.bytes(f.need(1)?, "data", at)?;
                if check::itemsize(&dtype.typestr).is_some_and(|size| size != data.len() as u64) {
                    return bad(at, "numpy scalar data does not match its dtype's item size");
                }
                Node::NumpyScalar { dtype, data }
            }
            Kind::Global => Node::Global {
                module: self.string(f.need(0)?, "module", at)?,
                qualname: self.string(f.need(1)?, "qualname", at)?,
            },
            Kind::Call => Node::Call { callable: self.id_of(f.need(0)?, at)?, args: self.id_of(f.need(1)?, at)? },
            Kind::New => {
                let class = self.id_of(f.need(0)?, at)?;
                let args = self.id_of(f.need(1)?, at)?;
                let kwargs = f.take(2).map(|v| self.id_of(v, at)).transpose()?;
                Node::New { class, args, kwargs }
            }
            Kind::Build => Node::Build { target: self.id_of(f.need(0)?, at)?, state: self.id_of(f.need(1)?, at)? },
            Kind::Mutate => {
                let target = self.id_of(f.need(0)?, at)?;
                let operation = match self.string(f.need(1)?, "operation", at)?.as_str() {
                    "append" => Mutation::Append,
                    "extend" => Mutation::Extend,
                    "setitem" => Mutation::SetItem,
                    "add" => Mutation::Add,
                    other => return bad(at, format!("unknown mutation {other:?}")),
                };
                Node::Mutate { target, operation, items: self.ids(f.need(2)?, at)? }
            }
            Kind::PersistentRef => Node::PersistentRef { pid: self.id_of(f.need(0)?, at)? },
            Kind::ExtRef => Node::ExtRef { code: self.ranged(&f.need(0)?, "code", 0, u32::MAX.into(), at)? as u32 },
            Kind::OobBuffer => Node::OobBuffer {
                index: self.ranged(&f.need(0)?, "index", 0, u32::MAX.into(), at)? as u32,
                readonly: self.boolean(&f.need(1)?, "readonly", at)?,
            },
            Kind::Unresolvable => Node::Unresolvable { reason: self.string(f.need(0)?, "reason", at)? },
        };
        Ok(node)
    }

    fn uuid(&self, val: Val, at: usize) -> Res<u128> {
        if self.text {
            let s = self.string(val, "value", at)?;
            return text::parse_uuid(&s).ok_or_else(|| TranscodeError::malformed(at, format!("{s:?} is not a UUID")));
        }
        let raw = self.bytes(val, "value", at)?;
        let arr: [u8; 16] = raw.try_into().map_err(|_| TranscodeError::malformed(at, "a UUID is 16 bytes"))?;
        Ok(u128::from_be_bytes(arr))
    }

    fn date(&self, f: &mut Fields) -> Res<(u16, u8, u8)> {
        let at = f.at;
        let year = self.ranged(&f.need(0)?, "year", 1, 9999, at)?;
        let month = self.ranged(&f.need(1)?, "month", 1, 12, at)?;
        let day = self.ranged(&f.need(2)?, "day", 1, check::days_in_month(year, month), at)?;
        Ok((year as u16, month as u8, day as u8))
    }

    fn clock(&self, f: &mut Fields, first: usize) -> Res<(u8, u8, u8, u32, bool)> {
        let at = f.at;
        let hour = self.ranged(&f.need(first)?, "hour", 0, 23, at)?;
        let minute = self.ranged(&f.need(first + 1)?, "minute", 0, 59, at)?;
        let second = self.ranged(&f.need(first + 2)?, "second", 0, 59, at)?;
        let micro = self.ranged(&f.need(first + 3)?, "microsecond", 0, 999_999, at)?;
        let fold = self.boolean(&f.need(first + 4)?, "fold", at)?;
        Ok((hour as u8, minute as u8, second as u8, micro as u32, fold))
    }

    fn build_dtype(&self, f: &mut Fields) -> Res<DType> {
        let at = f.at;
        let typestr = self.string(f.need(0)?, "typestr", at)?;
        if typestr.is_empty() {
            return bad(at, "empty dtype typestr");
        }
        let mut fields = Vec::new();
        if let Some(list) = f.take(1) {
            for entry in self.seq(list, at)? {
                let mut parts = self.seq(entry, at)?.into_iter();
                let (Some(name), Some(dtype), Some(offset)) = (parts.next(), parts.next(), parts.next()) else {
                    return bad(at, "a dtype field is [name, dtype, offset]");
                };
                let offset = self.uint(&offset, "offset", at)?;
                fields.push((self.string(name, "name", at)?, self.dtype(dtype, "dtype", at)?, offset));
            }
        }
        let subarray = match f.take(2) {
            Some(sub) => {
                let mut parts = self.seq(sub, at)?.into_iter();
                let (Some(base), Some(shape)) = (parts.next(), parts.next()) else {
                    return bad(at, "a dtype subarray is [dtype, shape]");
                };
                Some((Box::new(self.dtype(base, "dtype", at)?), self.shape(shape, at)?))
            }
            None => None,
        };
        let dtype = DType { typestr, fields, subarray };
        if check::dtype_depth(&dtype) > check::MAX_DTYPE_DEPTH {
            return Err(TranscodeError::limit(at, format!("dtype nested deeper than {}", check::MAX_DTYPE_DEPTH)));
        }
        Ok(dtype)
    }

    fn build_ndarray(&mut self, f: &mut Fields) -> Res<NdArray> {
        let at = f.at;
        let dtype = self.dtype(f.need(0)?, "dtype", at)?;
        let shape = self.shape(f.need(1)?, at)?;
        let fortran_order = self.boolean(&f.need(2)?, "fortran_order", at)?;
        let count = shape.iter().try_fold(1u64, |acc, d| acc.checked_mul(*d));
        let Some(count) = count else {
            return bad(at, "array shape overflows");
        };
        let is_object = check::is_object_dtype(&dtype.typestr);
        let data = match f.need(3)? {
            Val::Ids(items) if is_object => {
                if items.len() as u64 != count {
                    return bad(at, format!("object array of {count} elements has {} items", items.len()));
                }
                ArrayData::Objects(items)
            }
            Val::Ids(_) => return bad(at, "only object arrays carry items"),
            _ if is_object => return bad(at, "object arrays carry items, not bytes"),
            raw => {
                let bytes = self.bytes(raw, "data", at)?;
                let expected = check::itemsize(&dtype.typestr).and_then(|size| size.checked_mul(count));
                if expected.is_some_and(|n| n != bytes.len() as u64) {
                    return bad(
                        at,
                        format!("array data is {} bytes, its dtype and shape need {expected:?}", bytes.len()),
                    );
                }
                ArrayData::Bytes(bytes)
            }
        };
        Ok(NdArray { dtype, shape, fortran_order, data })
    }
}

/// An int node: `Int` when it fits in 64 bits, `BigInt` otherwise.
pub(crate) fn int_node(value: BigInt) -> Node {
    match value.to_i64() {
        Some(i) => Node::Int(i),
        None => Node::BigInt(value),
    }
}

struct Fields<'s> {
    items: Vec<Option<Val>>,
    spec: &'s Spec,
    at: usize,
}

impl Fields<'_> {
    fn take(&mut self, index: usize) -> Option<Val> {
        self.items.get_mut(index).and_then(Option::take)
    }

    fn need(&mut self, index: usize) -> Res<Val> {
        let name = self.spec.fields.get(index).map_or("?", |f| f.name);
        self.take(index).ok_or_else(|| TranscodeError::malformed(self.at, format!("missing `{name}`")))
    }
}
