//! Graph → msgpack, with an explicit work stack (graph depth never touches the call stack).

use std::collections::HashMap;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::check::code_points_to_wtf8;
use super::schema::{Kind, code_of};
use super::share;
use super::wire;
use crate::pickle::value::{ArrayData, DType, Graph, Mutation, Node, NodeId};

/// Pending output, popped last-in first-out.
enum Work<'g> {
    Node(NodeId),
    DType(&'g DType),
    Str(&'g str),
    Int(i64),
    Uint(u64),
    Bool(bool),
    Bin(&'g [u8]),
    Array(usize),
    /// The items of an array (header already written) from position `.1` on.
    Items(&'g [NodeId], usize),
    Shape(&'g [u64]),
    Close(usize),
}

struct Writer<'g> {
    graph: &'g Graph,
    anchored: Vec<bool>,
    numbers: HashMap<NodeId, u64>,
    out: Vec<u8>,
    stack: Vec<Work<'g>>,
}

/// Encodes the value rooted at `root` in the msgpack form of `docs/value-model.md`. Nodes reachable more
/// than once that carry identity are written once inside an anchor and then as refs, so the output is
/// linear in the graph size even for cyclic or heavily shared graphs.
pub fn to_msgpack(graph: &Graph, root: NodeId) -> Vec<u8> {
    to_msgpack_in(graph, root, Vec::new())
}

/// [`to_msgpack`] writing into `buffer` (cleared first), so a caller done with a large buffer (the payload
/// the graph was decoded from) lends its memory to the output instead of allocating as much again.
pub fn to_msgpack_in(graph: &Graph, root: NodeId, mut buffer: Vec<u8>) -> Vec<u8> {
    buffer.clear();
    let mut w = Writer {
        graph,
        anchored: share::anchored(graph, root),
        numbers: HashMap::new(),
        out: buffer,
        stack: vec![Work::Node(root)],
    };
    while let Some(work) = w.stack.pop() {
        w.step(work);
    }
    w.out
}

/// Writes an int that may be big: plain msgpack when it fits in 64 bits, ext `bigint` otherwise.
pub(crate) fn big_int(out: &mut Vec<u8>, value: &BigInt) {
    match value.to_i64() {
        Some(i) => wire::int(out, i),
        None => {
            let at = wire::ext_open(out, code_of(Kind::BigInt));
            wire::bin(out, &value.to_signed_bytes_be());
            wire::ext_close(out, at);
        }
    }
}

impl<'g> Writer<'g> {
    fn step(&mut self, work: Work<'g>) {
        let out = &mut self.out;
        match work {
            Work::Node(id) => self.node(id),
            Work::DType(d) => self.dtype(d),
            Work::Str(s) => wire::str(out, s),
            Work::Int(i) => wire::int(out, i),
            Work::Uint(u) => wire::uint(out, u),
            Work::Bool(b) => wire::boolean(out, b),
            Work::Bin(b) => wire::bin(out, b),
            Work::Array(n) => wire::array(out, n),
            Work::Items(items, next) => self.items_from(items, next),
            Work::Shape(dims) => {
                wire::array(out, dims.len());
                dims.iter().for_each(|d| wire::uint(out, *d));
            }
            Work::Close(at) => wire::ext_close(out, at),
        }
    }

    /// Opens ext `kind` holding an array of `n` fields; the caller pushes the rest, then this Close.
    fn record(&mut self, kind: Kind, n: usize) {
        let at = wire::ext_open(&mut self.out, code_of(kind));
        wire::array(&mut self.out, n);
        self.stack.push(Work::Close(at));
    }

    fn items(&mut self, items: &'g [NodeId]) {
        self.stack.push(Work::Items(items, 0));
        self.stack.push(Work::Array(items.len()));
    }

    /// Writes items from `next` on: scalars inline in one loop, stopping at the first item that needs the
    /// work stack (anything with children, or an anchor / ref).
    fn items_from(&mut self, items: &'g [NodeId], next: usize) {
        let rest = items.get(next..).unwrap_or(&[]);
        for (i, id) in rest.iter().enumerate() {
            let inline = !self.anchored.get(*id as usize).copied().unwrap_or(false) && self.scalar(*id);
            if !inline {
                self.stack.extend([Work::Items(items, next + i + 1), Work::Node(*id)]);
                return;
            }
        }
    }

    /// Writes the node if it is a plain scalar and says whether it did.
    fn scalar(&mut self, id: NodeId) -> bool {
        let out = &mut self.out;
        match self.graph.get(id) {
            Node::None => wire::nil(out),
            Node::Bool(b) => wire::boolean(out, *b),
            Node::Int(i) => wire::int(out, *i),
            Node::Float(f) => wire::float(out, *f),
            Node::Str(s) => wire::str(out, s),
            Node::Bytes(b) => wire::bin(out, b),
            _ => return false,
        }
        true
    }

    fn pairs(&mut self, pairs: &'g [(NodeId, NodeId)]) {
        for (k, v) in pairs.iter().rev() {
            self.stack.extend([Work::Node(*v), Work::Node(*k), Work::Array(2)]);
        }
        self.stack.push(Work::Array(pairs.len()));
    }

    fn node(&mut self, id: NodeId) {
        if self.anchored.get(id as usize).copied().unwrap_or(false) {
            if let Some(number) = self.numbers.get(&id) {
                let at = wire::ext_open(&mut self.out, code_of(Kind::Ref));
                wire::uint(&mut self.out, *number);
                wire::ext_close(&mut self.out, at);
                return;
            }
            let number = self.numbers.len() as u64;
            self.numbers.insert(id, number);
            self.record(Kind::Anchor, 2);
            wire::uint(&mut self.out, number);
        }
        let graph = self.graph;
        self.content(graph.get(id));
    }

    fn is_plain_map(&self, pairs: &[(NodeId, NodeId)]) -> bool {
        pairs.iter().all(|(k, _)| {
            matches!(self.graph.get(*k), Node::Str(_)) && !self.anchored.get(*k as usize).copied().unwrap_or(false)
        })
    }

    fn content(&mut self, node: &'g Node) {
        let out = &mut self.out;
        match node {
            Node::None => wire::nil(out),
            Node::Bool(b) => wire::boolean(out, *b),
            Node::Int(i) => wire::int(out, *i),
            Node::BigInt(b) => big_int(out, b),
            Node::Float(f) => wire::float(out, *f),
            Node::Str(s) => wire::str(out, s),
            Node::Bytes(b) => wire::bin(out, b),
            Node::SurrogateStr(points) => self.single_bin(Kind::SurrogateStr, &code_points_to_wtf8(points)),
            Node::ByteArray(b) => self.single_bin(Kind::ByteArray, b),
            Node::List(items) => self.items(items),
            Node::Tuple(items) => self.single(Kind::Tuple, |w| w.items(items)),
            Node::Set(items) => self.single(Kind::Set, |w| w.items(items)),
            Node::FrozenSet(items) => self.single(Kind::FrozenSet, |w| w.items(items)),
            Node::Dict(pairs) if self.is_plain_map(pairs) => {
                wire::map(&mut self.out, pairs.len());
                for (k, v) in pairs.iter().rev() {
                    self.stack.extend([Work::Node(*v), Work::Node(*k)]);
                }
            }
            Node::Dict(pairs) => self.single(Kind::Dict, |w| w.pairs(pairs)),
            Node::OrderedDict(pairs) => self.single(Kind::OrderedDict, |w| w.pairs(pairs)),
            Node::Counter(pairs) => self.single(Kind::Counter, |w| w.pairs(pairs)),
            Node::Complex(re, im) => {
                self.record(Kind::Complex, 2);
                wire::float(&mut self.out, *re);
                wire::float(&mut self.out, *im);
            }
            Node::Decimal(s) => self.single(Kind::Decimal, |w| w.stack.push(Work::Str(s))),
            Node::Fraction(n, d) => {
                self.record(Kind::Fraction, 2);
                big_int(&mut self.out, n);
                big_int(&mut self.out, d);
            }
            Node::Uuid(u) => {
                let bytes = u.to_be_bytes();
                self.single_bin(Kind::Uuid, &bytes)
            }
            Node::Date { year, month, day } => {
                self.record(Kind::Date, 3);
                self.stack.extend([Work::Uint((*day).into()), Work::Uint((*month).into()), Work::Uint((*year).into())]);
            }
            Node::Time { hour, minute, second, microsecond, fold, tzinfo } => {
                self.record(Kind::Time, 5 + usize::from(tzinfo.is_some()));
                self.stack.extend(tzinfo.map(Work::Node));
                self.clock(*hour, *minute, *second, *microsecond, *fold);
            }
            Node::DateTime { year, month, day, hour, minute, second, microsecond, fold, tzinfo } => {
                self.record(Kind::DateTime, 8 + usize::from(tzinfo.is_some()));
                self.stack.extend(tzinfo.map(Work::Node));
                self.clock(*hour, *minute, *second, *microsecond, *fold);
                self.stack.extend([Work::Uint((*day).into()), Work::Uint((*month).into()), Work::Uint((*year).into())]);
            }
            Node::TimeDelta { days, seconds, microseconds } => {
                self.record(Kind::TimeDelta, 3);
                for v in [days, seconds, microseconds] {
                    wire::int(&mut self.out, (*v).into());
                }
            }
            Node::TimeZone { offset, name } => {
                self.record(Kind::TimeZone, 1 + usize::from(name.is_some()));
                self.stack.extend(name.as_deref().map(Work::Str));
                self.stack.push(Work::Node(*offset));
            }
            Node::DefaultDict { factory, items } => {
                self.record(Kind::DefaultDict, 1 + usize::from(factory.is_some()));
                self.stack.extend(factory.as_deref().map(Work::Str));
                self.pairs(items);
            }
            Node::Deque { items, maxlen } => {
                self.record(Kind::Deque, 1 + usize::from(maxlen.is_some()));
                self.stack.extend(maxlen.map(Work::Int));
                self.items(items);
            }
            Node::Range { start, stop, step } | Node::Slice { start, stop, step } => {
                let kind = if matches!(node, Node::Range { .. }) { Kind::Range } else { Kind::Slice };
                self.record(kind, 3);
                self.stack.extend([Work::Node(*step), Work::Node(*stop), Work::Node(*start)]);
            }
            Node::DType(d) => self.dtype(d),
            Node::NdArray(array) => {
                self.record(Kind::NdArray, 4);
                match &array.data {
                    ArrayData::Bytes(b) => self.stack.push(Work::Bin(b)),
                    ArrayData::Objects(items) => self.items(items),
                }
                self.stack.extend([
                    Work::Bool(array.fortran_order),
                    Work::Shape(&array.shape),
                    Work::DType(&array.dtype),
                ]);
            }
            Node::NumpyScalar { dtype, data } => {
                self.record(Kind::NumpyScalar, 2);
                self.stack.extend([Work::Bin(data), Work::DType(dtype)]);
            }
            Node::Global { module, qualname } => {
                self.record(Kind::Global, 2);
                wire::str(&mut self.out, module);
                wire::str(&mut self.out, qualname);
            }
            Node::Call { callable, args } => {
                self.record(Kind::Call, 2);
                self.stack.extend([Work::Node(*args), Work::Node(*callable)]);
            }
            Node::New { class, args, kwargs } => {
                self.record(Kind::New, 2 + usize::from(kwargs.is_some()));
                self.stack.extend(kwargs.map(Work::Node));
                self.stack.extend([Work::Node(*args), Work::Node(*class)]);
            }
            Node::Build { target, state } => {
                self.record(Kind::Build, 2);
                self.stack.extend([Work::Node(*state), Work::Node(*target)]);
            }
            Node::Mutate { target, operation, items } => {
                self.record(Kind::Mutate, 3);
                self.items(items);
                self.stack.extend([Work::Str(mutation_name(*operation)), Work::Node(*target)]);
            }
            Node::PersistentRef { pid } => self.single(Kind::PersistentRef, |w| w.stack.push(Work::Node(*pid))),
            Node::ExtRef { code } => self.single(Kind::ExtRef, |w| w.stack.push(Work::Uint((*code).into()))),
            Node::OobBuffer { index, readonly } => {
                self.record(Kind::OobBuffer, 2);
                wire::uint(&mut self.out, (*index).into());
                wire::boolean(&mut self.out, *readonly);
            }
            Node::Unresolvable { reason } => self.single(Kind::Unresolvable, |w| w.stack.push(Work::Str(reason))),
        }
    }

    /// An ext whose payload is one value, pushed by `fill` (which runs before the Close is popped).
    fn single(&mut self, kind: Kind, fill: impl FnOnce(&mut Self)) {
        let at = wire::ext_open(&mut self.out, code_of(kind));
        self.stack.push(Work::Close(at));
        fill(self);
    }

    fn single_bin(&mut self, kind: Kind, bytes: &[u8]) {
        let at = wire::ext_open(&mut self.out, code_of(kind));
        wire::bin(&mut self.out, bytes);
        wire::ext_close(&mut self.out, at);
    }

    /// Pushes hour..fold (they precede the optional tzinfo already pushed).
    fn clock(&mut self, hour: u8, minute: u8, second: u8, microsecond: u32, fold: bool) {
        self.stack.extend([
            Work::Bool(fold),
            Work::Uint(microsecond.into()),
            Work::Uint(second.into()),
            Work::Uint(minute.into()),
            Work::Uint(hour.into()),
        ]);
    }

    fn dtype(&mut self, d: &'g DType) {
        let n = if d.subarray.is_some() {
            3
        } else if d.fields.is_empty() {
            1
        } else {
            2
        };
        self.record(Kind::DType, n);
        wire::str(&mut self.out, &d.typestr);
        if let Some((base, shape)) = &d.subarray {
            self.stack.extend([Work::Shape(shape), Work::DType(base), Work::Array(2)]);
        }
        if n >= 2 {
            for (name, sub, offset) in d.fields.iter().rev() {
                self.stack.extend([Work::Uint(*offset), Work::DType(sub), Work::Str(name), Work::Array(3)]);
            }
            self.stack.push(Work::Array(d.fields.len()));
        }
    }
}

/// The wire name of a mutation.
pub(crate) fn mutation_name(m: Mutation) -> &'static str {
    match m {
        Mutation::Append => "append",
        Mutation::Extend => "extend",
        Mutation::SetItem => "setitem",
        Mutation::Add => "add",
    }
}
