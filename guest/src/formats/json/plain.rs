//! The plain JSON view: exactly what CPython's `json.dumps(value)` writes for the decoded value (default
//! separators, `ensure_ascii`, `NaN` / `Infinity`), or an `unencodable` error where `json.dumps` raises.
//! Tuples become arrays, dict subclasses become objects with Python's key conversion, shared values are
//! written out at each use, and a cycle is refused ("Circular reference detected").

use std::collections::HashSet;

use num_bigint::BigInt;

use super::text;
use crate::formats::msgpack::{TranscodeError, TranscodeLimits};
use crate::pickle::value::{Graph, Node, NodeId};

enum Work<'g> {
    Node(NodeId),
    Items(NodeId, &'g [NodeId], usize),
    Members(NodeId, &'g [(NodeId, NodeId)], usize),
}

/// Renders the value at `root` as CPython's `json.dumps` would, byte for byte. Fails with `unencodable`
/// where `json.dumps` raises (types JSON lacks, non-scalar dict keys, cycles, ints over 4300 digits) and
/// with `resource-limit` past `limits.max_bytes` of output or `limits.max_depth` nesting.
pub fn to_json_plain(graph: &Graph, root: NodeId, limits: &TranscodeLimits) -> Result<String, TranscodeError> {
    let mut out = String::new();
    let mut on_path: HashSet<NodeId> = HashSet::new();
    let mut stack = vec![Work::Node(root)];
    while let Some(work) = stack.pop() {
        match work {
            Work::Node(id) => {
                let node = graph.get(id);
                match node {
                    Node::List(items) | Node::Tuple(items) => {
                        enter(id, &mut on_path, limits, out.len())?;
                        stack.push(Work::Items(id, items, 0));
                    }
                    Node::Dict(pairs)
                    | Node::OrderedDict(pairs)
                    | Node::Counter(pairs)
                    | Node::DefaultDict { items: pairs, .. } => {
                        enter(id, &mut on_path, limits, out.len())?;
                        stack.push(Work::Members(id, pairs, 0));
                    }
                    _ => scalar(node, &mut out)?,
                }
            }
            Work::Items(owner, items, next) => match items.get(next) {
                Some(item) => {
                    out.push_str(if next == 0 { "[" } else { ", " });
                    stack.extend([Work::Items(owner, items, next + 1), Work::Node(*item)]);
                }
                None => {
                    out.push_str(if next == 0 { "[]" } else { "]" });
                    on_path.remove(&owner);
                }
            },
            Work::Members(owner, pairs, next) => match pairs.get(next) {
                Some((k, v)) => {
                    out.push_str(if next == 0 { "{" } else { ", " });
                    key(graph.get(*k), &mut out)?;
                    out.push_str(": ");
                    stack.extend([Work::Members(owner, pairs, next + 1), Work::Node(*v)]);
                }
                None => {
                    out.push_str(if next == 0 { "{}" } else { "}" });
                    on_path.remove(&owner);
                }
            },
        }
        if out.len() > limits.max_bytes {
            return Err(TranscodeError::limit(out.len(), format!("JSON output over {} bytes", limits.max_bytes)));
        }
    }
    Ok(out)
}

fn enter(id: NodeId, on_path: &mut HashSet<NodeId>, limits: &TranscodeLimits, at: usize) -> Result<(), TranscodeError> {
    if !on_path.insert(id) {
        return Err(TranscodeError::unencodable(at, "Circular reference detected"));
    }
    if on_path.len() > limits.max_depth {
        return Err(TranscodeError::limit(at, format!("nesting deeper than {}", limits.max_depth)));
    }
    Ok(())
}

/// `float.__repr__` as `json.dumps` uses it, with its spellings of the non-finite values.
fn float(f: f64, out: &mut String) {
    if f.is_nan() {
        out.push_str("NaN");
    } else if f.is_infinite() {
        out.push_str(if f > 0.0 { "Infinity" } else { "-Infinity" });
    } else {
        text::py_float_repr(f, out);
    }
}

/// `int.__repr__`, which CPython refuses beyond 4300 digits.
fn int(value: &BigInt, out: &mut String) -> Result<(), TranscodeError> {
    let digits = (value.bits() <= text::MAX_DECIMAL_BITS + 400).then(|| value.to_str_radix(10));
    match digits {
        Some(d) if d.trim_start_matches('-').len() <= text::MAX_INT_DIGITS => {
            out.push_str(&d);
            Ok(())
        }
        _ => Err(TranscodeError::unencodable(
            out.len(),
            format!("Exceeds the limit ({}) for integer string conversion", text::MAX_INT_DIGITS),
        )),
    }
}

/// The float value of a `numpy.float64` scalar (a `float` subclass, so `json.dumps` accepts it).
fn float64_scalar(node: &Node) -> Option<f64> {
    match node {
        Node::NumpyScalar { dtype, data } if dtype.typestr == "<f8" && dtype.fields.is_empty() => {
            let raw: [u8; 8] = data.as_slice().try_into().ok()?;
            Some(f64::from_le_bytes(raw))
        }
        _ => None,
    }
}

fn scalar(node: &Node, out: &mut String) -> Result<(), TranscodeError> {
    match node {
        Node::None => out.push_str("null"),
        Node::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Node::Int(i) => out.push_str(&i.to_string()),
        Node::BigInt(b) => int(b, out)?,
        Node::Float(f) => float(*f, out),
        Node::Str(s) => text::json_string(s, true, out),
        Node::SurrogateStr(points) => text::json_code_points(points, true, out),
        other => match float64_scalar(other) {
            Some(f) => float(f, out),
            None => {
                let message = format!("Object of type {} is not JSON serializable", type_name(other));
                return Err(TranscodeError::unencodable(out.len(), message));
            }
        },
    }
    Ok(())
}

/// A dict key as `json.dumps` converts it: str as is; int, float, bool and None to their JSON text.
fn key(node: &Node, out: &mut String) -> Result<(), TranscodeError> {
    let mut text_form = String::new();
    match node {
        Node::Str(s) => {
            text::json_string(s, true, out);
            return Ok(());
        }
        Node::SurrogateStr(points) => {
            text::json_code_points(points, true, out);
            return Ok(());
        }
        Node::Int(_) | Node::BigInt(_) | Node::Float(_) | Node::Bool(_) | Node::None => scalar(node, &mut text_form)?,
        other => match float64_scalar(other) {
            Some(f) => float(f, &mut text_form),
            None => {
                let message = format!("keys must be str, int, float, bool or None, not {}", type_name(other));
                return Err(TranscodeError::unencodable(out.len(), message));
            }
        },
    }
    text::json_string(&text_form, true, out);
    Ok(())
}

fn type_name(node: &Node) -> &'static str {
    node.python_type_name().unwrap_or("object")
}
