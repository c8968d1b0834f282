//! Nesting depth of a decoded graph. A pickle can build a structure nested a million levels deep with a
//! constant-size stack (`EMPTY_TUPLE` then `TUPLE1` repeated); the graph itself is harmless, but every
//! consumer that walks it recursively (CPython, most JSON and msgpack readers) is not — so such a value is
//! refused as a resource limit rather than handed on.

use super::value::{Graph, Node, NodeId};

/// The default cap: the same depth the value-model readers accept.
pub const DEFAULT_MAX_DEPTH: usize = 10_000;

/// Whether the longest chain of nested values below `root` is deeper than `max_depth`. Back edges of
/// cycles do not count (a list containing itself has depth 1); shared nodes are measured once.
pub fn exceeds(graph: &Graph, root: NodeId, max_depth: usize) -> bool {
    const UNVISITED: u32 = u32::MAX;
    const IN_PROGRESS: u32 = u32::MAX - 1;
    // A chain of nested values holds distinct nodes, all containers but the last: a graph this small, or
    // with this few containers (counted far faster than walked), cannot be too deep.
    if graph.len() <= max_depth || graph.nodes().filter(|node| !is_atom(node)).count() < max_depth {
        return false;
    }
    let mut depth = vec![UNVISITED; graph.len()];
    // The children of every node on the stack, back to back (a stack itself: a node's children are
    // dropped when it is popped), so no node needs its own allocation.
    let mut kids: Vec<NodeId> = Vec::new();
    // (node, start of its children in `kids`, position of its next child, end of its children)
    let mut stack: Vec<Frame> = Vec::new();
    let push = |id: NodeId, depth: &mut Vec<u32>, stack: &mut Vec<Frame>, kids: &mut Vec<NodeId>| {
        let start = kids.len();
        graph.get(id).children(kids);
        if let Some(slot) = depth.get_mut(id as usize) {
            *slot = IN_PROGRESS;
        }
        stack.push((id, start, start, kids.len()));
    };
    push(root, &mut depth, &mut stack, &mut kids);
    while !stack.is_empty() {
        if stack.len() > max_depth {
            return true;
        }
        let Some(&mut (id, start, ref mut next, end)) = stack.last_mut() else {
            break;
        };
        if *next < end {
            let child = kids.get(*next).copied().unwrap_or(root);
            *next += 1;
            if depth.get(child as usize) == Some(&UNVISITED) {
                if is_atom(graph.get(child)) {
                    // What pushing and popping the atom would do, without the stack round trip.
                    if stack.len() + 1 > max_depth {
                        return true;
                    }
                    if let Some(slot) = depth.get_mut(child as usize) {
                        *slot = 1;
                    }
                } else {
                    push(child, &mut depth, &mut stack, &mut kids);
                }
            }
            continue;
        }
        let own = kids
            .get(start..end)
            .unwrap_or(&[])
            .iter()
            .filter_map(|child| depth.get(*child as usize).copied())
            .filter(|d| *d < IN_PROGRESS)
            .max()
            .map_or(1, |d| d.saturating_add(1));
        if own as usize > max_depth {
            return true;
        }
        if let Some(slot) = depth.get_mut(id as usize) {
            *slot = own;
        }
        kids.truncate(start);
        stack.pop();
    }
    false
}

/// A node being measured: its id, where its children start in the shared buffer, the next one to visit,
/// and where they end.
type Frame = (NodeId, usize, usize, usize);

/// Whether the node holds no node references (checked without listing its children).
fn is_atom(node: &Node) -> bool {
    matches!(
        node,
        Node::None
            | Node::Bool(_)
            | Node::Int(_)
            | Node::BigInt(_)
            | Node::Float(_)
            | Node::Str(_)
            | Node::SurrogateStr(_)
            | Node::Bytes(_)
            | Node::ByteArray(_)
            | Node::Complex(..)
            | Node::Decimal(_)
            | Node::Fraction(..)
            | Node::Uuid(_)
            | Node::Date { .. }
            | Node::TimeDelta { .. }
            | Node::DType(_)
            | Node::NumpyScalar { .. }
            | Node::Global { .. }
            | Node::ExtRef { .. }
            | Node::OobBuffer { .. }
            | Node::Unresolvable { .. }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested_tuples(levels: usize) -> (Graph, NodeId) {
        let mut graph = Graph::new();
        let mut current = graph.push(Node::Tuple(Vec::new()));
        for _ in 0..levels {
            current = graph.push(Node::Tuple(vec![current]));
        }
        (graph, current)
    }

    #[test]
    fn deep_nesting_is_detected_without_recursion() {
        let (graph, root) = nested_tuples(1_000_000);
        assert!(exceeds(&graph, root, DEFAULT_MAX_DEPTH));
        let (graph, root) = nested_tuples(100);
        assert!(!exceeds(&graph, root, DEFAULT_MAX_DEPTH));
        assert!(exceeds(&graph, root, 50));
    }

    #[test]
    fn the_container_count_bound_is_exact_at_the_limit() {
        // 49 tuples around an int: depth 50.
        let (graph, root) = nested_tuples(49);
        assert!(!exceeds(&graph, root, 50));
        assert!(exceeds(&graph, root, 49));
        let mut graph = Graph::new();
        let items = (0..1000).map(|i| graph.push(Node::Int(i))).collect();
        let list = graph.push(Node::List(items));
        assert!(!exceeds(&graph, list, 2));
        assert!(exceeds(&graph, list, 1));
    }

    #[test]
    fn cycles_and_sharing_are_measured_once() {
        let mut graph = Graph::new();
        let list = graph.push(Node::List(Vec::new()));
        if let Some(Node::List(items)) = graph.get_mut(list) {
            items.push(list);
        }
        assert!(!exceeds(&graph, list, 2));
        // 60 levels, each holding the level below twice: 2^60 paths, depth 61.
        let mut level = graph.push(Node::Int(1));
        for _ in 0..60 {
            level = graph.push(Node::List(vec![level, level]));
        }
        assert!(!exceeds(&graph, level, 100));
        assert!(exceeds(&graph, level, 30));
    }
}
