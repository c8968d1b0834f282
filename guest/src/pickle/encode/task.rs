//! The encoder's work items. The graph is walked with an explicit stack of [`Task`]s (never recursion), so
//! a deeply nested payload cannot overflow the call stack; [`Seq`] builds a run of tasks in writing order.

use std::borrow::Cow;

use num_bigint::BigInt;

use super::writer::op;
use crate::pickle::value::{DType, NodeId};

/// How a child hangs off its parent, for error paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Seg {
    /// The root node.
    Root,
    /// Element `i` of a sequence or set.
    Item(u64),
    /// Key of entry `i` of a mapping.
    Key(u64),
    /// Value of entry `i` of a mapping.
    Value(u64),
    /// Element `i` of an object array.
    Data(u64),
    /// A named field of a typed value.
    Field(&'static str),
}

impl Seg {
    /// The segment for position `index` of a run of items.
    pub(crate) fn of(kind: ItemKind, index: u64) -> Seg {
        match kind {
            ItemKind::Item => Seg::Item(index),
            ItemKind::Data => Seg::Data(index),
        }
    }
}

/// Whether items of a run are sequence items or object-array elements.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ItemKind {
    /// Sequence or set items.
    Item,
    /// Object-array elements.
    Data,
}

/// Which batched opcode closes a batch of items.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum BatchOp {
    /// APPEND / APPENDS.
    Appends,
    /// ADDITEMS (sets, protocol 4+).
    AddItems,
}

/// One step of the encoder.
#[derive(Clone, Debug)]
pub(crate) enum Task<'g> {
    /// Write graph node `node` (or GET it when already written); `parent`/`seg` locate it for errors.
    Save { node: NodeId, parent: NodeId, seg: Seg },
    /// Write one opcode byte.
    Op(u8),
    /// Write a global (Python 3 names; protocol < 3 mapping is applied when written), memoized.
    Global(&'static str, &'static str),
    /// Write `None`.
    None,
    /// Write a bool.
    Bool(bool),
    /// Write an int.
    Int(i64),
    /// Write a big int.
    BigInt(Cow<'g, BigInt>),
    /// Write a float.
    Float(f64),
    /// Write a synthetic str (memoized under a fresh index).
    Str(Cow<'g, str>),
    /// Write a str shared by content (memoized once, fetched again afterwards).
    SharedStr(&'static str),
    /// Write synthetic bytes (memoized); protocol < 3 uses `_codecs.encode(str, 'latin1')`.
    Bytes(Cow<'g, [u8]>),
    /// Write the latin-1 reading of bytes as a str (memoized).
    Latin1(Cow<'g, [u8]>),
    /// Write a protocol-5 BYTEARRAY8 (memoized).
    ByteArray8(&'g [u8]),
    /// Memoize the object on top of the stack as `node`.
    Memoize(NodeId),
    /// Memoize the object on top of the stack under a fresh index.
    MemoizeAnon,
    /// After building `node` from its parts: if a part referred back to `node` (so it is memoized already),
    /// drop the built copy and GET the memoized one, as CPython does; otherwise memoize it.
    Finish(NodeId),
    /// Close graph tuple `node` of `len` items (MARK/TUPLE or TUPLE1-3, with CPython's recursion handling).
    TupleEnd { node: NodeId, len: usize },
    /// Close graph frozenset `node` (protocol 4+: FROZENSET, or POP_MARK + GET when recursive).
    FrozenSetEnd(NodeId),
    /// `node` is no longer being written (ends the cycle guard for values memoized after their parts).
    Leave(NodeId),
    /// Write `items[next..]` one after the other (no opcode in between).
    Each { items: &'g [NodeId], next: usize, base: usize, parent: NodeId, kind: ItemKind },
    /// Write `items[next..]` in CPython's batches of 1000, each closed by `op`.
    Batch { items: &'g [NodeId], next: usize, parent: NodeId, kind: ItemKind, op: BatchOp },
    /// Write the pairs `pairs[next..]` one after the other (key, value).
    EachPair { pairs: &'g [(NodeId, NodeId)], next: usize, base: usize, parent: NodeId },
    /// Write `pairs[next..]` in batches of 1000 closed by SETITEM(S).
    PairBatch { pairs: &'g [(NodeId, NodeId)], next: usize, parent: NodeId },
    /// Write a numpy dtype; memoized as `node` when it is a graph node.
    DType { dtype: &'g DType, node: Option<NodeId>, owner: NodeId },
    /// Joblib layout: the inline bytes of array `node` after its NumpyArrayWrapper.
    JoblibPayload(NodeId),
}

/// A run of tasks in writing order, with the opcode choices that depend only on the protocol.
pub(crate) struct Seq<'g> {
    pub(crate) tasks: Vec<Task<'g>>,
    protocol: u8,
}

impl<'g> Seq<'g> {
    /// An empty run for `protocol`.
    pub(crate) fn new(protocol: u8) -> Self {
        Seq { tasks: Vec::new(), protocol }
    }

    /// Appends one task.
    pub(crate) fn push(&mut self, task: Task<'g>) {
        self.tasks.push(task);
    }

    /// Appends an opcode.
    pub(crate) fn op(&mut self, opcode: u8) {
        self.tasks.push(Task::Op(opcode));
    }

    /// Appends a global.
    pub(crate) fn global(&mut self, module: &'static str, name: &'static str) {
        self.tasks.push(Task::Global(module, name));
    }

    /// Appends a graph node.
    pub(crate) fn save(&mut self, node: NodeId, parent: NodeId, seg: Seg) {
        self.tasks.push(Task::Save { node, parent, seg });
    }

    /// Appends a synthetic str.
    pub(crate) fn str(&mut self, text: impl Into<Cow<'g, str>>) {
        self.tasks.push(Task::Str(text.into()));
    }

    /// Opens a synthetic tuple of `len` items (MARK unless TUPLE1-3 or EMPTY_TUPLE will close it).
    pub(crate) fn tuple_start(&mut self, len: usize) {
        if len > 0 && !(self.protocol >= 2 && len <= 3) {
            self.op(op::MARK);
        }
    }

    /// Closes a synthetic tuple of `len` items and memoizes it (CPython memoizes every non-empty tuple).
    pub(crate) fn tuple_end(&mut self, len: usize) {
        match len {
            0 if self.protocol == 0 => {
                self.op(op::MARK);
                self.op(op::TUPLE);
            }
            0 => self.op(op::EMPTY_TUPLE),
            1..=3 if self.protocol >= 2 => self.op([op::TUPLE1, op::TUPLE2, op::TUPLE3][len - 1]),
            _ => self.op(op::TUPLE),
        }
        if len > 0 {
            self.push(Task::MemoizeAnon);
        }
    }

    /// An empty synthetic tuple.
    pub(crate) fn empty_tuple(&mut self) {
        self.tuple_start(0);
        self.tuple_end(0);
    }

    /// A tuple of ints (numpy shapes).
    pub(crate) fn int_tuple(&mut self, values: &[u64]) {
        self.tuple_start(values.len());
        for &v in values {
            self.push(Task::Int(i64::try_from(v).unwrap_or(i64::MAX)));
        }
        self.tuple_end(values.len());
    }

    /// Opens an empty list (memoized).
    pub(crate) fn list_start(&mut self) {
        if self.protocol == 0 {
            self.op(op::MARK);
            self.op(op::LIST);
        } else {
            self.op(op::EMPTY_LIST);
        }
        self.push(Task::MemoizeAnon);
    }

    /// Opens an empty dict (memoized).
    pub(crate) fn dict_start(&mut self) {
        if self.protocol == 0 {
            self.op(op::MARK);
            self.op(op::DICT);
        } else {
            self.op(op::EMPTY_DICT);
        }
        self.push(Task::MemoizeAnon);
    }

    /// Before the `count` pairs of a synthetic dict (at most 1000, one batch).
    pub(crate) fn setitems_start(&mut self, count: usize) {
        if self.protocol >= 1 && count > 1 {
            self.op(op::MARK);
        }
    }

    /// After each pair of a synthetic dict of `count` pairs.
    pub(crate) fn setitems_pair_done(&mut self, count: usize) {
        if self.protocol == 0 || count == 1 {
            self.op(op::SETITEM);
        }
    }

    /// After all pairs of a synthetic dict of `count` pairs.
    pub(crate) fn setitems_end(&mut self, count: usize) {
        if self.protocol >= 1 && count > 1 {
            self.op(op::SETITEMS);
        }
    }
}
