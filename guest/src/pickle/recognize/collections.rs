//! `collections`: OrderedDict, Counter, defaultdict (builtin factories only) and deque. Their pickles
//! call the class and then fill it with SETITEMS / APPENDS, which the VM applies to the typed node.

use super::{Ctx, Known, Outcome};
use crate::pickle::value::{Node, NodeId};

/// Builtin types accepted as a defaultdict factory.
const FACTORIES: &[&str] = &["list", "dict", "set", "frozenset", "int", "float", "str", "bytes", "tuple", "bool"];

/// Key/value pairs from a dict, or from a sequence of 2-item tuples / lists.
fn pairs(ctx: &Ctx<'_>, id: NodeId) -> Option<Vec<(NodeId, NodeId)>> {
    match ctx.node(id) {
        Node::Dict(p) | Node::OrderedDict(p) => Some(p.clone()),
        Node::List(items) | Node::Tuple(items) => items
            .iter()
            .map(|&item| match ctx.sequence(item) {
                Some(&[k, v]) => Some((k, v)),
                _ => None,
            })
            .collect(),
        _ => None,
    }
}

fn factory(ctx: &Ctx<'_>, id: NodeId) -> Option<Option<String>> {
    match ctx.node(id) {
        Node::None => Some(None),
        Node::Global { module, qualname } if module == "builtins" && FACTORIES.contains(&qualname.as_str()) => {
            Some(Some(qualname.clone()))
        }
        _ => None,
    }
}

pub(super) fn call(ctx: &mut Ctx<'_>, known: Known, args: &[NodeId]) -> Outcome {
    let value = match (known, args) {
        (Known::OrderedDict, []) => Node::OrderedDict(Vec::new()),
        (Known::OrderedDict, [items]) => match pairs(ctx, *items) {
            Some(p) => Node::OrderedDict(p),
            None => return Outcome::No,
        },
        (Known::Counter, []) => Node::Counter(Vec::new()),
        (Known::Counter, [items]) => match ctx.node(*items) {
            Node::Dict(p) => Node::Counter(p.clone()),
            _ => return Outcome::No,
        },
        (Known::DefaultDict, []) => Node::DefaultDict { factory: None, items: Vec::new() },
        (Known::DefaultDict, [f]) => match factory(ctx, *f) {
            Some(factory) => Node::DefaultDict { factory, items: Vec::new() },
            None => return Outcome::No,
        },
        (Known::DefaultDict, [f, items]) => match (factory(ctx, *f), pairs(ctx, *items)) {
            (Some(factory), Some(items)) => Node::DefaultDict { factory, items },
            _ => return Outcome::No,
        },
        (Known::Deque, []) => Node::Deque { items: Vec::new(), maxlen: None },
        (Known::Deque, [items]) => match super::builtins::iterable_items(ctx, *items) {
            Some(items) => Node::Deque { items, maxlen: None },
            None => return Outcome::No,
        },
        (Known::Deque, [items, maxlen]) => {
            let maxlen = match ctx.node(*maxlen) {
                Node::None => None,
                Node::Int(m) if *m >= 0 => Some(*m),
                _ => return Outcome::No,
            };
            let Some(mut items) = super::builtins::iterable_items(ctx, *items) else {
                return Outcome::No;
            };
            if let Some(m) = maxlen.and_then(|m| usize::try_from(m).ok())
                && items.len() > m
            {
                items.drain(..items.len() - m);
            }
            Node::Deque { items, maxlen }
        }
        _ => return Outcome::No,
    };
    Outcome::Value(value)
}
