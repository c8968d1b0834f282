//! The value model: what a decoded payload *is*, with no code attached. A payload decodes into a [`Graph`]
//! of [`Node`]s addressed by [`NodeId`]; containers refer to their items by id, so shared references stay
//! shared (a DAG) and cycles are representable (a list can contain itself) without ever being followed
//! forever. This is the contract between the VM, the recognizers, the encoder and the transcoders
//! (msgpack / JSON, documented in `docs/value-model.md`).

use num_bigint::BigInt;

/// Index of a node in its [`Graph`].
pub type NodeId = u32;

/// Atoms up to this payload size are repeated by the writers when reached more than once; larger ones are
/// anchored, so sharing cannot multiply output size.
pub const SMALL_ATOM_BYTES: usize = 256;

/// Nodes per chunk of a [`Graph`]'s storage (a power of two).
const CHUNK_BITS: u32 = 14;
const CHUNK: usize = 1 << CHUNK_BITS;

/// A decoded payload: every node, and the root of each pickle in the stream (usually one).
///
/// Nodes are stored in fixed-size chunks, so a growing graph never reallocates and copies what it holds (a
/// plain vector would move every node each time it doubles, and briefly need twice the memory).
#[derive(Clone, Debug, Default)]
pub struct Graph {
    chunks: Vec<Vec<Node>>,
    len: usize,
    tree: bool,
}

/// Graphs are equal when their nodes are; whether the producer vouched for tree shape is not part of the value.
impl PartialEq for Graph {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.chunks == other.chunks
    }
}

impl Graph {
    /// An empty graph.
    pub fn new() -> Self {
        Graph::default()
    }

    /// Adds `node` and returns its id.
    #[inline]
    pub fn push(&mut self, node: Node) -> NodeId {
        let id = self.len;
        // Every chunk but the last is full, so the last one is full exactly at multiples of CHUNK.
        if id & (CHUNK - 1) == 0 {
            self.chunks.push(Vec::with_capacity(CHUNK));
        }
        if let Some(chunk) = self.chunks.last_mut() {
            chunk.push(node);
        }
        self.len += 1;
        NodeId::try_from(id).unwrap_or(NodeId::MAX)
    }

    /// The node with id `id`.
    ///
    /// Ids come only from [`Graph::push`] on this graph, so an unknown id is a programming error; it yields
    /// [`Node::None`] rather than panicking on untrusted paths.
    #[inline]
    pub fn get(&self, id: NodeId) -> &Node {
        self.chunks
            .get((id >> CHUNK_BITS) as usize)
            .and_then(|chunk| chunk.get(id as usize & (CHUNK - 1)))
            .unwrap_or(&Node::None)
    }

    /// Mutable access to the node with id `id` (containers are filled after they are created).
    #[inline]
    pub fn get_mut(&mut self, id: NodeId) -> Option<&mut Node> {
        self.chunks.get_mut((id >> CHUNK_BITS) as usize).and_then(|chunk| chunk.get_mut(id as usize & (CHUNK - 1)))
    }

    /// Number of nodes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether the graph has no nodes.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Every node, in id order.
    pub fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.chunks.iter().flatten()
    }

    /// Whether the producer vouched that only small scalars are referenced more than once (no shared
    /// containers, no cycles), so writers may skip looking for shared nodes. False unless set.
    pub fn is_tree(&self) -> bool {
        self.tree
    }

    /// Records whether the graph is a tree in the sense of [`Graph::is_tree`]; a producer that cannot vouch
    /// for it (a memo fetch of a container, a DUP, anything built from globals) sets false.
    pub fn set_tree(&mut self, tree: bool) {
        self.tree = tree;
    }
}

/// One value. Plain data first, then the typed values recognizers produce, then the symbolic nodes that
/// stand for code the payload *would* run under CPython (only the `inspect` policy lets those through).
#[derive(Clone, Debug, PartialEq)]
pub enum Node {
    // ---- plain data (pickle's own opcodes) ----
    /// `None`.
    None,
    /// `True` / `False`.
    Bool(bool),
    /// An int that fits in 64 bits.
    Int(i64),
    /// Any larger int.
    BigInt(BigInt),
    /// A float (any bit pattern, including NaN and infinities).
    Float(f64),
    /// A str.
    Str(String),
    /// A str holding surrogate code points (pickled with `surrogatepass`), as its code points: each one a
    /// Unicode scalar value or a surrogate U+D800..U+DFFF. Surrogates are never paired: `'\ud83d\ude00'` is
    /// two code points, not `'😀'`, exactly as in a Python str.
    SurrogateStr(Vec<u32>),
    /// bytes.
    Bytes(Vec<u8>),
    /// bytearray.
    ByteArray(Vec<u8>),
    /// list.
    List(Vec<NodeId>),
    /// tuple.
    Tuple(Vec<NodeId>),
    /// dict, in insertion order; keys may be any hashable value.
    Dict(Vec<(NodeId, NodeId)>),
    /// set, in pickle order.
    Set(Vec<NodeId>),
    /// frozenset, in pickle order.
    FrozenSet(Vec<NodeId>),

    // ---- typed values produced by recognizers ----
    /// `complex(real, imag)`.
    Complex(f64, f64),
    /// `decimal.Decimal`, as its exact string form (e.g. "1.10", "-Infinity", "NaN").
    Decimal(String),
    /// `fractions.Fraction(numerator, denominator)`, normalized (the numerator boxed to keep nodes small).
    Fraction(Box<BigInt>, BigInt),
    /// `uuid.UUID`, as its 128-bit value (boxed: a bare u128 would double the alignment of every node).
    Uuid(Box<u128>),
    /// `datetime.date`.
    Date {
        /// Year (1..=9999).
        year: u16,
        /// Month (1..=12).
        month: u8,
        /// Day of the month.
        day: u8,
    },
    /// `datetime.time`; `tzinfo` points at a [`Node::TimeZone`] (or a symbolic node under `inspect`).
    Time {
        /// Hour (0..=23).
        hour: u8,
        /// Minute.
        minute: u8,
        /// Second.
        second: u8,
        /// Microsecond.
        microsecond: u32,
        /// PEP 495 fold.
        fold: bool,
        /// The tzinfo node, if any.
        tzinfo: Option<NodeId>,
    },
    /// `datetime.datetime`.
    DateTime {
        /// Year (1..=9999).
        year: u16,
        /// Month (1..=12).
        month: u8,
        /// Day of the month.
        day: u8,
        /// Hour (0..=23).
        hour: u8,
        /// Minute.
        minute: u8,
        /// Second.
        second: u8,
        /// Microsecond.
        microsecond: u32,
        /// PEP 495 fold.
        fold: bool,
        /// The tzinfo node, if any.
        tzinfo: Option<NodeId>,
    },
    /// `datetime.timedelta`, normalized as CPython stores it.
    TimeDelta {
        /// Days.
        days: i32,
        /// Seconds (0..86400).
        seconds: i32,
        /// Microseconds (0..1000000).
        microseconds: i32,
    },
    /// `datetime.timezone(offset, name)`; `offset` is a [`Node::TimeDelta`].
    TimeZone {
        /// UTC offset (a TimeDelta node).
        offset: NodeId,
        /// Explicit name, if given.
        name: Option<String>,
    },
    /// `collections.OrderedDict`.
    OrderedDict(Vec<(NodeId, NodeId)>),
    /// `collections.Counter`.
    Counter(Vec<(NodeId, NodeId)>),
    /// `collections.defaultdict` whose factory is a builtin type (e.g. "list", "int"), or `None`.
    DefaultDict {
        /// Builtin factory type name, or None.
        factory: Option<String>,
        /// Items (pairs for mappings).
        items: Vec<(NodeId, NodeId)>,
    },
    /// `collections.deque`.
    Deque {
        /// Items (pairs for mappings).
        items: Vec<NodeId>,
        /// Maximum length, if bounded.
        maxlen: Option<i64>,
    },
    /// `range(start, stop, step)`.
    Range {
        /// Start.
        start: NodeId,
        /// Stop.
        stop: NodeId,
        /// Step.
        step: NodeId,
    },
    /// `slice(start, stop, step)`.
    Slice {
        /// Start.
        start: NodeId,
        /// Stop.
        stop: NodeId,
        /// Step.
        step: NodeId,
    },
    /// A numpy dtype.
    DType(Box<DType>),
    /// A numpy array.
    NdArray(Box<NdArray>),
    /// A numpy scalar (e.g. `numpy.float64(1.5)`): its dtype and raw bytes.
    NumpyScalar {
        /// Element type.
        dtype: Box<DType>,
        /// Raw bytes of the value.
        data: Vec<u8>,
    },

    // ---- symbolic nodes: what CPython would call; never resolved, never run ----
    /// A reference to `module.qualname` (after `fix_imports` for protocol < 3).
    Global {
        /// Module name.
        module: String,
        /// Qualified name inside the module (may be dotted).
        qualname: String,
    },
    /// `callable(*args)` from REDUCE.
    Call {
        /// What is called.
        callable: NodeId,
        /// The argument tuple.
        args: NodeId,
    },
    /// `cls.__new__(cls, *args, **kwargs)` from NEWOBJ / NEWOBJ_EX / OBJ / INST.
    New {
        /// The class.
        class: NodeId,
        /// The argument tuple.
        args: NodeId,
        /// Keyword arguments (NEWOBJ_EX), if any.
        kwargs: Option<NodeId>,
    },
    /// `obj.__setstate__(state)` or attribute updates, from BUILD on a symbolic object.
    Build {
        /// The object acted on.
        target: NodeId,
        /// The state passed to BUILD.
        state: NodeId,
    },
    /// APPEND(S) / SETITEM(S) / ADDITEMS on a target that is not a list, dict or set (calls its methods).
    Mutate {
        /// The object acted on.
        target: NodeId,
        /// Which method.
        operation: Mutation,
        /// Items (pairs for mappings).
        items: Vec<NodeId>,
    },
    /// PERSID / BINPERSID: a loader-defined persistent reference.
    PersistentRef {
        /// The persistent id.
        pid: NodeId,
    },
    /// EXT1/2/4: an entry of copyreg's extension registry (empty by default in CPython).
    ExtRef {
        /// The extension code.
        code: u32,
    },
    /// NEXT_BUFFER / READONLY_BUFFER: an out-of-band buffer supplied by the loader.
    OobBuffer {
        /// Position in the out-of-band buffer list.
        index: u32,
        /// READONLY_BUFFER rather than NEXT_BUFFER.
        readonly: bool,
    },
    /// A STACK_GLOBAL whose operands are not plain strings (computed names): cannot be named statically.
    Unresolvable {
        /// Why it cannot be named.
        reason: String,
    },
}

impl Node {
    /// The Python type name of a data value (`"NoneType"`, `"tuple"`, `"ndarray"`, ...); `None` for the symbolic
    /// nodes, which stand for objects of unknown type.
    pub fn python_type_name(&self) -> Option<&'static str> {
        Some(match self {
            Node::None => "NoneType",
            Node::Bool(_) => "bool",
            Node::Int(_) | Node::BigInt(_) => "int",
            Node::Float(_) => "float",
            Node::Str(_) | Node::SurrogateStr(_) => "str",
            Node::Bytes(_) => "bytes",
            Node::ByteArray(_) => "bytearray",
            Node::List(_) => "list",
            Node::Tuple(_) => "tuple",
            Node::Dict(_) => "dict",
            Node::Set(_) => "set",
            Node::FrozenSet(_) => "frozenset",
            Node::Complex(..) => "complex",
            Node::Decimal(_) => "Decimal",
            Node::Fraction(..) => "Fraction",
            Node::Uuid(_) => "UUID",
            Node::Date { .. } => "date",
            Node::Time { .. } => "time",
            Node::DateTime { .. } => "datetime",
            Node::TimeDelta { .. } => "timedelta",
            Node::TimeZone { .. } => "timezone",
            Node::OrderedDict(_) => "OrderedDict",
            Node::Counter(_) => "Counter",
            Node::DefaultDict { .. } => "defaultdict",
            Node::Deque { .. } => "deque",
            Node::Range { .. } => "range",
            Node::Slice { .. } => "slice",
            Node::DType(_) => "dtype",
            Node::NdArray(_) => "ndarray",
            Node::NumpyScalar { .. } => "numpy scalar",
            Node::Global { .. }
            | Node::Call { .. }
            | Node::New { .. }
            | Node::Build { .. }
            | Node::Mutate { .. }
            | Node::PersistentRef { .. }
            | Node::ExtRef { .. }
            | Node::OobBuffer { .. }
            | Node::Unresolvable { .. } => return None,
        })
    }

    /// Whether the value is a small immutable scalar, which the writers repeat instead of anchoring when
    /// it is reached more than once (see [`SMALL_ATOM_BYTES`]).
    pub fn is_small_scalar(&self) -> bool {
        match self {
            Node::None | Node::Bool(_) | Node::Int(_) | Node::Float(_) => true,
            Node::Str(s) => s.len() <= SMALL_ATOM_BYTES,
            Node::Bytes(b) => b.len() <= SMALL_ATOM_BYTES,
            _ => false,
        }
    }

    /// Appends the node ids this node refers to (its items, keys, fields), in wire order.
    pub fn children(&self, out: &mut Vec<NodeId>) {
        let node = self;
        match node {
            Node::List(items) | Node::Tuple(items) | Node::Set(items) | Node::FrozenSet(items) => {
                out.extend_from_slice(items)
            }
            Node::Deque { items, .. } | Node::Mutate { items, .. } => {
                if let Node::Mutate { target, .. } = node {
                    out.push(*target);
                }
                out.extend_from_slice(items)
            }
            Node::Dict(pairs)
            | Node::OrderedDict(pairs)
            | Node::Counter(pairs)
            | Node::DefaultDict { items: pairs, .. } => out.extend(pairs.iter().flat_map(|(k, v)| [*k, *v])),
            Node::Time { tzinfo, .. } | Node::DateTime { tzinfo, .. } => out.extend(tzinfo.iter().copied()),
            Node::TimeZone { offset, .. } => out.push(*offset),
            Node::Range { start, stop, step } | Node::Slice { start, stop, step } => out.extend([*start, *stop, *step]),
            Node::NdArray(array) => {
                if let ArrayData::Objects(items) = &array.data {
                    out.extend_from_slice(items)
                }
            }
            Node::Call { callable, args } => out.extend([*callable, *args]),
            Node::New { class, args, kwargs } => {
                out.extend([*class, *args]);
                out.extend(kwargs.iter().copied());
            }
            Node::Build { target, state } => out.extend([*target, *state]),
            Node::PersistentRef { pid } => out.push(*pid),
            _ => {}
        }
    }
}

/// The container method a [`Node::Mutate`] stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mutation {
    /// `target.append(item)` for each item.
    Append,
    /// `target.extend(items)` (APPENDS).
    Extend,
    /// `target[key] = value` for each pair (items alternate key, value).
    SetItem,
    /// `target.add(item)` (ADDITEMS).
    Add,
}

/// A numpy dtype, as numpy describes it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DType {
    /// Array-protocol type string: byte order + kind + item size, e.g. "<f8", "|b1", "<U5", "|O", "<M8[ns]",
    /// "|V12" for structured types.
    pub typestr: String,
    /// Fields of a structured dtype, in order: name, dtype, byte offset.
    pub fields: Vec<(String, DType, u64)>,
    /// Sub-array dtype: base dtype and shape (e.g. `("<f4", (3,))`).
    pub subarray: Option<(Box<DType>, Vec<u64>)>,
}

/// A numpy array: dtype, shape, memory order and the element data.
#[derive(Clone, Debug, PartialEq)]
pub struct NdArray {
    /// Element type.
    pub dtype: DType,
    /// Shape; `[]` is a 0-d array.
    pub shape: Vec<u64>,
    /// Fortran (column-major) order instead of C order.
    pub fortran_order: bool,
    /// The elements.
    pub data: ArrayData,
}

/// Element data of an array.
#[derive(Clone, Debug, PartialEq)]
pub enum ArrayData {
    /// Raw element bytes (`prod(shape) * itemsize` of them), in the array's order.
    Bytes(Vec<u8>),
    /// Object arrays: one node per element, in the array's order.
    Objects(Vec<NodeId>),
}

// Every decoded value is a node: keep them at 32 bytes in the sandbox (wasm32), where a big list costs
// one node per item.
#[cfg(target_arch = "wasm32")]
const _: () = assert!(std::mem::size_of::<Node>() <= 32);
