//! numpy dtypes: `numpy.dtype(code, align, copy)` followed by BUILD with the state tuple
//! `(version, byteorder, subarray, names, fields, elsize, alignment, flags[, metadata])` (versions 3 and
//! 4; version 4 carries datetime units or a metadata dict). The result is an array-protocol type string
//! plus fields / sub-array, as [`DType`] describes.

use super::{Ctx, Outcome};
use crate::pickle::value::{DType, Node, NodeId};

/// Nesting cap for structured / sub-array dtypes (numpy itself rejects absurd nesting).
const MAX_DTYPE_DEPTH: usize = 32;

/// Kind letters numpy's array protocol uses that we accept.
const KINDS: &[u8] = b"biufcOSUVMm";

/// Checks the arguments of `numpy.dtype(code, align, copy)`.
pub(super) fn valid_call(ctx: &Ctx<'_>, args: &[NodeId]) -> bool {
    match args {
        [code, rest @ ..] if rest.len() <= 2 => {
            ctx.str_of(*code).is_some_and(|c| split_code(c).is_some()) && rest.iter().all(|&a| ctx.bool_of(a).is_some())
        }
        _ => false,
    }
}

/// "f8" → ('f', 8); "O8" → ('O', 8); "M8" → ('M', 8); "U5" → ('U', 5); "V" → ('V', 0).
fn split_code(code: &str) -> Option<(u8, u64)> {
    let (&kind, digits) = code.as_bytes().split_first()?;
    if !KINDS.contains(&kind) {
        return None;
    }
    let size = if digits.is_empty() { 0 } else { std::str::from_utf8(digits).ok()?.parse().ok()? };
    Some((kind, size))
}

/// Item size in bytes of a dtype, from its type string.
pub(crate) fn itemsize(dtype: &DType) -> Option<u64> {
    let t = dtype.typestr.as_bytes();
    let kind = *t.get(1)?;
    if kind == b'O' {
        return Some(8);
    }
    let digits: String = dtype.typestr.get(2..)?.chars().take_while(char::is_ascii_digit).collect();
    let n: u64 = digits.parse().ok()?;
    if kind == b'U' { n.checked_mul(4) } else { Some(n) }
}

/// Whether the dtype holds Python objects anywhere (fields, sub-arrays), without recursion.
pub(crate) fn has_object(dtype: &DType) -> bool {
    let mut stack = vec![dtype];
    while let Some(d) = stack.pop() {
        if d.typestr.as_bytes().get(1) == Some(&b'O') {
            return true;
        }
        stack.extend(d.fields.iter().map(|(_, f, _)| f));
        if let Some((base, _)) = &d.subarray {
            stack.push(base);
        }
    }
    false
}

fn depth(dtype: &DType) -> usize {
    let mut max = 0;
    let mut stack = vec![(dtype, 1usize)];
    while let Some((d, level)) = stack.pop() {
        max = max.max(level);
        if level > MAX_DTYPE_DEPTH {
            break;
        }
        stack.extend(d.fields.iter().map(|(_, f, _)| (f, level + 1)));
        if let Some((base, _)) = &d.subarray {
            stack.push((base, level + 1));
        }
    }
    max
}

/// BUILD of a pending `numpy.dtype(...)` call.
pub(super) fn build(ctx: &mut Ctx<'_>, args: NodeId, state: NodeId) -> Outcome {
    make(ctx, args, state).map_or(Outcome::No, |d| Outcome::Value(Node::DType(Box::new(d))))
}

fn make(ctx: &Ctx<'_>, args: NodeId, state: NodeId) -> Option<DType> {
    let code = ctx.str_of(*ctx.tuple(args)?.first()?)?;
    let (kind, code_size) = split_code(code)?;
    let st = ctx.tuple(state)?;
    let version = ctx.int_of(*st.first()?)?;
    if !(version == 3 && st.len() == 8 || version == 4 && st.len() == 9) {
        return None;
    }
    let order = match ctx.str_of(st[1])? {
        "<" | "=" => '<',
        ">" => '>',
        "|" => '|',
        _ => return None,
    };
    let elsize = ctx.int_of(st[5])?;
    let mut unit = String::new();
    if version == 4 {
        match ctx.node(st[8]) {
            Node::Tuple(meta) if matches!(kind, b'M' | b'm') => unit = datetime_unit(ctx, meta)?,
            Node::Dict(_) | Node::None if !matches!(kind, b'M' | b'm') => {}
            _ => return None,
        }
    }
    let size = match kind {
        b'S' | b'V' => u64::try_from(elsize).ok()?,
        b'U' => u64::try_from(elsize).ok()? / 4,
        b'O' => 0,
        _ => code_size,
    };
    if matches!(kind, b'b' | b'i' | b'u' | b'f' | b'c' | b'M' | b'm') && size == 0 {
        return None;
    }
    let byteorder = if matches!(kind, b'O' | b'S' | b'V' | b'b') || (size == 1 && kind != b'U') { '|' } else { order };
    let typestr = match kind {
        b'O' => "|O".to_owned(),
        b'M' | b'm' => format!("{byteorder}{}{size}{unit}", kind as char),
        _ => format!("{byteorder}{}{size}", kind as char),
    };
    let subarray = match ctx.node(st[2]) {
        Node::None => None,
        Node::Tuple(sub) => match sub.as_slice() {
            [base, shape] => Some((Box::new(ctx.dtype(*base)?.clone()), ctx.shape(*shape)?)),
            _ => return None,
        },
        _ => return None,
    };
    let fields = match (ctx.node(st[3]), ctx.node(st[4])) {
        (Node::None, Node::None) => Vec::new(),
        (Node::Tuple(names), Node::Dict(map)) => {
            let mut fields = Vec::with_capacity(names.len());
            for &name_id in names {
                let name = ctx.str_of(name_id)?;
                let &(_, spec) = map.iter().find(|(k, _)| ctx.str_of(*k) == Some(name))?;
                let [fdtype, offset] = ctx.tuple(spec)? else { return None };
                fields.push((name.to_owned(), ctx.dtype(*fdtype)?.clone(), u64::try_from(ctx.int_of(*offset)?).ok()?));
            }
            fields
        }
        _ => return None,
    };
    let dtype = DType { typestr, fields, subarray };
    (depth(&dtype) <= MAX_DTYPE_DEPTH).then_some(dtype)
}

/// `(None | metadata, (unit bytes, num, den, events))` → "[ns]", "[10s]", "" for generic.
fn datetime_unit(ctx: &Ctx<'_>, meta: &[NodeId]) -> Option<String> {
    let [_, info] = meta else { return None };
    let info = ctx.tuple(*info)?;
    let unit = std::str::from_utf8(ctx.bytes_of(*info.first()?)?).ok()?;
    let num = ctx.int_of(*info.get(1)?)?;
    if !unit.bytes().all(|b| b.is_ascii_alphabetic()) || num < 1 {
        return None;
    }
    Some(match (unit, num) {
        ("generic", _) => String::new(),
        (u, 1) => format!("[{u}]"),
        (u, n) => format!("[{n}{u}]"),
    })
}
