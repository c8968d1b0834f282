//! `decode`: every pickle of a stream into one graph, then the checks that need the whole result —
//! trailing bytes, symbolic values left in the result under `strict` / `data`, and restoring blobs whose
//! bytes were moved into arrays but are still reachable.

use super::error::{DecodeError, ErrorCode, Fail, malformed};
use super::findings::{Finding, FindingKind, FindingSeverity};
use super::limits::PickleLimits;
use super::machine::objects::{is_symbolic, node_kind};
use super::machine::{Session, run_pickle};
use super::policy::Policy;
use super::value::{ArrayData, Graph, Node, NodeId};

/// How to decode.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct DecodeOptions {
    /// Which globals and calls are accepted.
    pub policy: Policy,
    /// Resource caps.
    pub limits: PickleLimits,
    /// Out-of-band buffers for NEXT_BUFFER, in order (protocol 5). Without them NEXT_BUFFER is malformed
    /// (under `inspect` it is reported and decoded symbolically).
    pub buffers: Vec<Vec<u8>>,
    /// Accept bytes after the last complete pickle instead of refusing with `trailing-data`.
    pub allow_trailing: bool,
}

/// A decoded stream.
#[derive(Clone, Debug, PartialEq)]
pub struct Decoded {
    /// All nodes.
    pub graph: Graph,
    /// The result of each pickle in the stream, in order (usually one).
    pub roots: Vec<NodeId>,
    /// What the payload references (globals, code-capable operations, extra pickles, …).
    pub findings: Vec<Finding>,
    /// Bytes of input consumed by the pickles (the rest is trailing data, when allowed).
    pub consumed: usize,
}

/// What decoding a stream produced, complete or not (shared by `decode` and `scan`).
pub(crate) struct StreamOutcome {
    pub graph: Graph,
    pub roots: Vec<NodeId>,
    pub findings: Vec<Finding>,
    pub consumed: usize,
    pub error: Option<DecodeError>,
    /// CPython would raise somewhere `inspect` went on (see `Session::unloadable`).
    pub unloadable: bool,
}

/// Decodes every pickle in `input` (a raw pickle stream; decompression is the caller's job).
pub fn decode(input: &[u8], options: &DecodeOptions) -> Result<Decoded, DecodeError> {
    let out = decode_stream(input, options);
    match out.error {
        Some(mut e) => {
            e.findings = out.findings;
            Err(e)
        }
        None => Ok(Decoded { graph: out.graph, roots: out.roots, findings: out.findings, consumed: out.consumed }),
    }
}

pub(crate) fn decode_stream(input: &[u8], options: &DecodeOptions) -> StreamOutcome {
    let mut s = Session::new(input, options);
    let mut roots = Vec::new();
    let mut pos = 0usize;
    let mut error: Option<Fail> = None;
    if input.is_empty() {
        let mut e = malformed(0, "empty input");
        e.truncated = true;
        error = Some(e);
    }
    while error.is_none() && pos < input.len() {
        if roots.len() >= options.limits.max_pickles {
            error = Some(super::error::resource(pos, "too many concatenated pickles (max_pickles)"));
            break;
        }
        if !roots.is_empty() {
            let message = format!("another pickle starts at byte {pos} (pickle #{})", roots.len() + 1);
            s.findings.add(pos, "<stream>", None, FindingSeverity::Info, FindingKind::ExtraPickle, message);
        }
        match run_pickle(&mut s, pos, false) {
            Ok((root, end)) => {
                roots.push(root);
                pos = end;
            }
            Err(e) if roots.is_empty() || !matches!(e.code, ErrorCode::Malformed) => error = Some(e),
            Err(e) => {
                let trailing = input.len() - pos;
                let message = format!(
                    "{trailing} bytes after pickle #{} are not a complete pickle ({} at byte {}: {})",
                    roots.len(),
                    e.code,
                    e.offset,
                    e.message
                );
                s.findings.add(
                    pos,
                    "<trailing>",
                    None,
                    FindingSeverity::Warning,
                    FindingKind::TrailingData,
                    message.clone(),
                );
                if !options.allow_trailing {
                    let mut t = DecodeError::new(ErrorCode::TrailingData, pos, message);
                    t.truncated = e.truncated;
                    error = Some(t);
                }
                break;
            }
        }
    }
    if error.is_none()
        && s.needs_walk
        && let Err(e) = finish(&mut s, &roots)
    {
        error = Some(e);
    }
    let unloadable = s.unloadable;
    StreamOutcome {
        graph: s.graph,
        roots,
        findings: s.findings.finish(),
        consumed: pos,
        error: error.map(|e| *e),
        unloadable,
    }
}

/// Walks what the roots reach (iteratively): restores moved blobs, materializes supplied out-of-band
/// buffers, and under `strict` / `data` refuses symbolic values left in the result.
fn finish(s: &mut Session<'_>, roots: &[NodeId]) -> Result<(), Fail> {
    let n = s.graph.len();
    let mut seen = vec![false; n];
    let mut todo: Vec<NodeId> = roots.to_vec();
    let mut children = Vec::new();
    while let Some(id) = todo.pop() {
        let Some(flag) = seen.get_mut(id as usize) else { continue };
        if *flag {
            continue;
        }
        *flag = true;
        if let Some(&array) = s.stolen.get(&id) {
            restore_blob(&mut s.graph, id, array);
        }
        if let Node::OobBuffer { index, readonly } = *s.graph.get(id)
            && let Some(buffer) = s.options.buffers.get(index as usize)
            && let Some(slot) = s.graph.get_mut(id)
        {
            *slot = if readonly { Node::Bytes(buffer.clone()) } else { Node::ByteArray(buffer.clone()) };
        }
        let node = s.graph.get(id);
        if let Node::Global { module, qualname } = node {
            // Other symbolic nodes were reported (and refused) where they were made; a bare reference to a
            // recognized class is only wrong once it is part of the result.
            let message = format!("the result contains a reference to {module}.{qualname}, which is not data");
            let offset = s.findings.offset_of(module, qualname).unwrap_or(0) as usize;
            let global = Some((module.as_str(), qualname.as_str()));
            s.findings.add(
                offset,
                "<result>",
                global,
                FindingSeverity::Warning,
                FindingKind::NonDataValue,
                message.clone(),
            );
            if s.options.policy != Policy::Inspect {
                return Err(DecodeError::new(ErrorCode::Unsafe, offset, message));
            }
        } else if s.options.policy != Policy::Inspect && is_symbolic(node) {
            let message = format!("the result contains a {}, which is not data", node_kind(node));
            return Err(DecodeError::new(ErrorCode::Unsafe, 0, message));
        }
        children.clear();
        node_children(node, &mut children);
        todo.extend_from_slice(&children);
    }
    Ok(())
}

fn restore_blob(graph: &mut Graph, blob: NodeId, array: NodeId) {
    let data = match graph.get(array) {
        Node::NdArray(a) => match &a.data {
            ArrayData::Bytes(d) => d.clone(),
            ArrayData::Objects(_) => return,
        },
        _ => return,
    };
    if let Some(Node::Bytes(b) | Node::ByteArray(b)) = graph.get_mut(blob)
        && b.is_empty()
    {
        *b = data;
    }
}

/// The ids a node refers to.
pub(crate) fn node_children(node: &Node, out: &mut Vec<NodeId>) {
    match node {
        Node::List(v) | Node::Tuple(v) | Node::Set(v) | Node::FrozenSet(v) => out.extend_from_slice(v),
        Node::Dict(p) | Node::OrderedDict(p) | Node::Counter(p) | Node::DefaultDict { items: p, .. } => {
            out.extend(p.iter().flat_map(|&(k, v)| [k, v]));
        }
        Node::Deque { items, .. } => out.extend_from_slice(items),
        Node::Time { tzinfo, .. } | Node::DateTime { tzinfo, .. } => out.extend(tzinfo.iter().copied()),
        Node::TimeZone { offset, .. } => out.push(*offset),
        Node::Range { start, stop, step } | Node::Slice { start, stop, step } => out.extend([*start, *stop, *step]),
        Node::NdArray(a) => {
            if let ArrayData::Objects(items) = &a.data {
                out.extend_from_slice(items);
            }
        }
        Node::Call { callable, args } => out.extend([*callable, *args]),
        Node::New { class, args, kwargs } => {
            out.extend([*class, *args]);
            out.extend(kwargs.iter().copied());
        }
        Node::Build { target, state } => out.extend([*target, *state]),
        Node::Mutate { target, items, .. } => {
            out.push(*target);
            out.extend_from_slice(items);
        }
        Node::PersistentRef { pid } => out.push(*pid),
        _ => {}
    }
}
