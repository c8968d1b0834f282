//! numpy dtypes as numpy 2.x pickles them: `numpy.dtype(name, False, True)` REDUCE, then BUILD with the
//! state tuple `(version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])`.
//!
//! The flags and alignment in that state are what numpy computes for the dtype (they are restored as
//! given), so they are derived here from the dtype's structure, with an explicit stack (dtypes nest to
//! any depth). Aligned structs (`align=True`) and field titles are not part of the value model; such
//! dtypes are written as their unaligned, untitled equivalents.

use std::borrow::Cow;

use super::driver::Encoder;
use super::task::{Seq, Task};
use super::writer::op;
use super::{EncodeError, INVALID};
use crate::pickle::value::{DType, NodeId};

/// numpy's `NPY_ITEM_REFCOUNT | NPY_ITEM_HASOBJECT | NPY_LIST_PICKLE | NPY_ITEM_IS_POINTER |
/// NPY_NEEDS_INIT | NPY_NEEDS_PYAPI` (the object dtype's flags).
const OBJECT_FLAGS: i64 = 0x3f;
/// `NPY_NEEDS_INIT` (set on unicode dtypes).
const NEEDS_INIT: i64 = 0x08;
/// `NPY_NEEDS_PYAPI` (set on structured dtypes).
const NEEDS_PYAPI: i64 = 0x10;
/// `NPY_FROM_FIELDS`: the flags a structured dtype inherits from its fields.
const FROM_FIELDS: i64 = 0x1b;

/// A parsed array-protocol type string such as `<f8`, `|S3`, `<U5`, `<M8[25s]`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct TypeStr {
    /// Byte order as numpy's pickled state writes it: '<', '>' or '|'.
    pub(crate) order: char,
    /// Kind character (b i u f c m M O S U V).
    pub(crate) kind: char,
    /// Size as written (characters for 'U', bytes otherwise).
    pub(crate) size: u64,
    /// Datetime unit and count (`("s", 25)`), "generic" when absent.
    pub(crate) unit: Option<(String, u64)>,
}

/// Layout facts numpy keeps for a dtype.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DTypeInfo {
    /// Bytes per element.
    pub(crate) itemsize: u64,
    /// Alignment numpy gives the dtype.
    pub(crate) alignment: u64,
    /// numpy's dtype flags.
    pub(crate) flags: i64,
    /// Whether elements hold Python objects anywhere.
    pub(crate) has_object: bool,
}

const UNITS: [&str; 14] = ["Y", "M", "W", "D", "h", "m", "s", "ms", "us", "ns", "ps", "fs", "as", "generic"];

/// Parses a type string; the error says what is wrong.
pub(crate) fn parse_typestr(text: &str) -> Result<TypeStr, String> {
    let bad = |why: &str| Err(format!("dtype {text:?}: {why}"));
    let mut chars = text.chars();
    let (order, kind) = match (chars.next(), chars.next()) {
        (Some(o @ ('<' | '>' | '|' | '=')), Some(k)) => (o, k),
        _ => return bad("expected a byte order and a kind, e.g. \"<f8\""),
    };
    let rest = chars.as_str();
    let (size_text, unit_text) = match rest.split_once('[') {
        Some((size, unit)) => match unit.strip_suffix(']') {
            Some(unit) => (size, Some(unit)),
            None => return bad("unterminated unit"),
        },
        None => (rest, None),
    };
    let size = if size_text.is_empty() && kind == 'O' {
        8
    } else {
        match size_text.parse::<u64>() {
            Ok(n) if size_text.bytes().all(|b| b.is_ascii_digit()) => n,
            _ => return bad("missing or invalid size"),
        }
    };
    let fixed_ok = match kind {
        'b' => size == 1,
        'i' | 'u' => matches!(size, 1 | 2 | 4 | 8),
        'f' => matches!(size, 2 | 4 | 8 | 16),
        'c' => matches!(size, 8 | 16 | 32),
        'm' | 'M' | 'O' => size == 8,
        'S' | 'U' | 'V' => true,
        _ => return bad("unknown kind"),
    };
    if !fixed_ok {
        return bad("unsupported size for this kind");
    }
    let unit = match (kind, unit_text) {
        ('m' | 'M', None) => Some(("generic".to_string(), 1)),
        ('m' | 'M', Some(u)) => {
            let digits = u.bytes().take_while(u8::is_ascii_digit).count();
            let (count, name) = u.split_at(digits);
            let count = if count.is_empty() {
                1
            } else {
                count.parse::<u64>().map_err(|_| format!("dtype {text:?}: bad unit count"))?
            };
            if !UNITS.contains(&name) || count == 0 {
                return bad("unknown datetime unit");
            }
            Some((name.to_string(), count))
        }
        (_, Some(_)) => return bad("only datetime kinds take a unit"),
        (_, None) => None,
    };
    let single_byte = matches!(kind, 'b' | 'S' | 'V' | 'O') || (matches!(kind, 'i' | 'u') && size == 1);
    let order = if single_byte {
        '|'
    } else if order == '>' {
        '>'
    } else {
        '<'
    };
    Ok(TypeStr { order, kind, size, unit })
}

fn base_info(t: &TypeStr) -> Result<DTypeInfo, String> {
    let (itemsize, alignment, flags) = match t.kind {
        'b' | 'i' | 'u' | 'f' => (t.size, t.size, 0),
        'c' => (t.size, t.size / 2, 0),
        'm' | 'M' => (8, 8, 0),
        'O' => (8, 8, OBJECT_FLAGS),
        'U' => (t.size.checked_mul(4).ok_or("unicode dtype too large")?, 4, NEEDS_INIT),
        _ => (t.size, 1, 0),
    };
    Ok(DTypeInfo { itemsize, alignment, flags, has_object: t.kind == 'O' })
}

impl<'g> Encoder<'g> {
    /// Layout facts of `dtype` (and every dtype inside it), checking that fields and sub-arrays fit.
    pub(crate) fn dtype_info(&mut self, dtype: &'g DType) -> Result<DTypeInfo, String> {
        if let Some(info) = self.dtype_infos.get(&(dtype as *const DType as usize)) {
            return Ok(*info);
        }
        // Post-order walk: a dtype's info is computed once all its parts are known.
        let mut pending: Vec<(&'g DType, bool)> = vec![(dtype, false)];
        while let Some((d, parts_done)) = pending.pop() {
            let key = d as *const DType as usize;
            if self.dtype_infos.contains_key(&key) {
                continue;
            }
            if !parts_done {
                pending.push((d, true));
                pending.extend(d.fields.iter().map(|(_, f, _)| (f, false)));
                if let Some((base, _)) = &d.subarray {
                    pending.push((base.as_ref(), false));
                }
                continue;
            }
            let info = self.compose_info(d)?;
            self.dtype_infos.insert(key, info);
        }
        self.dtype_infos.get(&(dtype as *const DType as usize)).copied().ok_or_else(|| "dtype layout".to_string())
    }

    fn compose_info(&self, d: &DType) -> Result<DTypeInfo, String> {
        let t = parse_typestr(&d.typestr)?;
        let part = |p: &DType| self.dtype_infos.get(&(p as *const DType as usize)).copied().ok_or("dtype layout");
        if let Some((base, shape)) = &d.subarray {
            if t.kind != 'V' || !d.fields.is_empty() {
                return Err(format!("dtype {:?}: a sub-array dtype must be a plain void type", d.typestr));
            }
            let b = part(base)?;
            let count = shape.iter().try_fold(1u64, |acc, &n| acc.checked_mul(n)).ok_or("sub-array shape overflows")?;
            if b.itemsize.checked_mul(count) != Some(t.size) {
                return Err(format!(
                    "dtype {:?}: sub-array of {count} × {} bytes does not fill it",
                    d.typestr, b.itemsize
                ));
            }
            return Ok(DTypeInfo {
                itemsize: t.size,
                alignment: b.alignment,
                flags: b.flags,
                has_object: b.has_object,
            });
        }
        if !d.fields.is_empty() {
            if t.kind != 'V' {
                return Err(format!("dtype {:?}: only void dtypes have fields", d.typestr));
            }
            let mut flags = NEEDS_PYAPI;
            let mut has_object = false;
            for (name, field, offset) in &d.fields {
                let f = part(field)?;
                let end = offset.checked_add(f.itemsize).ok_or("field offset overflows")?;
                if end > t.size {
                    return Err(format!(
                        "dtype {:?}: field {name:?} ends at byte {end}, past the item size",
                        d.typestr
                    ));
                }
                flags |= f.flags & FROM_FIELDS;
                has_object |= f.has_object;
            }
            return Ok(DTypeInfo { itemsize: t.size, alignment: 1, flags, has_object });
        }
        base_info(&t)
    }

    /// Writes `dtype` (memoized as `node` when it is a graph node; `owner` locates errors).
    pub(crate) fn dtype(&mut self, dtype: &'g DType, node: Option<NodeId>, owner: NodeId) -> Result<(), EncodeError> {
        let info = self.dtype_info(dtype).map_err(|m| self.fail(owner, INVALID, m))?;
        let t = parse_typestr(&dtype.typestr).map_err(|m| self.fail(owner, INVALID, m))?;
        let mut s: Seq<'g> = self.seq();
        let name = match t.kind {
            'U' => format!("U{}", t.size),
            'm' | 'M' => format!("{}8", t.kind),
            kind => format!("{kind}{}", info.itemsize),
        };
        s.global("numpy", "dtype");
        s.tuple_start(3);
        s.str(name);
        s.push(Task::Bool(false));
        s.push(Task::Bool(true));
        s.tuple_end(3);
        s.op(op::REDUCE);
        s.push(match node {
            Some(id) => Task::Memoize(id),
            None => Task::MemoizeAnon,
        });
        let state_len = if t.unit.is_some() { 9 } else { 8 };
        s.tuple_start(state_len);
        s.push(Task::Int(if t.unit.is_some() { 4 } else { 3 }));
        s.str(t.order.to_string());
        match &dtype.subarray {
            Some((base, shape)) => {
                s.tuple_start(2);
                s.push(Task::DType { dtype: base, node: None, owner });
                s.int_tuple(shape);
                s.tuple_end(2);
            }
            None => s.push(Task::None),
        }
        if dtype.fields.is_empty() {
            s.push(Task::None);
            s.push(Task::None);
        } else {
            let n = dtype.fields.len();
            s.tuple_start(n);
            for (name, _, _) in &dtype.fields {
                s.str(name.as_str());
            }
            s.tuple_end(n);
            s.dict_start();
            s.setitems_start(n);
            for (name, field, offset) in &dtype.fields {
                s.str(name.as_str());
                s.tuple_start(2);
                s.push(Task::DType { dtype: field, node: None, owner });
                s.push(Task::Int(i64::try_from(*offset).unwrap_or(i64::MAX)));
                s.tuple_end(2);
                s.setitems_pair_done(n);
            }
            s.setitems_end(n);
        }
        let flexible = matches!(t.kind, 'S' | 'U' | 'V');
        let (elsize, alignment) = if flexible { (info.itemsize, info.alignment) } else { (0, 0) };
        s.push(Task::Int(if flexible { i64::try_from(elsize).unwrap_or(i64::MAX) } else { -1 }));
        s.push(Task::Int(if flexible { i64::try_from(alignment).unwrap_or(i64::MAX) } else { -1 }));
        s.push(Task::Int(info.flags));
        if let Some((unit, count)) = t.unit {
            s.tuple_start(2);
            s.push(Task::None);
            s.tuple_start(4);
            s.push(Task::Bytes(Cow::Owned(unit.into_bytes())));
            s.push(Task::Int(i64::try_from(count).unwrap_or(i64::MAX)));
            s.push(Task::Int(1));
            s.push(Task::Int(1));
            s.tuple_end(4);
            s.tuple_end(2);
        }
        s.tuple_end(state_len);
        s.op(op::BUILD);
        self.schedule(s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typestrs() {
        let t = parse_typestr("<f8").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.order, t.kind, t.size, t.unit), ('<', 'f', 8, None));
        assert_eq!(parse_typestr("|O").map(|t| t.size), Ok(8));
        assert_eq!(parse_typestr("<i1").map(|t| t.order), Ok('|'));
        assert_eq!(parse_typestr("=u2").map(|t| t.order), Ok('<'));
        assert_eq!(parse_typestr(">U5").map(|t| (t.order, t.size)), Ok(('>', 5)));
        assert_eq!(parse_typestr("<M8[25s]").map(|t| t.unit), Ok(Some(("s".to_string(), 25))));
        assert_eq!(parse_typestr("<m8").map(|t| t.unit), Ok(Some(("generic".to_string(), 1))));
        for bad in ["", "f8", "<x8", "<f3", "<i", "<M8[xs]", "<f8[s]", "<M8[ns", "<i+4", "<M8[0s]"] {
            assert!(parse_typestr(bad).is_err(), "{bad}");
        }
    }
}
