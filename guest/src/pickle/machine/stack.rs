//! The VM's stack, MARK stack and memo, with the caps that bound them. The memo maps keys to node ids
//! (never copies of values), so GET fan-out costs one id per use; dense keys live in a vector and sparse
//! keys in a hash map, with the vector kept at least half full. A key at or above `max_memo` is refused:
//! CPython's C unpickler sizes its memo array by the key (LONG_BINPUT 4294967295 is a MemoryError there).

use std::collections::HashMap;

use super::Machine;
use crate::pickle::error::{Fail, malformed, resource};
use crate::pickle::value::{Node, NodeId};

const EMPTY: NodeId = NodeId::MAX;

/// Memo of one pickle.
#[derive(Default)]
pub(crate) struct Memo {
    dense: Vec<NodeId>,
    sparse: HashMap<u64, NodeId>,
    len: usize,
}

impl Memo {
    /// Number of keys set (MEMOIZE's next key).
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    pub(crate) fn get(&self, key: u64) -> Option<NodeId> {
        if let Some(&id) = usize::try_from(key).ok().and_then(|k| self.dense.get(k))
            && id != EMPTY
        {
            return Some(id);
        }
        if self.sparse.is_empty() { None } else { self.sparse.get(&key).copied() }
    }

    pub(crate) fn put(&mut self, key: u64, id: NodeId) {
        let dense_ok = usize::try_from(key).ok().filter(|&k| k < self.dense.len() || k <= 2 * self.len + 1024);
        if let Some(k) = dense_ok {
            if k >= self.dense.len() {
                self.dense.resize(k + 1, EMPTY);
            }
            let slot = &mut self.dense[k];
            if *slot == EMPTY && (self.sparse.is_empty() || self.sparse.remove(&key).is_none()) {
                self.len += 1;
            }
            *slot = id;
        } else if self.sparse.insert(key, id).is_none() {
            self.len += 1;
        }
    }
}

impl Machine<'_, '_> {
    /// The stack position of the innermost MARK (0 when none).
    #[inline]
    pub(super) fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline]
    pub(super) fn push(&mut self, id: NodeId) -> Result<(), Fail> {
        if self.stack.len() >= self.limits().max_stack {
            return Err(resource(self.op_offset, "stack depth limit reached (max_stack)"));
        }
        self.stack.push(id);
        Ok(())
    }

    /// Adds a node to the graph (capped) and returns its id.
    #[inline]
    pub(super) fn node(&mut self, node: Node) -> Result<NodeId, Fail> {
        if self.s.graph.len() >= self.limits().max_nodes {
            return Err(resource(self.op_offset, "decoded graph too large (max_nodes)"));
        }
        Ok(self.s.graph.push(node))
    }

    /// Adds a node and pushes it.
    #[inline]
    pub(super) fn push_node(&mut self, node: Node) -> Result<(), Fail> {
        let id = self.node(node)?;
        self.push(id)
    }

    #[inline]
    pub(super) fn pop(&mut self) -> Result<NodeId, Fail> {
        if self.stack.len() > self.fence()
            && let Some(id) = self.stack.pop()
        {
            return Ok(id);
        }
        Err(self.underflow())
    }

    #[inline]
    pub(super) fn top(&self) -> Result<NodeId, Fail> {
        match self.stack.last() {
            Some(&id) if self.stack.len() > self.fence() => Ok(id),
            _ => Err(self.underflow()),
        }
    }

    pub(super) fn underflow(&self) -> Fail {
        malformed(self.op_offset, "unpickling stack underflow")
    }

    pub(super) fn mark(&mut self) -> Result<(), Fail> {
        if self.marks.len() >= self.limits().max_mark_depth {
            return Err(resource(self.op_offset, "MARK nesting limit reached (max_mark_depth)"));
        }
        self.marks.push(self.stack.len());
        Ok(())
    }

    /// Pops the innermost MARK and returns the items above it.
    pub(super) fn pop_mark(&mut self) -> Result<Vec<NodeId>, Fail> {
        let Some(at) = self.marks.pop() else {
            return Err(malformed(self.op_offset, "could not find MARK"));
        };
        let at = at.min(self.stack.len());
        Ok(self.stack.split_off(at))
    }

    /// Pops the innermost MARK, keeping the items on the stack; returns the mark position.
    pub(super) fn pop_mark_position(&mut self) -> Result<usize, Fail> {
        match self.marks.pop() {
            Some(at) => Ok(at.min(self.stack.len())),
            None => Err(malformed(self.op_offset, "could not find MARK")),
        }
    }

    pub(super) fn memo_put(&mut self, key: u64) -> Result<(), Fail> {
        let id = self.top()?;
        let max = self.limits().max_memo;
        if usize::try_from(key).map_or(true, |k| k >= max) {
            return Err(resource(self.op_offset, format!("memo index {key} is not below max_memo ({max})")));
        }
        if self.memo.len() >= self.limits().max_memo && self.memo.get(key).is_none() {
            return Err(resource(self.op_offset, "memo size limit reached (max_memo)"));
        }
        self.memo.put(key, id);
        Ok(())
    }

    pub(super) fn memo_get(&mut self, key: u64) -> Result<(), Fail> {
        match self.memo.get(key) {
            Some(id) => {
                if !self.s.graph.get(id).is_small_scalar() {
                    self.s.graph.set_tree(false);
                }
                self.push(id)
            }
            None => Err(malformed(self.op_offset, format!("memo key {key} was never set"))),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn memo_dense_and_sparse() {
        let mut m = Memo::default();
        m.put(0, 10);
        m.put(1, 11);
        m.put(u32::MAX as u64, 12);
        m.put(5000, 13);
        assert_eq!(m.len(), 4);
        assert_eq!(m.get(0), Some(10));
        assert_eq!(m.get(u32::MAX as u64), Some(12));
        assert_eq!(m.get(5000), Some(13));
        assert_eq!(m.get(2), None);
        m.put(1, 14);
        assert_eq!(m.len(), 4);
        assert_eq!(m.get(1), Some(14));
        // A sparse key that the dense vector later covers is moved, not double-counted.
        for k in 2..3000 {
            m.put(k, 1);
        }
        assert_eq!(m.get(5000), Some(13));
        m.put(5000, 15);
        assert_eq!(m.get(5000), Some(15));
        assert_eq!(m.len(), 4 + 2998);
    }
}
