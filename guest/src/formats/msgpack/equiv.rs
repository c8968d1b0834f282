//! Structural equality of two values in (possibly different) graphs, the notion of "identity" the
//! transcoders guarantee: same kinds, same scalars (floats bit for bit), and the same sharing and cycles
//! for every node that carries identity. Small atoms compare by value, since the writers repeat them.

use std::collections::HashMap;

use num_bigint::BigInt;

use super::share::has_identity;
use crate::pickle::value::{ArrayData, Graph, Node, NodeId};

/// Whether the value at `a_root` in `a` and the value at `b_root` in `b` are the same value model value:
/// equal node by node, with a one-to-one correspondence between identity-carrying nodes (so sharing and
/// cycles match). `Int`/`BigInt` compare by numeric value, and a surrogate str equals another surrogate
/// str or `Str` with the same code points (so one without surrogates equals the `Str` with its text). Iterative; linear in the graph sizes.
pub fn same_value(a: &Graph, a_root: NodeId, b: &Graph, b_root: NodeId) -> bool {
    let mut forward: HashMap<NodeId, NodeId> = HashMap::new();
    let mut backward: HashMap<NodeId, NodeId> = HashMap::new();
    let mut stack = vec![(a_root, b_root)];
    while let Some((x, y)) = stack.pop() {
        let (nx, ny) = (a.get(x), b.get(y));
        if has_identity(nx) || has_identity(ny) {
            match (forward.get(&x), backward.get(&y)) {
                (Some(fy), Some(bx)) if *fy == y && *bx == x => continue,
                (None, None) => {
                    forward.insert(x, y);
                    backward.insert(y, x);
                }
                _ => return false,
            }
        }
        if !same_node(nx, ny, &mut stack) {
            return false;
        }
    }
    true
}

fn as_big(node: &Node) -> Option<BigInt> {
    match node {
        Node::Int(i) => Some(BigInt::from(*i)),
        Node::BigInt(b) => Some(b.clone()),
        _ => None,
    }
}

fn as_text(node: &Node) -> Option<Vec<u32>> {
    match node {
        Node::Str(s) => Some(s.chars().map(u32::from).collect()),
        Node::SurrogateStr(points) => Some(points.clone()),
        _ => None,
    }
}

fn zip(xs: &[NodeId], ys: &[NodeId], stack: &mut Vec<(NodeId, NodeId)>) -> bool {
    stack.extend(xs.iter().copied().zip(ys.iter().copied()));
    xs.len() == ys.len()
}

fn zip_pairs(xs: &[(NodeId, NodeId)], ys: &[(NodeId, NodeId)], stack: &mut Vec<(NodeId, NodeId)>) -> bool {
    for ((kx, vx), (ky, vy)) in xs.iter().zip(ys) {
        stack.extend([(*kx, *ky), (*vx, *vy)]);
    }
    xs.len() == ys.len()
}

fn zip_opt(x: &Option<NodeId>, y: &Option<NodeId>, stack: &mut Vec<(NodeId, NodeId)>) -> bool {
    match (x, y) {
        (Some(x), Some(y)) => {
            stack.push((*x, *y));
            true
        }
        (None, None) => true,
        _ => false,
    }
}

fn same_node(x: &Node, y: &Node, stack: &mut Vec<(NodeId, NodeId)>) -> bool {
    use Node as N;
    match (x, y) {
        (N::Int(_) | N::BigInt(_), N::Int(_) | N::BigInt(_)) => as_big(x) == as_big(y),
        (N::Str(p), N::Str(q)) => p == q,
        (N::SurrogateStr(p), N::SurrogateStr(q)) => p == q,
        (N::Str(_) | N::SurrogateStr(_), N::Str(_) | N::SurrogateStr(_)) => as_text(x) == as_text(y),
        (N::Float(p), N::Float(q)) => p.to_bits() == q.to_bits(),
        (N::Complex(p, q), N::Complex(r, s)) => p.to_bits() == r.to_bits() && q.to_bits() == s.to_bits(),
        (N::List(p), N::List(q))
        | (N::Tuple(p), N::Tuple(q))
        | (N::Set(p), N::Set(q))
        | (N::FrozenSet(p), N::FrozenSet(q)) => zip(p, q, stack),
        (N::Dict(p), N::Dict(q)) | (N::OrderedDict(p), N::OrderedDict(q)) | (N::Counter(p), N::Counter(q)) => {
            zip_pairs(p, q, stack)
        }
        (N::DefaultDict { factory: f, items: p }, N::DefaultDict { factory: g, items: q }) => {
            f == g && zip_pairs(p, q, stack)
        }
        (N::Deque { items: p, maxlen: m }, N::Deque { items: q, maxlen: n }) => m == n && zip(p, q, stack),
        (
            N::Time { hour, minute, second, microsecond, fold, tzinfo },
            N::Time { hour: h, minute: mi, second: s, microsecond: us, fold: f, tzinfo: tz },
        ) => (hour, minute, second, microsecond, fold) == (h, mi, s, us, f) && zip_opt(tzinfo, tz, stack),
        (
            N::DateTime { year, month, day, hour, minute, second, microsecond, fold, tzinfo },
            N::DateTime {
                year: y,
                month: mo,
                day: d,
                hour: h,
                minute: mi,
                second: s,
                microsecond: us,
                fold: f,
                tzinfo: tz,
            },
        ) => {
            (year, month, day, hour, minute, second, microsecond, fold) == (y, mo, d, h, mi, s, us, f)
                && zip_opt(tzinfo, tz, stack)
        }
        (N::TimeZone { offset: o, name: n }, N::TimeZone { offset: p, name: m }) => {
            stack.push((*o, *p));
            n == m
        }
        (N::Range { start: a, stop: b, step: c }, N::Range { start: d, stop: e, step: f })
        | (N::Slice { start: a, stop: b, step: c }, N::Slice { start: d, stop: e, step: f }) => {
            zip(&[*a, *b, *c], &[*d, *e, *f], stack)
        }
        (N::NdArray(p), N::NdArray(q)) => {
            let head = p.dtype == q.dtype && p.shape == q.shape && p.fortran_order == q.fortran_order;
            head && match (&p.data, &q.data) {
                (ArrayData::Bytes(r), ArrayData::Bytes(s)) => r == s,
                (ArrayData::Objects(r), ArrayData::Objects(s)) => zip(r, s, stack),
                _ => false,
            }
        }
        (N::Call { callable: a, args: b }, N::Call { callable: c, args: d })
        | (N::Build { target: a, state: b }, N::Build { target: c, state: d }) => zip(&[*a, *b], &[*c, *d], stack),
        (N::New { class: a, args: b, kwargs: k }, N::New { class: c, args: d, kwargs: l }) => {
            zip(&[*a, *b], &[*c, *d], stack) && zip_opt(k, l, stack)
        }
        (N::Mutate { target: a, operation: o, items: p }, N::Mutate { target: b, operation: q, items: r }) => {
            stack.push((*a, *b));
            o == q && zip(p, r, stack)
        }
        (N::PersistentRef { pid: a }, N::PersistentRef { pid: b }) => {
            stack.push((*a, *b));
            true
        }
        // The remaining variants hold no node references: plain equality.
        _ => x == y,
    }
}
