//! Lists, tuples, dicts, sets and frozensets, and the opcodes that fill them (APPEND, APPENDS, SETITEM,
//! SETITEMS, ADDITEMS). Filling a list / dict / set — or a recognized deque / OrderedDict / Counter /
//! defaultdict — changes the node in place (so memo references see it, as in CPython); a value of a known
//! type that lacks the method (ADDITEMS on a list, SETITEMS on a set, APPEND on an int) makes CPython raise,
//! so it is `malformed`; any other target would have its methods called, so it becomes a symbolic `Mutate`
//! node.

use super::Machine;
use super::objects::{is_symbolic, node_kind};
use crate::pickle::error::{Fail, malformed, resource};
use crate::pickle::findings::FindingKind;
use crate::pickle::opcodes as op;
use crate::pickle::value::{Mutation, Node, NodeId};

impl Machine<'_, '_> {
    fn check_items(&self, n: usize) -> Result<(), Fail> {
        if n > self.limits().max_container_items {
            return Err(resource(self.op_offset, "container too large (max_container_items)"));
        }
        Ok(())
    }

    /// EMPTY_* and the MARK-based / counted builders.
    pub(super) fn container(&mut self) -> Result<(), Fail> {
        let node = match self.op {
            op::EMPTY_LIST => Node::List(Vec::new()),
            op::EMPTY_TUPLE => Node::Tuple(Vec::new()),
            op::EMPTY_DICT => Node::Dict(Vec::new()),
            op::EMPTY_SET => Node::Set(Vec::new()),
            op::LIST => Node::List(self.marked_items()?),
            op::TUPLE => Node::Tuple(self.marked_items()?),
            op::FROZENSET => Node::FrozenSet(self.marked_items()?),
            op::DICT => {
                let items = self.marked_items()?;
                if !items.len().is_multiple_of(2) {
                    return Err(malformed(self.op_offset, "odd number of items for DICT"));
                }
                Node::Dict(items.chunks_exact(2).map(|p| (p[0], p[1])).collect())
            }
            _ => {
                let n = match self.op {
                    op::TUPLE1 => 1,
                    op::TUPLE2 => 2,
                    _ => 3,
                };
                if self.stack.len() < self.fence() + n {
                    return Err(self.underflow());
                }
                let items = self.stack.split_off(self.stack.len() - n);
                Node::Tuple(items)
            }
        };
        self.push_node(node)
    }

    fn marked_items(&mut self) -> Result<Vec<NodeId>, Fail> {
        let items = self.pop_mark()?;
        self.check_items(items.len())?;
        Ok(items)
    }

    /// APPEND, APPENDS, SETITEM, SETITEMS, ADDITEMS.
    pub(super) fn fill(&mut self) -> Result<(), Fail> {
        // `at` is the stack position of the first item; the target sits just below it.
        let at = match self.op {
            op::APPEND => self.stack.len().saturating_sub(1),
            op::SETITEM => self.stack.len().saturating_sub(2),
            _ => self.pop_mark_position()?,
        };
        if at <= self.fence() || at > self.stack.len() {
            return Err(self.underflow());
        }
        if matches!(self.op, op::APPEND | op::SETITEM) && at == self.stack.len() {
            return Err(self.underflow());
        }
        let target = self.stack[at - 1];
        let count = self.stack.len() - at;
        if matches!(self.op, op::SETITEM | op::SETITEMS) && !count.is_multiple_of(2) {
            return Err(malformed(self.op_offset, "odd number of items for SETITEMS"));
        }
        if count == 0 {
            return Ok(());
        }
        let max = self.limits().max_container_items;
        // The items are read in place and then dropped from the stack: no copy of them per batch.
        let items = &self.stack[at..];
        let applied = match (self.op, self.s.graph.get_mut(target)) {
            (op::APPEND | op::APPENDS, Some(Node::List(list))) => extend(list, items, max),
            (op::APPEND | op::APPENDS, Some(Node::Deque { items: dq, maxlen })) => {
                let r = extend(dq, items, max);
                if let Some(m) = maxlen.and_then(|m| usize::try_from(m).ok())
                    && dq.len() > m
                {
                    dq.drain(..dq.len() - m);
                }
                r
            }
            (
                op::SETITEM | op::SETITEMS,
                Some(
                    Node::Dict(pairs)
                    | Node::OrderedDict(pairs)
                    | Node::Counter(pairs)
                    | Node::DefaultDict { items: pairs, .. },
                ),
            ) => {
                if pairs.len() + items.len() / 2 > max {
                    Some(false)
                } else {
                    pairs.extend(items.chunks_exact(2).map(|p| (p[0], p[1])));
                    Some(true)
                }
            }
            (op::ADDITEMS, Some(Node::Set(set))) => extend(set, items, max),
            _ => None,
        };
        match applied {
            Some(true) => {
                self.stack.truncate(at);
                Ok(())
            }
            Some(false) => Err(resource(self.op_offset, "container too large (max_container_items)")),
            None if lacks_method(self.s.graph.get(target), self.op) => {
                let kind = node_kind(self.s.graph.get(target));
                Err(malformed(self.op_offset, format!("{} on a {kind}, which has no such method", self.opname())))
            }
            None => {
                let items = self.stack.split_off(at);
                self.mutate(target, items)
            }
        }
    }

    /// Symbolic `Mutate` in place of `target` (the original moves to a new node it points at).
    fn mutate(&mut self, target: NodeId, items: Vec<NodeId>) -> Result<(), Fail> {
        let operation = match self.op {
            op::APPEND => Mutation::Append,
            op::APPENDS => Mutation::Extend,
            op::SETITEM | op::SETITEMS => Mutation::SetItem,
            _ => Mutation::Add,
        };
        let what = self.describe(target);
        self.code_capable(
            FindingKind::CodeCapableOp,
            self.global_behind(target),
            format!("{} calls a method of {what}", self.opname()),
        )?;
        let moved = self.wrap_in_place(target)?;
        if let Some(slot) = self.s.graph.get_mut(target) {
            *slot = Node::Mutate { target: moved, operation, items };
        }
        Ok(())
    }
}

/// Whether `target` is a value of a known type that has no method for the filling opcode `opcode`
/// (CPython raises AttributeError / TypeError there). Symbolic values and types that have the method but
/// are not filled in place (SETITEM on a list, APPEND on a bytearray, SETITEM on a numpy value) are not.
fn lacks_method(target: &Node, opcode: u8) -> bool {
    if is_symbolic(target) {
        return false;
    }
    match opcode {
        // APPENDS uses `extend` when there is one, else `append`.
        op::APPEND | op::APPENDS => !matches!(target, Node::List(_) | Node::Deque { .. } | Node::ByteArray(_)),
        op::SETITEM | op::SETITEMS => !matches!(
            target,
            Node::Dict(_)
                | Node::OrderedDict(_)
                | Node::Counter(_)
                | Node::DefaultDict { .. }
                | Node::List(_)
                | Node::ByteArray(_)
                | Node::Deque { .. }
                | Node::NdArray(_)
                | Node::NumpyScalar { .. }
                | Node::DType(_)
        ),
        _ => !matches!(target, Node::Set(_)),
    }
}

/// Appends `items`; `Some(false)` when the cap would be exceeded.
fn extend(list: &mut Vec<NodeId>, items: &[NodeId], max: usize) -> Option<bool> {
    if list.len() + items.len() > max {
        return Some(false);
    }
    list.extend_from_slice(items);
    Some(true)
}
