//! Turning a parsed payload (the fields of one ext / tagged object) into a graph node. Shared by the msgpack
//! and JSON readers, which differ only in how they tokenize.

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::check;
use super::limits::TranscodeError;
use super::schema::{Kind, Spec};
use super::sink::{Res, Sink, Val, bad};
use crate::formats::json::text;
use crate::pickle::value::{ArrayData, DType, Mutation, NdArray, Node};

impl Sink<'_> {
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
                    check::wtf8_to_code_points(&raw)
                        .ok_or_else(|| TranscodeError::malformed(at, "invalid surrogate str"))?,
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
                Node::Fraction(Box::new(num), den)
            }
            Kind::Uuid => Node::Uuid(Box::new(self.uuid(f.need(0)?, at)?)),
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
            Kind::DType => Node::DType(Box::new(self.build_dtype(&mut f)?)),
            Kind::NdArray => Node::NdArray(Box::new(self.build_ndarray(&mut f)?)),
            Kind::NumpyScalar => {
                let dtype = self.dtype(f.need(0)?, "dtype", at)?;
                let data = self.bytes(f.need(1)?, "data", at)?;
                if check::itemsize(&dtype.typestr).is_some_and(|size| size != data.len() as u64) {
                    return bad(at, "numpy scalar data does not match its dtype's item size");
                }
                Node::NumpyScalar { dtype: Box::new(dtype), data }
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
