//! Recognizers: pure functions that turn known-safe reduce patterns into typed values. The VM calls them
//! when REDUCE / NEWOBJ / OBJ / INST / BUILD meet a global from [`known_global`]; anything they do not
//! accept stays a symbolic node (and the `data` policy refuses it). Names match exactly, after
//! `fix_imports` — a dotted qualname or a parent module never matches.

mod builtins;
mod collections;
mod datetime;
pub(crate) mod dtype;
pub(crate) mod joblib;
mod numbers;
mod numpy;

use std::collections::HashMap;

use super::value::{DType, Graph, Node, NodeId};

pub(crate) use joblib::JoblibLayout;

/// A global some recognizer understands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Known {
    Set,
    FrozenSet,
    ByteArray,
    Bytes,
    List,
    Tuple,
    Dict,
    Int,
    Float,
    Str,
    Bool,
    Complex,
    Range,
    Slice,
    Object,
    CodecsEncode,
    Reconstructor,
    NewObj,
    NewObjEx,
    OrderedDict,
    Counter,
    DefaultDict,
    Deque,
    Date,
    Time,
    DateTime,
    TimeDelta,
    TimeZone,
    Decimal,
    Fraction,
    Uuid,
    NumpyReconstruct,
    NumpyNdarray,
    NumpyMemmap,
    NumpyDtype,
    NumpyScalar,
    NumpyFromBuffer,
    JoblibWrapper,
}

/// The recognizer family for `(module, qualname)`, if any.
pub(crate) fn known_global(module: &str, qualname: &str) -> Option<Known> {
    use Known::*;
    Some(match (module, qualname) {
        ("builtins", q) => match q {
            "set" => Set,
            "frozenset" => FrozenSet,
            "bytearray" => ByteArray,
            "bytes" => Bytes,
            "list" => List,
            "tuple" => Tuple,
            "dict" => Dict,
            "int" => Int,
            "float" => Float,
            "str" => Str,
            "bool" => Bool,
            "complex" => Complex,
            "range" => Range,
            "slice" => Slice,
            "object" => Object,
            _ => return None,
        },
        ("_codecs", "encode") => CodecsEncode,
        ("copyreg", "_reconstructor") => Reconstructor,
        ("copyreg", "__newobj__") => NewObj,
        ("copyreg", "__newobj_ex__") => NewObjEx,
        ("collections", "OrderedDict") => OrderedDict,
        ("collections", "Counter") => Counter,
        ("collections", "defaultdict") => DefaultDict,
        ("collections", "deque") => Deque,
        ("datetime", "date") => Date,
        ("datetime", "time") => Time,
        ("datetime", "datetime") => DateTime,
        ("datetime", "timedelta") => TimeDelta,
        ("datetime", "timezone") => TimeZone,
        ("decimal", "Decimal") | ("_decimal", "Decimal") | ("_pydecimal", "Decimal") => Decimal,
        ("fractions", "Fraction") => Fraction,
        ("uuid", "UUID") => Uuid,
        ("numpy.core.multiarray" | "numpy._core.multiarray", "_reconstruct") => NumpyReconstruct,
        ("numpy.core.multiarray" | "numpy._core.multiarray", "scalar") => NumpyScalar,
        ("numpy.core.numeric" | "numpy._core.numeric", "_frombuffer") => NumpyFromBuffer,
        ("numpy", "ndarray") => NumpyNdarray,
        ("numpy", "memmap") | ("numpy.core.memmap" | "numpy._core.memmap", "memmap") => NumpyMemmap,
        ("numpy", "dtype") => NumpyDtype,
        ("joblib.numpy_pickle", "NumpyArrayWrapper") => JoblibWrapper,
        _ => return None,
    })
}

impl Known {
    /// Allowed under the `strict` policy: builtin data that protocols 0–2 spell as calls.
    pub(crate) fn strict(self) -> bool {
        use Known::*;
        matches!(
            self,
            Set | FrozenSet
                | ByteArray
                | Bytes
                | List
                | Tuple
                | Dict
                | Int
                | Float
                | Str
                | Bool
                | Complex
                | CodecsEncode
        )
    }

    /// A class (so OBJ / INST without arguments mean `cls.__new__(cls)`), not a function.
    pub(crate) fn is_type(self) -> bool {
        use Known::*;
        !matches!(
            self,
            CodecsEncode | Reconstructor | NewObj | NewObjEx | NumpyReconstruct | NumpyScalar | NumpyFromBuffer
        )
    }
}

/// What a recognizer made of a call or BUILD.
pub(crate) enum Outcome {
    /// A typed value.
    Value(Node),
    /// An ndarray whose bytes were moved out of the blob node `1` (restored later if still reachable).
    Steal(Node, NodeId),
    /// Valid so far; the symbolic call stays and must be completed by a BUILD.
    Pending,
    /// `cls.__new__(cls)` of an allowlisted class (the id): completed by a BUILD.
    PendingNew(NodeId),
    /// A joblib NumpyArrayWrapper: the array bytes follow in the raw stream.
    Joblib(JoblibLayout),
    /// Not recognized.
    No,
}

/// What recognizers may look at and change.
pub(crate) struct Ctx<'x> {
    pub graph: &'x mut Graph,
    pub buffers: &'x [Vec<u8>],
    pub stolen: &'x HashMap<NodeId, NodeId>,
    pub max_array_bytes: u64,
}

/// Blobs at least this large are moved into arrays instead of copied.
const STEAL_MIN: usize = 64 * 1024;

impl Ctx<'_> {
    pub(crate) fn node(&self, id: NodeId) -> &Node {
        self.graph.get(id)
    }

    /// The `(module, qualname)` of a Global node.
    pub(crate) fn global(&self, id: NodeId) -> Option<Known> {
        match self.graph.get(id) {
            Node::Global { module, qualname } => known_global(module, qualname),
            _ => None,
        }
    }

    pub(crate) fn str_of(&self, id: NodeId) -> Option<&str> {
        match self.graph.get(id) {
            Node::Str(s) => Some(s),
            _ => None,
        }
    }

    pub(crate) fn int_of(&self, id: NodeId) -> Option<i64> {
        match self.graph.get(id) {
            Node::Int(v) => Some(*v),
            Node::Bool(b) => Some(i64::from(*b)),
            _ => None,
        }
    }

    pub(crate) fn bool_of(&self, id: NodeId) -> Option<bool> {
        match self.graph.get(id) {
            Node::Bool(b) => Some(*b),
            Node::Int(v @ (0 | 1)) => Some(*v == 1),
            _ => None,
        }
    }

    /// Items of a tuple node.
    pub(crate) fn tuple(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.graph.get(id) {
            Node::Tuple(items) => Some(items),
            _ => None,
        }
    }

    /// Items of a list or tuple node.
    pub(crate) fn sequence(&self, id: NodeId) -> Option<&[NodeId]> {
        match self.graph.get(id) {
            Node::Tuple(items) | Node::List(items) => Some(items),
            _ => None,
        }
    }

    /// Non-negative ints of a tuple or list (shapes).
    pub(crate) fn shape(&self, id: NodeId) -> Option<Vec<u64>> {
        let items = self.sequence(id)?;
        items.iter().map(|&i| self.int_of(i).and_then(|v| u64::try_from(v).ok())).collect()
    }

    pub(crate) fn dtype(&self, id: NodeId) -> Option<&DType> {
        match self.graph.get(id) {
            Node::DType(d) => Some(d),
            _ => None,
        }
    }

    /// Bytes of a bytes / bytearray node (also one whose data was moved into an array).
    pub(crate) fn bytes_of(&self, id: NodeId) -> Option<&[u8]> {
        match self.graph.get(id) {
            Node::Bytes(b) | Node::ByteArray(b) => {
                if b.is_empty()
                    && let Some(&array) = self.stolen.get(&id)
                    && let Node::NdArray(a) = self.graph.get(array)
                    && let super::value::ArrayData::Bytes(data) = &a.data
                {
                    return Some(data);
                }
                Some(b)
            }
            Node::OobBuffer { index, .. } => self.buffers.get(*index as usize).map(Vec::as_slice),
            _ => None,
        }
    }

    /// Array data from a blob node: moved when large and not yet moved, else copied.
    pub(crate) fn blob_data(&mut self, id: NodeId) -> Option<(Vec<u8>, Option<NodeId>)> {
        let stolen = self.stolen.contains_key(&id);
        if !stolen
            && let Some(Node::Bytes(b) | Node::ByteArray(b)) = self.graph.get_mut(id)
            && b.len() >= STEAL_MIN
        {
            return Some((std::mem::take(b), Some(id)));
        }
        self.bytes_of(id).map(|b| (b.to_vec(), None))
    }
}

/// `callable(*args)` for a recognized callable (REDUCE, or OBJ / INST with arguments).
pub(crate) fn call(ctx: &mut Ctx<'_>, known: Known, args: &[NodeId]) -> Outcome {
    use Known::*;
    match known {
        Set | FrozenSet | ByteArray | Bytes | List | Tuple | Dict | Int | Float | Str | Bool | Complex | Range
        | Slice | CodecsEncode => builtins::call(ctx, known, args),
        Reconstructor => builtins::reconstructor(ctx, args),
        NewObj => match args.split_first() {
            Some((&class, rest)) => match ctx.global(class) {
                Some(k) => new_object(ctx, k, class, rest),
                None => Outcome::No,
            },
            None => Outcome::No,
        },
        NewObjEx => builtins::newobj_ex(ctx, args),
        OrderedDict | Counter | DefaultDict | Deque => collections::call(ctx, known, args),
        Date | Time | DateTime | TimeDelta | TimeZone => datetime::call(ctx, known, args),
        Decimal | Fraction => numbers::call(ctx, known, args),
        NumpyReconstruct | NumpyDtype => numpy::pending_call(ctx, known, args),
        NumpyScalar => numpy::scalar(ctx, args),
        NumpyFromBuffer => numpy::frombuffer(ctx, args),
        Object | Uuid | NumpyNdarray | NumpyMemmap | JoblibWrapper => Outcome::No,
    }
}

/// `cls.__new__(cls, *args)` for a recognized class `class` (NEWOBJ, `copyreg.__newobj__`, OBJ / INST
/// without arguments).
pub(crate) fn new_object(ctx: &mut Ctx<'_>, known: Known, class: NodeId, args: &[NodeId]) -> Outcome {
    use Known::*;
    match known {
        Uuid | JoblibWrapper if args.is_empty() => Outcome::PendingNew(class),
        Set | List | Dict | ByteArray | OrderedDict | Counter | Deque | DefaultDict => {
            builtins::empty_of(known).map_or(Outcome::No, Outcome::Value)
        }
        Tuple | FrozenSet | Int | Float | Str | Bytes | Bool | Complex | Range | Slice | Date | Time | DateTime
        | TimeDelta | TimeZone | Decimal | Fraction => call(ctx, known, args),
        _ => Outcome::No,
    }
}

/// BUILD with `state` on `target`, when `target` is a pending recognized call or object.
pub(crate) fn build(ctx: &mut Ctx<'_>, target: NodeId, state: NodeId) -> Outcome {
    match ctx.node(target).clone_shallow() {
        Some(Shallow::Call(callable, args)) => match ctx.global(callable) {
            Some(Known::NumpyDtype) => dtype::build(ctx, args, state),
            Some(Known::NumpyReconstruct) => numpy::build_reconstruct(ctx, args, state),
            _ => Outcome::No,
        },
        Some(Shallow::New(class)) => match ctx.global(class) {
            Some(Known::Uuid) => numbers::build_uuid(ctx, state),
            Some(Known::JoblibWrapper) => joblib::build(ctx, state),
            _ => Outcome::No,
        },
        None => Outcome::No,
    }
}

enum Shallow {
    Call(NodeId, NodeId),
    New(NodeId),
}

trait ShallowExt {
    fn clone_shallow(&self) -> Option<Shallow>;
}

impl ShallowExt for Node {
    fn clone_shallow(&self) -> Option<Shallow> {
        match self {
            Node::Call { callable, args } => Some(Shallow::Call(*callable, *args)),
            Node::New { class, kwargs: None, .. } => Some(Shallow::New(*class)),
            _ => None,
        }
    }
}
