//! Error locations: rebuilds the JSON-pointer-like path of a node from the first-visit parent table, and
//! names nodes for messages.

use super::driver::{Encoder, NO_PARENT};
use super::task::Seg;
use super::{EncodeError, UNENCODABLE};
use crate::pickle::value::{ArrayData, Node, NodeId};

impl Encoder<'_> {
    /// The path of `node`, rebuilt from first-visit parents.
    pub(crate) fn path_of(&self, node: NodeId) -> String {
        let mut segs = Vec::new();
        let mut current = node;
        // First-visit edges form a tree; the bound only guards against a corrupted table.
        for _ in 0..=self.parents.len() {
            match self.parents.get(current as usize) {
                Some(&stored) if stored != 0 && stored != NO_PARENT => {
                    let parent = stored - 1;
                    segs.push(seg_of(self.graph.get(parent), current));
                    current = parent;
                }
                _ => break,
            }
        }
        segs.iter().rev().map(render_seg).collect()
    }

    /// An error located at `node`.
    pub(crate) fn fail(&self, node: NodeId, code: &'static str, message: String) -> EncodeError {
        EncodeError { code, path: self.path_of(node), message }
    }

    /// An error located at child `seg` of `parent`.
    pub(crate) fn fail_at(&self, parent: NodeId, seg: Seg, code: &'static str, message: String) -> EncodeError {
        let base = if parent == NO_PARENT { String::new() } else { self.path_of(parent) };
        EncodeError { code, path: base + &render_seg(&seg), message }
    }

    pub(crate) fn fail_root(&self, message: String) -> EncodeError {
        self.fail_at(NO_PARENT, Seg::Root, UNENCODABLE, message)
    }
}

/// Where `child` sits in `parent` (its first occurrence).
fn seg_of(parent: &Node, child: NodeId) -> Seg {
    let position = |items: &[NodeId]| items.iter().position(|&i| i == child).map(|i| i as u64);
    let in_pairs = |pairs: &[(NodeId, NodeId)]| {
        pairs.iter().enumerate().find_map(|(i, &(k, v))| {
            if k == child {
                Some(Seg::Key(i as u64))
            } else if v == child {
                Some(Seg::Value(i as u64))
            } else {
                None
            }
        })
    };
    let found = match parent {
        Node::List(items) | Node::Tuple(items) | Node::Set(items) | Node::FrozenSet(items) => {
            position(items).map(Seg::Item)
        }
        Node::Deque { items, .. } => position(items).map(Seg::Item),
        Node::Dict(pairs) | Node::OrderedDict(pairs) | Node::Counter(pairs) => in_pairs(pairs),
        Node::DefaultDict { items, .. } => in_pairs(items),
        Node::NdArray(array) => match &array.data {
            ArrayData::Objects(items) => position(items).map(Seg::Data),
            ArrayData::Bytes(_) => None,
        },
        Node::Time { tzinfo, .. } | Node::DateTime { tzinfo, .. } => {
            (*tzinfo == Some(child)).then_some(Seg::Field("tzinfo"))
        }
        Node::TimeZone { offset, .. } => (*offset == child).then_some(Seg::Field("offset")),
        Node::Range { start, stop, step } | Node::Slice { start, stop, step } => {
            [(start, "start"), (stop, "stop"), (step, "step")]
                .iter()
                .find(|(id, _)| **id == child)
                .map(|(_, name)| Seg::Field(name))
        }
        _ => None,
    };
    found.unwrap_or(Seg::Root)
}

fn render_seg(seg: &Seg) -> String {
    match seg {
        Seg::Root => String::new(),
        Seg::Item(i) => format!("/items/{i}"),
        Seg::Key(i) => format!("/items/{i}/key"),
        Seg::Value(i) => format!("/items/{i}/value"),
        Seg::Data(i) => format!("/data/{i}"),
        Seg::Field(name) => format!("/{name}"),
    }
}

/// A short name for a node's kind, for messages.
pub(crate) fn kind_name(node: &Node) -> &'static str {
    match node {
        Node::List(_) => "list",
        Node::Dict(_) => "dict",
        Node::Set(_) => "set",
        Node::ByteArray(_) => "bytearray",
        Node::OrderedDict(_) => "OrderedDict",
        Node::Counter(_) => "Counter",
        Node::DefaultDict { .. } => "defaultdict",
        Node::Deque { .. } => "deque",
        Node::NdArray(_) => "ndarray",
        Node::TimeDelta { .. } => "timedelta",
        Node::TimeZone { .. } => "timezone",
        Node::Int(_) | Node::BigInt(_) => "int",
        _ => "value",
    }
}

pub(crate) fn symbolic_name(node: &Node) -> String {
    match node {
        Node::Global { module, qualname } => format!("global {module}.{qualname}"),
        Node::Call { .. } => "a call (REDUCE)".into(),
        Node::New { .. } => "an object construction (NEWOBJ/OBJ/INST)".into(),
        Node::Build { .. } => "a BUILD (setstate)".into(),
        Node::Mutate { .. } => "a method call on a non-container (APPEND/SETITEM/ADDITEMS)".into(),
        Node::PersistentRef { .. } => "a persistent reference (PERSID)".into(),
        Node::ExtRef { code } => format!("extension code {code} (EXT)"),
        Node::OobBuffer { index, .. } => format!("out-of-band buffer {index}"),
        Node::Unresolvable { reason } => format!("an unresolvable global ({reason})"),
        _ => "value".into(),
    }
}
