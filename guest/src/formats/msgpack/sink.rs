//! The graph under construction while a document is read: values in flight ([`Val`]), the anchor table,
//! the node cap, and typed access to the scalar fields of a payload.

use std::collections::HashMap;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::limits::{TranscodeError, TranscodeLimits};
use crate::formats::json::text;
use crate::pickle::value::{DType, Graph, Node, NodeId};

/// A value as the readers hand it around before it is (if ever) stored in the graph.
#[derive(Debug)]
pub(crate) enum Val {
    /// Already a node of the graph (containers, anchored values, refs).
    Id(NodeId),
    /// A finished node not yet stored: scalars used as fields are read without ever being stored.
    Atom(Node),
    /// The items of a [`super::schema::Shape::Values`] or flattened [`super::schema::Shape::Pairs`] array.
    Ids(Vec<NodeId>),
    /// The elements of a structural array ([`super::schema::Shape::List`] / [`super::schema::Shape::Record`]).
    Seq(Vec<Val>),
}

/// The graph being built, with the anchor table and the caps.
pub(crate) struct Sink<'l> {
    /// The graph under construction.
    pub graph: Graph,
    limits: &'l TranscodeLimits,
    anchors: HashMap<u64, NodeId>,
    /// JSON front end: bytes arrive as base64 text, big ints as decimal / hex text, UUIDs as text.
    pub(crate) text: bool,
}

/// Result of the readers and builders.
pub(crate) type Res<T> = Result<T, TranscodeError>;

pub(crate) fn bad<T>(at: usize, message: impl Into<String>) -> Res<T> {
    Err(TranscodeError::malformed(at, message))
}

impl<'l> Sink<'l> {
    /// An empty sink; `text` selects the JSON conventions for bytes, big ints and UUIDs.
    pub fn new(limits: &'l TranscodeLimits, text: bool) -> Self {
        Sink { graph: Graph::new(), limits, anchors: HashMap::new(), text }
    }

    /// The caps in force.
    pub fn limits(&self) -> &TranscodeLimits {
        self.limits
    }

    /// Stores `node`, enforcing the node cap.
    pub fn push(&mut self, node: Node, at: usize) -> Res<NodeId> {
        if self.graph.len() >= self.limits.max_nodes {
            return Err(TranscodeError::limit(at, format!("more than {} nodes", self.limits.max_nodes)));
        }
        Ok(self.graph.push(node))
    }

    /// Reserves the node for anchor `id` (filled when its value is finished) and returns it.
    pub fn define_anchor(&mut self, id: u64, at: usize) -> Res<NodeId> {
        if self.anchors.contains_key(&id) {
            return bad(at, format!("anchor {id} defined twice"));
        }
        let slot = self.push(Node::None, at)?;
        self.anchors.insert(id, slot);
        Ok(slot)
    }

    /// The node of an anchor defined earlier in the document.
    pub fn resolve_ref(&self, id: u64, at: usize) -> Res<NodeId> {
        match self.anchors.get(&id) {
            Some(slot) => Ok(*slot),
            None => bad(at, format!("ref to anchor {id}, which is not defined before it")),
        }
    }

    /// A finished node: written into `dest` (an anchor's reserved node) or handed on unstored.
    pub fn place(&mut self, node: Node, dest: Option<NodeId>) -> Val {
        match dest.and_then(|slot| self.graph.get_mut(slot).map(|n| (slot, n))) {
            Some((slot, target)) => {
                *target = node;
                Val::Id(slot)
            }
            None => Val::Atom(node),
        }
    }

    /// The node id of a value, storing it if needed.
    pub fn id_of(&mut self, val: Val, at: usize) -> Res<NodeId> {
        match val {
            Val::Id(id) => Ok(id),
            Val::Atom(node) => self.push(node, at),
            Val::Ids(_) | Val::Seq(_) => bad(at, "expected a value, found a structural array"),
        }
    }

    pub(crate) fn scalar<'a>(&'a self, val: &'a Val) -> Option<&'a Node> {
        match val {
            Val::Atom(node) => Some(node),
            Val::Id(id) => Some(self.graph.get(*id)),
            _ => None,
        }
    }

    pub(crate) fn owned(&self, val: Val) -> Option<Node> {
        match val {
            Val::Atom(node) => Some(node),
            Val::Id(id) => Some(self.graph.get(id).clone()),
            _ => None,
        }
    }

    pub(crate) fn int(&self, val: &Val, name: &str, at: usize) -> Res<i64> {
        match self.scalar(val) {
            Some(Node::Int(i)) => Ok(*i),
            _ => bad(at, format!("`{name}` must be an int")),
        }
    }

    pub(crate) fn ranged(&self, val: &Val, name: &str, lo: i64, hi: i64, at: usize) -> Res<i64> {
        let v = self.int(val, name, at)?;
        if v < lo || v > hi {
            return bad(at, format!("`{name}` = {v} is outside {lo}..={hi}"));
        }
        Ok(v)
    }

    pub(crate) fn uint(&self, val: &Val, name: &str, at: usize) -> Res<u64> {
        match self.scalar(val) {
            Some(Node::Int(i)) if *i >= 0 => Ok(*i as u64),
            Some(Node::BigInt(b)) => b.to_u64().map_or_else(|| bad(at, format!("`{name}` is too large")), Ok),
            _ => bad(at, format!("`{name}` must be a non-negative int")),
        }
    }

    pub(crate) fn boolean(&self, val: &Val, name: &str, at: usize) -> Res<bool> {
        match self.scalar(val) {
            Some(Node::Bool(b)) => Ok(*b),
            _ => bad(at, format!("`{name}` must be a bool")),
        }
    }

    pub(crate) fn float(&self, val: &Val, name: &str, at: usize) -> Res<f64> {
        match self.scalar(val) {
            Some(Node::Float(f)) => Ok(*f),
            // Hand-written JSON may say `1` for `1.0`; only exactly representable ints are taken.
            Some(Node::Int(i)) if i.unsigned_abs() <= 1 << 53 => Ok(*i as f64),
            _ => bad(at, format!("`{name}` must be a float")),
        }
    }

    pub(crate) fn string(&self, val: Val, name: &str, at: usize) -> Res<String> {
        match self.owned(val) {
            Some(Node::Str(s)) => Ok(s),
            _ => bad(at, format!("`{name}` must be a str")),
        }
    }

    pub(crate) fn big(&self, val: &Val, name: &str, at: usize) -> Res<BigInt> {
        match self.scalar(val) {
            Some(Node::Int(i)) => Ok(BigInt::from(*i)),
            Some(Node::BigInt(b)) => Ok(b.clone()),
            _ => bad(at, format!("`{name}` must be an int")),
        }
    }

    /// Raw bytes: msgpack bin, or base64 text in JSON.
    pub(crate) fn bytes(&self, val: Val, name: &str, at: usize) -> Res<Vec<u8>> {
        match (self.text, self.owned(val)) {
            (false, Some(Node::Bytes(b))) => Ok(b),
            (true, Some(Node::Str(s))) => {
                text::base64_decode(&s).ok_or_else(|| TranscodeError::malformed(at, format!("`{name}` is not base64")))
            }
            (false, _) => bad(at, format!("`{name}` must be bin")),
            (true, _) => bad(at, format!("`{name}` must be a base64 string")),
        }
    }

    pub(crate) fn dtype(&self, val: Val, name: &str, at: usize) -> Res<DType> {
        match self.owned(val) {
            Some(Node::DType(d)) => Ok(*d),
            _ => bad(at, format!("`{name}` must be a dtype")),
        }
    }

    pub(crate) fn ids(&self, val: Val, at: usize) -> Res<Vec<NodeId>> {
        match val {
            Val::Ids(ids) => Ok(ids),
            _ => bad(at, "expected an array of values"),
        }
    }

    pub(crate) fn pairs(&self, val: Val, at: usize) -> Res<Vec<(NodeId, NodeId)>> {
        let flat = self.ids(val, at)?;
        Ok(flat.chunks_exact(2).map(|p| (p[0], p[1])).collect())
    }

    pub(crate) fn seq(&self, val: Val, at: usize) -> Res<Vec<Val>> {
        match val {
            Val::Seq(items) => Ok(items),
            _ => bad(at, "expected an array"),
        }
    }

    pub(crate) fn shape(&self, val: Val, at: usize) -> Res<Vec<u64>> {
        self.seq(val, at)?.iter().map(|v| self.uint(v, "shape", at)).collect()
    }
}
