//! The encoder loop: pops [`Task`]s, writes plain values with each protocol's opcodes, and hands typed
//! values to `recognized`, `numpy` and `joblib`.

use std::borrow::Cow;
use std::collections::HashMap;

use super::dtype::DTypeInfo;
use super::locate::symbolic_name;
use super::memo::{Memo, SharedKey};
use super::scalars::{self, Text};
use super::task::{BatchOp, ItemKind, Seg, Seq, Task};
use super::writer::{Writer, op};
use super::{EncodeError, INVALID, Layout, UNENCODABLE};
use crate::pickle::value::{Graph, Node, NodeId};

/// CPython's `_BATCHSIZE`: APPENDS / SETITEMS / ADDITEMS carry at most this many items.
const BATCH: usize = 1000;
/// Parent of the root node.
pub(crate) const NO_PARENT: NodeId = NodeId::MAX;

/// State of one encoding run.
pub(crate) struct Encoder<'g> {
    pub(crate) graph: &'g Graph,
    pub(crate) protocol: u8,
    pub(crate) layout: Layout,
    pub(crate) w: Writer,
    pub(crate) memo: Memo,
    stack: Vec<Task<'g>>,
    /// The parent each node was first reached through, plus one (0: not reached yet; `NO_PARENT`: the
    /// root). First-visit edges form a tree, so a path is rebuilt on error by walking up and finding each
    /// child in its parent — 4 bytes per node instead of a stored path segment.
    pub(crate) parents: Vec<u32>,
    /// How many times each node is being written right now (values memoized after their parts).
    active: Vec<u8>,
    /// Nodes already checked to be hashable.
    pub(crate) hashable: Vec<bool>,
    /// Layout facts of dtypes, by address (the graph is borrowed for the whole run, so addresses are stable).
    pub(crate) dtype_infos: HashMap<usize, DTypeInfo>,
}

impl<'g> Encoder<'g> {
    /// A run over `graph`.
    pub(crate) fn new(graph: &'g Graph, protocol: u8, layout: Layout) -> Self {
        let n = graph.len();
        Encoder {
            graph,
            protocol,
            layout,
            w: Writer::new(protocol),
            memo: Memo::new(protocol, n),
            stack: Vec::new(),
            parents: vec![0; n],
            active: vec![0; n],
            hashable: vec![false; n],
            dtype_infos: HashMap::new(),
        }
    }

    /// Writes `root` and everything it refers to; returns the finished stream.
    pub(crate) fn run(mut self, root: NodeId) -> Result<Vec<u8>, EncodeError> {
        self.stack.push(Task::Save { node: root, parent: NO_PARENT, seg: Seg::Root });
        while let Some(task) = self.stack.pop() {
            self.w.boundary();
            self.exec(task)?;
        }
        Ok(self.w.finish())
    }

    /// A new run of tasks for this protocol.
    pub(crate) fn seq(&self) -> Seq<'g> {
        Seq::new(self.protocol)
    }

    /// Schedules `seq` to run next, in order.
    pub(crate) fn schedule(&mut self, seq: Seq<'g>) {
        self.stack.extend(seq.tasks.into_iter().rev());
    }

    fn exec(&mut self, task: Task<'g>) -> Result<(), EncodeError> {
        let p = self.protocol;
        match task {
            Task::Save { node, parent, seg } => self.save(node, parent, seg)?,
            Task::Op(code) => self.w.op(code),
            Task::Global(module, name) => self.write_global(module, name)?,
            Task::None => self.w.op(op::NONE),
            Task::Bool(b) => scalars::write_bool(&mut self.w, p, b),
            Task::Int(i) => scalars::write_int(&mut self.w, p, i),
            Task::BigInt(b) => scalars::write_bigint(&mut self.w, p, &b)
                .map_err(|m| self.fail_at(NO_PARENT, Seg::Root, UNENCODABLE, m))?,
            Task::Float(f) => scalars::write_float(&mut self.w, p, f)
                .map_err(|m| self.fail_at(NO_PARENT, Seg::Root, UNENCODABLE, m))?,
            Task::Str(s) => {
                self.str(Text::Utf8(&s))?;
                self.memo.put(&mut self.w);
            }
            Task::SharedStr(s) => self.shared_str(s)?,
            Task::Latin1(b) => {
                self.str(Text::Latin1(&b))?;
                self.memo.put(&mut self.w);
            }
            Task::Bytes(b) => {
                if p >= 3 {
                    scalars::write_bytes(&mut self.w, p, &b).map_err(|m| self.fail_root(m))?;
                    self.memo.put(&mut self.w);
                } else {
                    let seq = self.bytes_reduce(b, None);
                    self.schedule(seq);
                }
            }
            Task::ByteArray8(b) => {
                scalars::write_bytearray8(&mut self.w, b);
                self.memo.put(&mut self.w);
            }
            Task::Memoize(node) => self.memo.put_node(&mut self.w, node),
            Task::MemoizeAnon => {
                self.memo.put(&mut self.w);
            }
            Task::Finish(node) => self.finish_built(node),
            Task::TupleEnd { node, len } => self.tuple_end(node, len),
            Task::FrozenSetEnd(node) => match self.memo.node(node) {
                Some(index) => {
                    self.w.op(op::POP_MARK);
                    self.memo.get(&mut self.w, index);
                }
                None => {
                    self.w.op(op::FROZENSET);
                    self.memo.put_node(&mut self.w, node);
                }
            },
            Task::Leave(node) => {
                if let Some(count) = self.active.get_mut(node as usize) {
                    *count = count.saturating_sub(1);
                }
            }
            Task::Each { items, next, base, parent, kind } => {
                if let Some(&item) = items.get(next) {
                    self.stack.push(Task::Each { items, next: next + 1, base, parent, kind });
                    self.stack.push(Task::Save { node: item, parent, seg: Seg::of(kind, (base + next) as u64) });
                }
            }
            Task::Batch { items, next, parent, kind, op: batch_op } => self.batch(items, next, parent, kind, batch_op),
            Task::EachPair { pairs, next, base, parent } => {
                if let Some(&(key, value)) = pairs.get(next) {
                    let index = (base + next) as u64;
                    self.stack.push(Task::EachPair { pairs, next: next + 1, base, parent });
                    self.stack.push(Task::Save { node: value, parent, seg: Seg::Value(index) });
                    self.stack.push(Task::Save { node: key, parent, seg: Seg::Key(index) });
                }
            }
            Task::PairBatch { pairs, next, parent } => self.pair_batch(pairs, next, parent),
            Task::DType { dtype, node, owner } => self.dtype(dtype, node, owner)?,
            Task::JoblibPayload(node) => self.joblib_payload(node)?,
        }
        Ok(())
    }

    fn save(&mut self, node: NodeId, parent: NodeId, seg: Seg) -> Result<(), EncodeError> {
        let index = node as usize;
        if index >= self.graph.len() {
            return Err(self.fail_at(parent, seg, INVALID, format!("node id {node} is not in the graph")));
        }
        if self.parents[index] == 0 {
            self.parents[index] = if parent == NO_PARENT { NO_PARENT } else { parent.saturating_add(1) };
        }
        if let Some(memo_index) = self.memo.node(node) {
            self.memo.get(&mut self.w, memo_index);
            return Ok(());
        }
        let p = self.protocol;
        let graph = self.graph;
        match graph.get(node) {
            Node::None => self.w.op(op::NONE),
            Node::Bool(b) => scalars::write_bool(&mut self.w, p, *b),
            Node::Int(i) => scalars::write_int(&mut self.w, p, *i),
            Node::BigInt(b) => scalars::write_bigint(&mut self.w, p, b).map_err(|m| self.fail(node, UNENCODABLE, m))?,
            Node::Float(f) => scalars::write_float(&mut self.w, p, *f).map_err(|m| self.fail(node, UNENCODABLE, m))?,
            Node::Str(s) => {
                scalars::write_str(&mut self.w, p, Text::Utf8(s)).map_err(|m| self.fail(node, UNENCODABLE, m))?;
                self.memo.put_node(&mut self.w, node);
            }
            Node::SurrogateStr(points) => {
                scalars::write_str(&mut self.w, p, Text::CodePoints(points))
                    .map_err(|m| self.fail(node, INVALID, m))?;
                self.memo.put_node(&mut self.w, node);
            }
            Node::Bytes(b) => {
                if p >= 3 {
                    scalars::write_bytes(&mut self.w, p, b).map_err(|m| self.fail(node, UNENCODABLE, m))?;
                    self.memo.put_node(&mut self.w, node);
                } else {
                    let seq = self.bytes_reduce(Cow::Borrowed(b), Some(node));
                    self.schedule(seq);
                }
            }
            Node::ByteArray(b) => {
                if p >= 5 {
                    scalars::write_bytearray8(&mut self.w, b);
                    self.memo.put_node(&mut self.w, node);
                } else {
                    let mut s = self.seq();
                    s.global("builtins", "bytearray");
                    if b.is_empty() {
                        s.empty_tuple();
                    } else {
                        s.tuple_start(1);
                        s.push(Task::Bytes(Cow::Borrowed(b)));
                        s.tuple_end(1);
                    }
                    s.op(op::REDUCE);
                    s.push(Task::Memoize(node));
                    self.schedule(s);
                }
            }
            Node::List(items) => {
                self.open_list();
                self.memo.put_node(&mut self.w, node);
                self.stack.push(Task::Batch {
                    items,
                    next: 0,
                    parent: node,
                    kind: ItemKind::Item,
                    op: BatchOp::Appends,
                });
            }
            Node::Dict(pairs) => {
                self.check_keys(node, pairs)?;
                if p == 0 {
                    self.w.raw(&[op::MARK, op::DICT]);
                } else {
                    self.w.op(op::EMPTY_DICT);
                }
                self.memo.put_node(&mut self.w, node);
                self.stack.push(Task::PairBatch { pairs, next: 0, parent: node });
            }
            Node::Tuple(items) => self.tuple(node, items)?,
            Node::Set(items) => {
                self.check_items(node, items)?;
                if p >= 4 {
                    self.w.op(op::EMPTY_SET);
                    self.memo.put_node(&mut self.w, node);
                    self.stack.push(Task::Batch {
                        items,
                        next: 0,
                        parent: node,
                        kind: ItemKind::Item,
                        op: BatchOp::AddItems,
                    });
                } else {
                    self.set_reduce(node, "set", items)?;
                }
            }
            Node::FrozenSet(items) => {
                self.check_items(node, items)?;
                if p >= 4 {
                    self.enter(node)?;
                    let mut s = self.seq();
                    s.op(op::MARK);
                    s.push(Task::Each { items, next: 0, base: 0, parent: node, kind: ItemKind::Item });
                    s.push(Task::FrozenSetEnd(node));
                    s.push(Task::Leave(node));
                    self.schedule(s);
                } else {
                    self.set_reduce(node, "frozenset", items)?;
                }
            }
            Node::DType(dtype) => self.stack.push(Task::DType { dtype, node: Some(node), owner: node }),
            Node::NdArray(array) => self.save_array(node, array)?,
            Node::NumpyScalar { dtype, data } => self.save_numpy_scalar(node, dtype, data)?,
            Node::Global { .. }
            | Node::Call { .. }
            | Node::New { .. }
            | Node::Build { .. }
            | Node::Mutate { .. }
            | Node::PersistentRef { .. }
            | Node::ExtRef { .. }
            | Node::OobBuffer { .. }
            | Node::Unresolvable { .. } => {
                return Err(self.fail(
                    node,
                    UNENCODABLE,
                    format!(
                        "{} is symbolic (code the payload would run); wandguard never writes code-capable pickles",
                        symbolic_name(graph.get(node))
                    ),
                ));
            }
            other => self.save_recognized(node, other)?,
        }
        Ok(())
    }

    fn open_list(&mut self) {
        if self.protocol == 0 {
            self.w.raw(&[op::MARK, op::LIST]);
        } else {
            self.w.op(op::EMPTY_LIST);
        }
    }

    /// Marks `node` as being written; a third nested visit means a cycle through values pickle can only
    /// write after their parts (tuples, frozensets, reduce arguments), which no loader can rebuild.
    pub(crate) fn enter(&mut self, node: NodeId) -> Result<(), EncodeError> {
        let count = self.active.get(node as usize).copied().unwrap_or(0);
        if count >= 2 {
            return Err(self.fail(
                node,
                INVALID,
                "cycle through immutable values (a tuple, frozenset or typed value that contains itself without a \
                 list, dict or set in between) cannot be pickled"
                    .to_string(),
            ));
        }
        if let Some(slot) = self.active.get_mut(node as usize) {
            *slot = count + 1;
        }
        Ok(())
    }

    fn tuple(&mut self, node: NodeId, items: &'g [NodeId]) -> Result<(), EncodeError> {
        if items.is_empty() {
            if self.protocol == 0 {
                self.w.raw(&[op::MARK, op::TUPLE]);
            } else {
                self.w.op(op::EMPTY_TUPLE);
            }
            return Ok(());
        }
        self.enter(node)?;
        let mut s = self.seq();
        if !(self.protocol >= 2 && items.len() <= 3) {
            s.op(op::MARK);
        }
        s.push(Task::Each { items, next: 0, base: 0, parent: node, kind: ItemKind::Item });
        s.push(Task::TupleEnd { node, len: items.len() });
        s.push(Task::Leave(node));
        self.schedule(s);
        Ok(())
    }

    fn tuple_end(&mut self, node: NodeId, len: usize) {
        let small = self.protocol >= 2 && len <= 3;
        if let Some(index) = self.memo.node(node) {
            // A part referred back to this tuple, so it was written (and memoized) inside; drop this copy.
            if small {
                for _ in 0..len {
                    self.w.op(op::POP);
                }
            } else if self.protocol >= 1 {
                self.w.op(op::POP_MARK);
            } else {
                for _ in 0..=len {
                    self.w.op(op::POP);
                }
            }
            self.memo.get(&mut self.w, index);
            return;
        }
        if small {
            self.w.op([op::TUPLE1, op::TUPLE2, op::TUPLE3][len - 1]);
        } else {
            self.w.op(op::TUPLE);
        }
        self.memo.put_node(&mut self.w, node);
    }

    fn finish_built(&mut self, node: NodeId) {
        match self.memo.node(node) {
            Some(index) => {
                self.w.op(op::POP);
                self.memo.get(&mut self.w, index);
            }
            None => self.memo.put_node(&mut self.w, node),
        }
    }

    /// Protocols < 4: `set(list)` / `frozenset(list)` by REDUCE, as CPython writes them.
    fn set_reduce(&mut self, node: NodeId, class: &'static str, items: &'g [NodeId]) -> Result<(), EncodeError> {
        self.enter(node)?;
        let mut s = self.seq();
        s.global("builtins", class);
        s.tuple_start(1);
        s.list_start();
        s.push(Task::Batch { items, next: 0, parent: node, kind: ItemKind::Item, op: BatchOp::Appends });
        s.tuple_end(1);
        s.op(op::REDUCE);
        s.push(Task::Finish(node));
        s.push(Task::Leave(node));
        self.schedule(s);
        Ok(())
    }

    /// Protocols < 3 have no bytes opcode: `_codecs.encode(latin1_str, 'latin1')`, or `bytes()` when empty.
    pub(crate) fn bytes_reduce(&self, bytes: Cow<'g, [u8]>, node: Option<NodeId>) -> Seq<'g> {
        let mut s = self.seq();
        if bytes.is_empty() {
            s.global("builtins", "bytes");
            s.empty_tuple();
        } else {
            s.global("_codecs", "encode");
            s.tuple_start(2);
            s.push(Task::Latin1(bytes));
            s.push(Task::SharedStr("latin1"));
            s.tuple_end(2);
        }
        s.op(op::REDUCE);
        s.push(match node {
            Some(node) => Task::Memoize(node),
            None => Task::MemoizeAnon,
        });
        s
    }

    fn batch(&mut self, items: &'g [NodeId], next: usize, parent: NodeId, kind: ItemKind, batch_op: BatchOp) {
        let remaining = items.len().saturating_sub(next);
        if remaining == 0 {
            return;
        }
        let single = batch_op == BatchOp::Appends && (self.protocol == 0 || remaining == 1);
        if single {
            self.stack.push(Task::Batch { items, next: next + 1, parent, kind, op: batch_op });
            self.stack.push(Task::Op(op::APPEND));
            self.stack.push(Task::Save { node: items[next], parent, seg: Seg::of(kind, next as u64) });
            return;
        }
        let count = remaining.min(BATCH);
        let close = if batch_op == BatchOp::Appends { op::APPENDS } else { op::ADDITEMS };
        self.stack.push(Task::Batch { items, next: next + count, parent, kind, op: batch_op });
        self.stack.push(Task::Op(close));
        self.stack.push(Task::Each { items: &items[next..next + count], next: 0, base: next, parent, kind });
        self.stack.push(Task::Op(op::MARK));
    }

    fn pair_batch(&mut self, pairs: &'g [(NodeId, NodeId)], next: usize, parent: NodeId) {
        let remaining = pairs.len().saturating_sub(next);
        if remaining == 0 {
            return;
        }
        if self.protocol == 0 || remaining == 1 {
            self.stack.push(Task::PairBatch { pairs, next: next + 1, parent });
            self.stack.push(Task::Op(op::SETITEM));
            self.stack.push(Task::EachPair { pairs: &pairs[next..next + 1], next: 0, base: next, parent });
            return;
        }
        let count = remaining.min(BATCH);
        self.stack.push(Task::PairBatch { pairs, next: next + count, parent });
        self.stack.push(Task::Op(op::SETITEMS));
        self.stack.push(Task::EachPair { pairs: &pairs[next..next + count], next: 0, base: next, parent });
        self.stack.push(Task::Op(op::MARK));
    }

    fn str(&mut self, text: Text<'_>) -> Result<(), EncodeError> {
        scalars::write_str(&mut self.w, self.protocol, text).map_err(|m| self.fail_root(m))
    }

    fn shared_str(&mut self, text: &'static str) -> Result<(), EncodeError> {
        let key = SharedKey::Text(text);
        if let Some(index) = self.memo.shared(key) {
            self.memo.get(&mut self.w, index);
        } else {
            self.str(Text::Utf8(text))?;
            self.memo.put_shared(&mut self.w, key);
        }
        Ok(())
    }

    /// A global: GLOBAL (protocol < 4, with Python 2 names below protocol 3 as CPython's `fix_imports`
    /// writes them) or STACK_GLOBAL; memoized, so later uses are a GET.
    fn write_global(&mut self, module: &'static str, name: &'static str) -> Result<(), EncodeError> {
        let (module, name) = if self.protocol < 3 { python2_name(module, name) } else { (module, name) };
        let key = SharedKey::Global(module, name);
        if let Some(index) = self.memo.shared(key) {
            self.memo.get(&mut self.w, index);
            return Ok(());
        }
        if self.protocol >= 4 {
            self.shared_str(module)?;
            self.str(Text::Utf8(name))?;
            self.memo.put(&mut self.w);
            self.w.op(op::STACK_GLOBAL);
        } else {
            self.w.text(op::GLOBAL, &format!("{module}\n{name}"));
        }
        self.memo.put_shared(&mut self.w, key);
        Ok(())
    }
}

/// CPython's `fix_imports` names for the globals the encoder writes (protocol < 3).
fn python2_name(module: &'static str, name: &'static str) -> (&'static str, &'static str) {
    match (module, name) {
        ("builtins", "range") => ("__builtin__", "xrange"),
        ("builtins", "int") => ("__builtin__", "long"),
        ("builtins", "str") => ("__builtin__", "unicode"),
        ("builtins", name) => ("__builtin__", name),
        ("copyreg", name) => ("copy_reg", name),
        other => other,
    }
}
