//! Hashability checks: dict keys and set items must be hashable in CPython, or loading fails.

use super::driver::Encoder;
use super::locate::kind_name;
use super::task::Seg;
use super::{EncodeError, INVALID};
use crate::pickle::value::{Node, NodeId};

impl Encoder<'_> {
    /// Checks that set / frozenset items are hashable.
    pub(crate) fn check_items(&mut self, node: NodeId, items: &[NodeId]) -> Result<(), EncodeError> {
        for (i, &item) in items.iter().enumerate() {
            self.check_hashable(item).map_err(|m| self.fail_at(node, Seg::Item(i as u64), INVALID, m))?;
        }
        Ok(())
    }

    /// Checks that mapping keys are hashable.
    pub(crate) fn check_keys(&mut self, node: NodeId, pairs: &[(NodeId, NodeId)]) -> Result<(), EncodeError> {
        for (i, &(key, _)) in pairs.iter().enumerate() {
            self.check_hashable(key).map_err(|m| self.fail_at(node, Seg::Key(i as u64), INVALID, m))?;
        }
        Ok(())
    }

    /// Whether `node` can be a dict key / set item in CPython (explicit stack; results are remembered).
    fn check_hashable(&mut self, node: NodeId) -> Result<(), String> {
        let graph = self.graph;
        // Most keys are scalars or strings: settle them without allocating.
        match graph.get(node) {
            Node::Tuple(_) | Node::FrozenSet(_) | Node::Slice { .. } => {}
            Node::List(_)
            | Node::Dict(_)
            | Node::Set(_)
            | Node::ByteArray(_)
            | Node::OrderedDict(_)
            | Node::Counter(_)
            | Node::DefaultDict { .. }
            | Node::Deque { .. }
            | Node::NdArray(_) => {}
            _ => return Ok(()),
        }
        let mut pending = vec![node];
        let mut seen = Vec::new();
        while let Some(id) = pending.pop() {
            if self.hashable.get(id as usize).copied().unwrap_or(true) {
                continue;
            }
            // Mark before looking inside, so cycles end; a failure below aborts the whole check anyway.
            self.hashable[id as usize] = true;
            seen.push(id);
            match graph.get(id) {
                Node::Tuple(items) | Node::FrozenSet(items) => pending.extend(items.iter().copied()),
                Node::Slice { start, stop, step } => pending.extend([*start, *stop, *step]),
                Node::List(_)
                | Node::Dict(_)
                | Node::Set(_)
                | Node::ByteArray(_)
                | Node::OrderedDict(_)
                | Node::Counter(_)
                | Node::DefaultDict { .. }
                | Node::Deque { .. }
                | Node::NdArray(_) => {
                    let kind = kind_name(graph.get(id));
                    for done in seen {
                        self.hashable[done as usize] = false;
                    }
                    return Err(format!("unhashable {kind} used as a dict key or set item"));
                }
                _ => {}
            }
        }
        Ok(())
    }
}
