//! Builtin constructors (`set`, `frozenset`, `bytearray`, `bytes`, `complex`, `range`, `slice`, …),
//! `_codecs.encode(str, 'latin1')` (how protocols 0–2 spell bytes) and copyreg's reconstructors for
//! allowlisted classes.

use num_traits::ToPrimitive;

use super::{Ctx, Known, Outcome};
use crate::pickle::value::{Node, NodeId};

/// The empty value `cls.__new__(cls)` makes for a container class.
pub(super) fn empty_of(known: Known) -> Option<Node> {
    Some(match known {
        Known::Set => Node::Set(Vec::new()),
        Known::List => Node::List(Vec::new()),
        Known::Dict => Node::Dict(Vec::new()),
        Known::ByteArray => Node::ByteArray(Vec::new()),
        Known::OrderedDict => Node::OrderedDict(Vec::new()),
        Known::Counter => Node::Counter(Vec::new()),
        Known::Deque => Node::Deque { items: Vec::new(), maxlen: None },
        Known::DefaultDict => Node::DefaultDict { factory: None, items: Vec::new() },
        _ => return None,
    })
}

/// Items of an iterable argument we can enumerate statically (list, tuple, set, frozenset, dict keys).
pub(super) fn iterable_items(ctx: &Ctx<'_>, id: NodeId) -> Option<Vec<NodeId>> {
    match ctx.node(id) {
        Node::List(v) | Node::Tuple(v) | Node::Set(v) | Node::FrozenSet(v) => Some(v.clone()),
        Node::Dict(pairs) => Some(pairs.iter().map(|&(k, _)| k).collect()),
        _ => None,
    }
}

/// A float from an int, bool or float node (complex parts).
fn as_f64(ctx: &Ctx<'_>, id: NodeId) -> Option<f64> {
    match ctx.node(id) {
        Node::Float(v) => Some(*v),
        Node::Int(v) => Some(*v as f64),
        Node::Bool(b) => Some(f64::from(u8::from(*b))),
        Node::BigInt(v) => v.to_f64().filter(|f| f.is_finite()),
        _ => None,
    }
}

fn is_int(ctx: &Ctx<'_>, id: NodeId) -> bool {
    matches!(ctx.node(id), Node::Int(_) | Node::BigInt(_) | Node::Bool(_))
}

/// latin-1 encoding of a str (every char below 256).
fn latin1(text: &str) -> Option<Vec<u8>> {
    text.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect()
}

pub(super) fn call(ctx: &mut Ctx<'_>, known: Known, args: &[NodeId]) -> Outcome {
    let value = match (known, args) {
        (Known::Set, []) => Node::Set(Vec::new()),
        (Known::FrozenSet, []) => Node::FrozenSet(Vec::new()),
        (Known::Set, [items]) => match iterable_items(ctx, *items) {
            Some(v) => Node::Set(v),
            None => return Outcome::No,
        },
        (Known::FrozenSet, [items]) => match iterable_items(ctx, *items) {
            Some(v) => Node::FrozenSet(v),
            None => return Outcome::No,
        },
        (Known::List, []) => Node::List(Vec::new()),
        (Known::Tuple, []) => Node::Tuple(Vec::new()),
        (Known::Dict, []) => Node::Dict(Vec::new()),
        (Known::List, [items]) => match iterable_items(ctx, *items) {
            Some(v) => Node::List(v),
            None => return Outcome::No,
        },
        (Known::Tuple, [items]) => match iterable_items(ctx, *items) {
            Some(v) => Node::Tuple(v),
            None => return Outcome::No,
        },
        (Known::Dict, [d]) => match ctx.node(*d) {
            Node::Dict(pairs) => Node::Dict(pairs.clone()),
            _ => return Outcome::No,
        },
        (Known::Bytes, []) => Node::Bytes(Vec::new()),
        (Known::ByteArray, []) => Node::ByteArray(Vec::new()),
        (Known::Bytes | Known::ByteArray, [data]) => match ctx.bytes_of(*data).map(<[u8]>::to_vec) {
            Some(b) if known == Known::Bytes => Node::Bytes(b),
            Some(b) => Node::ByteArray(b),
            None => return Outcome::No,
        },
        (Known::Bytes | Known::ByteArray, [text, encoding]) => {
            let (Some(text), Some(enc)) = (ctx.str_of(*text), ctx.str_of(*encoding)) else {
                return Outcome::No;
            };
            if !is_latin1_name(enc) {
                return Outcome::No;
            }
            match latin1(text) {
                Some(b) if known == Known::Bytes => Node::Bytes(b),
                Some(b) => Node::ByteArray(b),
                None => return Outcome::No,
            }
        }
        (Known::CodecsEncode, [text, encoding]) => {
            let (Some(text), Some(enc)) = (ctx.str_of(*text), ctx.str_of(*encoding)) else {
                return Outcome::No;
            };
            if !is_latin1_name(enc) {
                return Outcome::No;
            }
            match latin1(text) {
                Some(b) => Node::Bytes(b),
                None => return Outcome::No,
            }
        }
        (Known::Complex, []) => Node::Complex(0.0, 0.0),
        (Known::Complex, [re]) => match as_f64(ctx, *re) {
            Some(r) => Node::Complex(r, 0.0),
            None => return Outcome::No,
        },
        (Known::Complex, [re, im]) => match (as_f64(ctx, *re), as_f64(ctx, *im)) {
            (Some(r), Some(i)) => Node::Complex(r, i),
            _ => return Outcome::No,
        },
        (Known::Int, []) => Node::Int(0),
        (Known::Float, []) => Node::Float(0.0),
        (Known::Str, []) => Node::Str(String::new()),
        (Known::Bool, []) => Node::Bool(false),
        (Known::Int, [v]) if is_int(ctx, *v) => ctx.node(*v).clone(),
        (Known::Float, [v]) if matches!(ctx.node(*v), Node::Float(_)) => ctx.node(*v).clone(),
        (Known::Str, [v]) if matches!(ctx.node(*v), Node::Str(_) | Node::SurrogateStr(_)) => ctx.node(*v).clone(),
        (Known::Bool, [v]) if matches!(ctx.node(*v), Node::Bool(_)) => ctx.node(*v).clone(),
        (Known::Range, [stop]) if is_int(ctx, *stop) => {
            let zero = Node::Int(0);
            let one = Node::Int(1);
            let start = ctx.graph.push(zero);
            let step = ctx.graph.push(one);
            Node::Range { start, stop: *stop, step }
        }
        (Known::Range, [start, stop]) if is_int(ctx, *start) && is_int(ctx, *stop) => {
            let step = ctx.graph.push(Node::Int(1));
            Node::Range { start: *start, stop: *stop, step }
        }
        (Known::Range, [start, stop, step])
            if is_int(ctx, *start) && is_int(ctx, *stop) && is_int(ctx, *step) && !is_zero(ctx, *step) =>
        {
            Node::Range { start: *start, stop: *stop, step: *step }
        }
        (Known::Slice, [stop]) => {
            let none = ctx.graph.push(Node::None);
            Node::Slice { start: none, stop: *stop, step: none }
        }
        (Known::Slice, [start, stop]) => {
            let none = ctx.graph.push(Node::None);
            Node::Slice { start: *start, stop: *stop, step: none }
        }
        (Known::Slice, [start, stop, step]) => Node::Slice { start: *start, stop: *stop, step: *step },
        _ => return Outcome::No,
    };
    Outcome::Value(value)
}

fn is_zero(ctx: &Ctx<'_>, id: NodeId) -> bool {
    matches!(ctx.node(id), Node::Int(0) | Node::Bool(false))
}

fn is_latin1_name(encoding: &str) -> bool {
    matches!(encoding, "latin1" | "latin-1")
}

/// `copyreg._reconstructor(cls, object, None)` for an allowlisted class: an empty instance awaiting BUILD.
pub(super) fn reconstructor(ctx: &mut Ctx<'_>, args: &[NodeId]) -> Outcome {
    let [class, base, state] = args else {
        return Outcome::No;
    };
    let allowlisted = matches!(ctx.global(*class), Some(Known::Uuid | Known::JoblibWrapper));
    if allowlisted && ctx.global(*base) == Some(Known::Object) && matches!(ctx.node(*state), Node::None) {
        Outcome::PendingNew(*class)
    } else {
        Outcome::No
    }
}

/// `copyreg.__newobj_ex__(cls, args, kwargs)` with empty keyword arguments.
pub(super) fn newobj_ex(ctx: &mut Ctx<'_>, args: &[NodeId]) -> Outcome {
    let [class, positional, kwargs] = args else {
        return Outcome::No;
    };
    let Some(known) = ctx.global(*class) else {
        return Outcome::No;
    };
    if !matches!(ctx.node(*kwargs), Node::Dict(p) if p.is_empty()) {
        return Outcome::No;
    }
    let Some(items) = ctx.tuple(*positional).map(<[NodeId]>::to_vec) else {
        return Outcome::No;
    };
    super::new_object(ctx, known, *class, &items)
}
