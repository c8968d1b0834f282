//! Nesting depth of a decoded graph. A pickle can build a structure nested a million levels deep with a
//! constant-size stack (`EMPTY_TUPLE` then `TUPLE1` repeated); the graph itself is harmless, but every
//! consumer that walks it recursively (CPython, most JSON and msgpack readers) is not — so such a value is
//! refused as a resource limit rather than handed on.

use super::value::{Graph, NodeId};

/// The default cap: the same depth the value-model readers accept.
pub const DEFAULT_MAX_DEPTH: usize = 10_000;

/// Whether the longest chain of nested values below `root` is deeper than `max_depth`. Back edges of
/// cycles do not count (a list containing itself has depth 1); shared nodes are measured once.
pub fn exceeds(graph: &Graph, root: NodeId, max_depth: usize) -> bool {
    const UNVISITED: u32 = u32::MAX;
    const IN_PROGRESS: u32 = u32::MAX - 1;
    let mut depth = vec![UNVISITED; graph.len()];
    let mut children = Vec::new();
    // (node, index of the next child to visit, its children)
    let mut stack: Vec<(NodeId, usize, Vec<NodeId>)> = Vec::new();
    let push =
        |id: NodeId, depth: &mut Vec<u32>, stack: &mut Vec<(NodeId, usize, Vec<NodeId>)>, buffer: &mut Vec<NodeId>| {
            buffer.clear();
            graph.get(id).children(buffer);
            if let Some(slot) = depth.get_mut(id as usize) {
                *slot = IN_PROGRESS;
            }
            stack.push((id, 0, buffer.clone()));
        };
    push(root, &mut depth, &mut stack, &mut children);
    while !stack.is_empty() {
        if stack.len() > max_depth {
            return true;
        }
        let Some((id, next, kids)) = stack.last_mut() else {
            break;
        };
        if let Some(&child) = kids.get(*next) {
            *next += 1;
            if depth.get(child as usize) == Some(&UNVISITED) {
                push(child, &mut depth, &mut stack, &mut children);
            }
            continue;
        }
        let own = kids
            .iter()
            .filter_map(|child| depth.get(*child as usize).copied())
            .filter(|d| *d < IN_PROGRESS)
            .max()
            .map_or(1, |d| d.saturating_add(1));
        if own as usize > max_depth {
            return true;
        }
        if let Some(slot) = depth.get_mut(*id as usize) {
            *slot = own;
        }
        stack.pop();
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pickle::value::Node;

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
