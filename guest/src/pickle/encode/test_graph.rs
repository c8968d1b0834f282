//! Test helpers: a small builder for value graphs.

use num_bigint::BigInt;

use crate::pickle::value::{ArrayData, DType, Graph, NdArray, Node, NodeId};

/// Graph builder with one-line constructors.
#[derive(Default)]
pub(super) struct G {
    pub(super) g: Graph,
}

impl G {
    pub(super) fn add(&mut self, node: Node) -> NodeId {
        self.g.push(node)
    }
    pub(super) fn none(&mut self) -> NodeId {
        self.add(Node::None)
    }
    pub(super) fn int(&mut self, v: i64) -> NodeId {
        self.add(Node::Int(v))
    }
    pub(super) fn big(&mut self, v: BigInt) -> NodeId {
        self.add(Node::BigInt(v))
    }
    pub(super) fn float(&mut self, v: f64) -> NodeId {
        self.add(Node::Float(v))
    }
    pub(super) fn bool(&mut self, v: bool) -> NodeId {
        self.add(Node::Bool(v))
    }
    pub(super) fn str(&mut self, v: &str) -> NodeId {
        self.add(Node::Str(v.to_string()))
    }
    pub(super) fn bytes(&mut self, v: &[u8]) -> NodeId {
        self.add(Node::Bytes(v.to_vec()))
    }
    pub(super) fn list(&mut self, items: Vec<NodeId>) -> NodeId {
        self.add(Node::List(items))
    }
    pub(super) fn tuple(&mut self, items: Vec<NodeId>) -> NodeId {
        self.add(Node::Tuple(items))
    }
    pub(super) fn dict(&mut self, pairs: Vec<(NodeId, NodeId)>) -> NodeId {
        self.add(Node::Dict(pairs))
    }
    pub(super) fn ints(&mut self, values: &[i64]) -> Vec<NodeId> {
        values.iter().map(|&v| self.int(v)).collect()
    }
    /// Replaces the items of list `id` (to build cycles).
    pub(super) fn set_list(&mut self, id: NodeId, items: Vec<NodeId>) {
        if let Some(node) = self.g.get_mut(id) {
            *node = Node::List(items);
        }
    }
    pub(super) fn timedelta(&mut self, days: i32, seconds: i32, microseconds: i32) -> NodeId {
        self.add(Node::TimeDelta { days, seconds, microseconds })
    }
    pub(super) fn timezone(&mut self, days: i32, seconds: i32, name: Option<&str>) -> NodeId {
        let offset = self.timedelta(days, seconds, 0);
        self.add(Node::TimeZone { offset, name: name.map(str::to_string) })
    }
    pub(super) fn array(&mut self, dtype: DType, shape: &[u64], fortran: bool, data: ArrayData) -> NodeId {
        self.add(Node::NdArray(Box::new(NdArray { dtype, shape: shape.to_vec(), fortran_order: fortran, data })))
    }
}

/// A dtype without fields or sub-array.
pub(super) fn dt(typestr: &str) -> DType {
    DType { typestr: typestr.to_string(), fields: Vec::new(), subarray: None }
}

/// Little-endian bytes of f64 values.
pub(super) fn f8_bytes(values: &[f64]) -> Vec<u8> {
    values.iter().flat_map(|v| v.to_le_bytes()).collect()
}
