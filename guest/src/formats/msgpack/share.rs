//! Which nodes are written once as an anchor and then referred to: a node reachable more than once that
//! carries identity (a container, a mutable value, anything holding node references) or is a large atom.
//! Small immutable atoms (ints, short strs, ...) are simply repeated: Python cannot tell the difference
//! except with `is`, and dict keys stay plain strings.

use crate::pickle::value::{Graph, Node, NodeId, SMALL_ATOM_BYTES};

/// Appends the node references held by `node`, in wire order.
pub(crate) fn children(node: &Node, out: &mut Vec<NodeId>) {
    node.children(out);
}

/// Whether the node has an identity Python can observe beyond `is`: containers, mutable values and
/// anything holding node references (so cycles always pass through one).
pub(crate) fn has_identity(node: &Node) -> bool {
    match node {
        Node::List(_)
        | Node::Tuple(_)
        | Node::Dict(_)
        | Node::Set(_)
        | Node::FrozenSet(_)
        | Node::ByteArray(_)
        | Node::TimeZone { .. }
        | Node::OrderedDict(_)
        | Node::Counter(_)
        | Node::DefaultDict { .. }
        | Node::Deque { .. }
        | Node::Range { .. }
        | Node::Slice { .. }
        | Node::NdArray(_)
        | Node::Call { .. }
        | Node::New { .. }
        | Node::Build { .. }
        | Node::Mutate { .. }
        | Node::PersistentRef { .. } => true,
        Node::Time { tzinfo, .. } | Node::DateTime { tzinfo, .. } => tzinfo.is_some(),
        _ => false,
    }
}

/// Approximate payload size of an atom, in bytes.
fn atom_weight(node: &Node) -> usize {
    match node {
        Node::BigInt(b) => (b.bits() / 8) as usize,
        Node::Str(s) | Node::Decimal(s) => s.len(),
        Node::SurrogateStr(points) => super::check::wtf8_len(points),
        Node::Bytes(b) => b.len(),
        Node::Fraction(n, d) => ((n.bits() + d.bits()) / 8) as usize,
        Node::DType(d) => d.typestr.len() + 16 * (d.fields.len() + usize::from(d.subarray.is_some())),
        Node::NumpyScalar { dtype, data } => dtype.typestr.len() + data.len(),
        Node::Global { module, qualname } => module.len() + qualname.len(),
        Node::Unresolvable { reason } => reason.len(),
        _ => 0,
    }
}

/// Whether a node reached more than once is written as anchor + refs.
pub(crate) fn anchors_when_shared(node: &Node) -> bool {
    has_identity(node) || atom_weight(node) > SMALL_ATOM_BYTES
}

/// For every node id: whether the writers must anchor it (reachable from `root` more than once, counting
/// the root itself once, and [`anchors_when_shared`]). Iterative; linear in the reachable graph. Empty (no
/// anchors) for a graph its producer vouched is a tree ([`Graph::is_tree`]).
pub(crate) fn anchored(graph: &Graph, root: NodeId) -> Vec<bool> {
    if graph.is_tree() {
        return Vec::new();
    }
    let mut seen = vec![0u8; graph.len()];
    let mut stack = vec![root];
    let mut kids = Vec::new();
    while let Some(id) = stack.pop() {
        let Some(count) = seen.get_mut(id as usize) else { continue };
        *count = count.saturating_add(1);
        if *count == 1 {
            kids.clear();
            children(graph.get(id), &mut kids);
            // Small atoms are never anchored and hold nothing: no need to count them (the bulk of big lists).
            stack.extend(kids.iter().rev().filter(|k| anchors_when_shared(graph.get(**k))));
        }
    }
    seen.iter().enumerate().map(|(id, &count)| count > 1 && anchors_when_shared(graph.get(id as NodeId))).collect()
}
