//! The memo: which objects were already written, under which memo index, and the PUT/GET opcodes.
//!
//! Like CPython's pickler, every non-atomic object is memoized when it is written (strings, bytes,
//! containers, reduce results), so a node referenced twice is written once and fetched back with GET —
//! `[a, a]` loads with `x[0] is x[1]` and a list that contains itself loads as a cycle. Objects the
//! encoder synthesizes (argument tuples, state dicts) take memo slots too, to keep CPython's numbering;
//! globals and module-name strings are shared by content, as CPython shares them by identity.

use std::collections::HashMap;

use super::writer::{Writer, op};
use crate::pickle::value::NodeId;

/// Something memoized that is not a graph node.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum SharedKey {
    /// A global `(module, qualname)` as written (after protocol < 3 name mapping).
    Global(&'static str, &'static str),
    /// A str written by content (module names of STACK_GLOBAL, `"latin1"`).
    Text(&'static str),
}

const UNSET: u32 = u32::MAX;

/// Memo indices of written nodes and shared synthetic objects.
pub(crate) struct Memo {
    protocol: u8,
    next: u32,
    nodes: Vec<u32>,
    shared: HashMap<SharedKey, u32>,
}

impl Memo {
    /// An empty memo for a graph of `node_count` nodes.
    pub(crate) fn new(protocol: u8, node_count: usize) -> Self {
        Memo { protocol, next: 0, nodes: vec![UNSET; node_count], shared: HashMap::new() }
    }

    /// The memo index of `node`, if it was written.
    pub(crate) fn node(&self, node: NodeId) -> Option<u32> {
        self.nodes.get(node as usize).copied().filter(|&i| i != UNSET)
    }

    /// The memo index of a shared synthetic object, if it was written.
    pub(crate) fn shared(&self, key: SharedKey) -> Option<u32> {
        self.shared.get(&key).copied()
    }

    /// Memoizes the object on top of the stack as `node`.
    pub(crate) fn put_node(&mut self, w: &mut Writer, node: NodeId) {
        let index = self.put(w);
        if let Some(slot) = self.nodes.get_mut(node as usize) {
            *slot = index;
        }
    }

    /// Memoizes the object on top of the stack as the shared object `key`.
    pub(crate) fn put_shared(&mut self, w: &mut Writer, key: SharedKey) {
        let index = self.put(w);
        self.shared.insert(key, index);
    }

    /// Memoizes the object on top of the stack under a fresh index nothing refers to again (CPython memoizes
    /// every object it writes; the numbering must stay in step with the loader's).
    pub(crate) fn put(&mut self, w: &mut Writer) -> u32 {
        let index = self.next;
        self.next = self.next.saturating_add(1);
        if self.protocol >= 4 {
            w.op(op::MEMOIZE);
        } else if self.protocol == 0 {
            w.text(op::PUT, &index.to_string());
        } else if let Ok(short) = u8::try_from(index) {
            w.raw(&[op::BINPUT, short]);
        } else {
            let mut bytes = [op::LONG_BINPUT, 0, 0, 0, 0];
            bytes[1..].copy_from_slice(&index.to_le_bytes());
            w.raw(&bytes);
        }
        index
    }

    /// Pushes memo entry `index` again.
    pub(crate) fn get(&self, w: &mut Writer, index: u32) {
        if self.protocol == 0 {
            w.text(op::GET, &index.to_string());
        } else if let Ok(short) = u8::try_from(index) {
            w.raw(&[op::BINGET, short]);
        } else {
            let mut bytes = [op::LONG_BINGET, 0, 0, 0, 0];
            bytes[1..].copy_from_slice(&index.to_le_bytes());
            w.raw(&bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ops(protocol: u8, f: impl FnOnce(&mut Memo, &mut Writer)) -> Vec<u8> {
        let mut w = Writer::new(protocol);
        let mut memo = Memo::new(protocol, 4);
        f(&mut memo, &mut w);
        w.finish()
    }

    #[test]
    fn put_and_get_per_protocol() {
        let out = ops(0, |m, w| {
            m.put_node(w, 1);
            m.get(w, 0);
        });
        assert_eq!(out, b"p0\ng0\n.");
        let out = ops(1, |m, w| {
            for _ in 0..256 {
                m.put(w);
            }
            m.put_node(w, 2);
            m.get(w, 256);
            m.get(w, 3);
        });
        assert_eq!(&out[out.len() - 13..], b"r\x00\x01\x00\x00j\x00\x01\x00\x00h\x03.");
        let out = ops(4, |m, w| {
            m.put_shared(w, SharedKey::Text("latin1"));
            m.put_node(w, 3);
        });
        assert_eq!(out, b"\x80\x04\x94\x94.");
    }

    #[test]
    fn remembers_nodes_and_shared_objects() {
        let mut w = Writer::new(2);
        let mut memo = Memo::new(2, 2);
        assert_eq!(memo.node(1), None);
        memo.put(&mut w);
        memo.put_node(&mut w, 1);
        memo.put_shared(&mut w, SharedKey::Global("builtins", "set"));
        memo.put_node(&mut w, 99);
        assert_eq!(memo.node(1), Some(1));
        assert_eq!(memo.node(99), None);
        assert_eq!(memo.shared(SharedKey::Global("builtins", "set")), Some(2));
        assert_eq!(memo.shared(SharedKey::Text("x")), None);
    }
}
