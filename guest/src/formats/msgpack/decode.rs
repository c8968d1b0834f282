//! msgpack → graph. A reader with an explicit frame stack: arrays, maps and ext payloads each get a frame,
//! so nesting depth is bounded by `max_depth`, never by the call stack. Every declared length is checked
//! against the bytes that remain (inside the enclosing ext payload) before anything is allocated.

use num_bigint::BigInt;

use super::limits::{TranscodeError, TranscodeLimits};
use super::schema::{self, Field, Kind, Shape, Spec};
use super::sink::{Res, Sink, Val};
use crate::pickle::value::{Graph, Node, NodeId};

/// Largest initial capacity reserved from a declared length (the rest grows as items actually arrive).
const RESERVE_CAP: usize = 1 << 16;

enum Role {
    Root(Option<Val>),
    List(Vec<NodeId>),
    Map(Vec<NodeId>),
    Ext { spec: &'static Spec, end: usize, val: Option<Val> },
    Anchor { slot: NodeId, end: usize },
    Ids(Vec<NodeId>),
    Pairs(Vec<NodeId>),
    ListOf(&'static Shape, Vec<Val>),
    Record(&'static [Field], Vec<Val>),
}

struct Frame {
    role: Role,
    /// Values still to read.
    remaining: usize,
    /// End of the enclosing ext payload (or of the input).
    limit: usize,
    level: usize,
    dest: Option<NodeId>,
    at: usize,
}

impl Frame {
    /// Shape of the next value, and the anchor node it must be written into, if any.
    fn expect(&self) -> (Shape, Option<NodeId>) {
        match &self.role {
            Role::Root(_) | Role::List(_) | Role::Map(_) | Role::Ids(_) => (Shape::Value, None),
            Role::Anchor { slot, .. } => (Shape::Value, Some(*slot)),
            Role::Pairs(_) => (Shape::Pair, None),
            Role::ListOf(shape, _) => (**shape, None),
            Role::Record(fields, vals) => (fields.get(vals.len()).map_or(Shape::Value, |f| f.shape), None),
            Role::Ext { spec, .. } => (payload_shape(spec), None),
        }
    }
}

/// The shape of a kind's whole ext payload.
pub(crate) fn payload_shape(spec: &'static Spec) -> Shape {
    match spec.fields.first() {
        Some(field) if spec.single => field.shape,
        _ => Shape::Record(spec.fields),
    }
}

struct Reader<'b, 'l> {
    buf: &'b [u8],
    pos: usize,
    sink: Sink<'l>,
    stack: Vec<Frame>,
}

/// Decodes one msgpack document of the value model (`docs/value-model.md`) into a graph and its root.
/// Plain msgpack from other producers is accepted too (maps with any keys, uint64, float32).
pub fn from_msgpack(bytes: &[u8], limits: &TranscodeLimits) -> Result<(Graph, NodeId), TranscodeError> {
    if bytes.len() > limits.max_bytes {
        return Err(TranscodeError::limit(limits.max_bytes, format!("input is over {} bytes", limits.max_bytes)));
    }
    let mut reader = Reader { buf: bytes, pos: 0, sink: Sink::new(limits, false), stack: Vec::new() };
    let root = reader.run()?;
    Ok((reader.sink.graph, root))
}

fn need_marker(at: usize, what: &str) -> TranscodeError {
    TranscodeError::malformed(at, format!("expected {what}"))
}

impl Reader<'_, '_> {
    fn run(&mut self) -> Res<NodeId> {
        let end = self.buf.len();
        self.stack.push(Frame { role: Role::Root(None), remaining: 1, limit: end, level: 0, dest: None, at: 0 });
        loop {
            while let Some(frame) = self.stack.pop_if(|f| f.remaining == 0) {
                let val = self.finish(frame)?;
                if self.stack.is_empty() {
                    if self.pos != end {
                        return Err(TranscodeError::malformed(self.pos, "trailing data after the value"));
                    }
                    return self.sink.id_of(val, 0);
                }
                self.deliver(val)?;
            }
            let Some(top) = self.stack.last() else {
                return Err(TranscodeError::malformed(self.pos, "empty reader stack"));
            };
            let (shape, dest) = top.expect();
            if let Some(val) = self.read(shape, dest)? {
                self.deliver(val)?;
            }
        }
    }

    fn limit(&self) -> usize {
        self.stack.last().map_or(self.buf.len(), |f| f.limit)
    }

    fn level(&self) -> usize {
        self.stack.last().map_or(0, |f| f.level)
    }

    fn take(&mut self, n: usize, limit: usize) -> Res<&[u8]> {
        let end = self.pos.checked_add(n).filter(|e| *e <= limit);
        let Some(end) = end else {
            let what = if limit < self.buf.len() { "end of ext payload" } else { "end of input" };
            return Err(TranscodeError::malformed(self.pos, format!("{n} bytes needed, {what} reached")));
        };
        let bytes = self.buf.get(self.pos..end).unwrap_or(&[]);
        self.pos = end;
        Ok(bytes)
    }

    fn be(&mut self, n: usize, limit: usize) -> Res<u64> {
        Ok(self.take(n, limit)?.iter().fold(0u64, |acc, b| (acc << 8) | u64::from(*b)))
    }

    /// A declared length, refused when it cannot fit in what remains (`per` bytes per element at least).
    fn length(&mut self, n: usize, per: usize, limit: usize, at: usize) -> Res<usize> {
        let len = self.be(n, limit)? as usize;
        let room = limit.saturating_sub(self.pos);
        if len.saturating_mul(per) > room {
            return Err(TranscodeError::malformed(at, format!("declared length {len} exceeds the {room} bytes left")));
        }
        Ok(len)
    }

    fn push(
        &mut self,
        role: Role,
        remaining: usize,
        deeper: bool,
        dest: Option<NodeId>,
        at: usize,
        limit: usize,
    ) -> Res<()> {
        let level = self.level() + usize::from(deeper);
        if level > self.sink.limits().max_depth {
            return Err(TranscodeError::limit(at, format!("nesting deeper than {}", self.sink.limits().max_depth)));
        }
        self.stack.push(Frame { role, remaining, limit, level, dest, at });
        Ok(())
    }

    /// Array length if the marker at `at` starts an array.
    fn array_len(&mut self, marker: u8, at: usize, limit: usize) -> Res<Option<usize>> {
        Ok(match marker {
            0x90..=0x9F => {
                let n = usize::from(marker & 0x0F);
                if n > limit.saturating_sub(self.pos) {
                    return Err(TranscodeError::malformed(at, "array longer than the bytes left"));
                }
                Some(n)
            }
            0xDC => Some(self.length(2, 1, limit, at)?),
            0xDD => Some(self.length(4, 1, limit, at)?),
            _ => None,
        })
    }

    /// Reads one value of `shape`: returns it when it is complete, or `None` when a frame was pushed.
    fn read(&mut self, shape: Shape, dest: Option<NodeId>) -> Res<Option<Val>> {
        let at = self.pos;
        let limit = self.limit();
        let marker = self.take(1, limit)?.first().copied().unwrap_or(0xC1);
        if let Shape::Value = shape {
            return self.value(marker, at, limit, dest);
        }
        if let (Shape::Data, 0xC4..=0xC6) = (shape, marker) {
            return self.value(marker, at, limit, None);
        }
        let Some(n) = self.array_len(marker, at, limit)? else {
            return Err(need_marker(at, "an array"));
        };
        let cap = n.min(RESERVE_CAP);
        let role = match shape {
            Shape::Values | Shape::Data => Role::Ids(Vec::with_capacity(cap)),
            Shape::Pair if n == 2 => Role::Ids(Vec::with_capacity(2)),
            Shape::Pair => return Err(TranscodeError::malformed(at, "a pair has 2 elements")),
            Shape::Pairs => Role::Pairs(Vec::with_capacity(cap.saturating_mul(2))),
            Shape::List(inner) => Role::ListOf(inner, Vec::with_capacity(cap.min(1024))),
            Shape::Record(fields) => {
                if n < schema::required(fields) || n > fields.len() {
                    let names: Vec<&str> = fields.iter().map(|f| f.name).collect();
                    return Err(TranscodeError::malformed(at, format!("{n} fields given for [{}]", names.join(", "))));
                }
                Role::Record(fields, Vec::with_capacity(n))
            }
            Shape::Value => return Err(need_marker(at, "a value")),
        };
        self.push(role, n, false, None, at, limit)?;
        Ok(None)
    }

    fn atom(&mut self, node: Node, dest: Option<NodeId>) -> Res<Option<Val>> {
        Ok(Some(self.sink.place(node, dest)))
    }

    fn value(&mut self, marker: u8, at: usize, limit: usize, dest: Option<NodeId>) -> Res<Option<Val>> {
        let node = match marker {
            0x00..=0x7F => Node::Int(marker.into()),
            0xE0..=0xFF => Node::Int((marker as i8).into()),
            0xC0 => Node::None,
            0xC2 => Node::Bool(false),
            0xC3 => Node::Bool(true),
            0xCC..=0xCF => {
                let v = self.be(1 << (marker - 0xCC), limit)?;
                i64::try_from(v).map_or_else(|_| Node::BigInt(BigInt::from(v)), Node::Int)
            }
            0xD0..=0xD3 => {
                let n = 1usize << (marker - 0xD0);
                let v = self.be(n, limit)?;
                let shift = 64 - 8 * n as u32;
                Node::Int(((v << shift) as i64) >> shift)
            }
            0xCA => Node::Float(f32::from_bits(self.be(4, limit)? as u32).into()),
            0xCB => Node::Float(f64::from_bits(self.be(8, limit)?)),
            0xA0..=0xBF | 0xD9..=0xDB => {
                let n = match marker {
                    0xA0..=0xBF => usize::from(marker & 0x1F),
                    _ => self.length(1 << (marker - 0xD9), 1, limit, at)?,
                };
                let bytes = self.take(n, limit)?;
                match std::str::from_utf8(bytes) {
                    Ok(s) => Node::Str(s.to_owned()),
                    Err(e) => return Err(TranscodeError::malformed(at + 1 + e.valid_up_to(), "str is not UTF-8")),
                }
            }
            0xC4..=0xC6 => {
                let n = self.length(1 << (marker - 0xC4), 1, limit, at)?;
                Node::Bytes(self.take(n, limit)?.to_vec())
            }
            0x90..=0x9F | 0xDC | 0xDD => {
                let n = self.array_len(marker, at, limit)?.unwrap_or(0);
                self.push(Role::List(Vec::with_capacity(n.min(RESERVE_CAP))), n, true, dest, at, limit)?;
                return Ok(None);
            }
            0x80..=0x8F | 0xDE | 0xDF => {
                let n = match marker {
                    0xDE => self.length(2, 2, limit, at)?,
                    0xDF => self.length(4, 2, limit, at)?,
                    _ => usize::from(marker & 0x0F),
                };
                if n.saturating_mul(2) > limit.saturating_sub(self.pos) {
                    return Err(TranscodeError::malformed(at, "map longer than the bytes left"));
                }
                self.push(Role::Map(Vec::with_capacity(n.min(RESERVE_CAP) * 2)), n * 2, true, dest, at, limit)?;
                return Ok(None);
            }
            0xD4..=0xD8 | 0xC7..=0xC9 => return self.ext(marker, at, limit, dest),
            _ => return Err(TranscodeError::malformed(at, format!("byte 0x{marker:02x} is not a msgpack marker"))),
        };
        self.atom(node, dest)
    }

    fn ext(&mut self, marker: u8, at: usize, limit: usize, dest: Option<NodeId>) -> Res<Option<Val>> {
        let len = match marker {
            0xD4..=0xD8 => 1usize << (marker - 0xD4),
            _ => self.length(1 << (marker - 0xC7), 1, limit, at)?,
        };
        let code = self.take(1, limit)?.first().copied().unwrap_or(0) as i8;
        let end = self.pos.saturating_add(len);
        if end > limit {
            return Err(TranscodeError::malformed(at, "ext longer than the bytes left"));
        }
        let Some(spec) = schema::by_code(code) else {
            return Err(TranscodeError::malformed(at, format!("unknown ext type {code}")));
        };
        match spec.kind {
            Kind::Ref | Kind::Anchor if dest.is_some() => {
                Err(TranscodeError::malformed(at, "the value of an anchor cannot be an anchor or a ref"))
            }
            Kind::Ref => {
                let id = self.uint(end)?;
                if self.pos != end {
                    return Err(TranscodeError::malformed(self.pos, "bytes left in ref payload"));
                }
                Ok(Some(Val::Id(self.sink.resolve_ref(id, at)?)))
            }
            Kind::Anchor => {
                let mark_at = self.pos;
                let marker = self.take(1, end)?.first().copied().unwrap_or(0xC1);
                if self.array_len(marker, mark_at, end)? != Some(2) {
                    return Err(TranscodeError::malformed(mark_at, "an anchor is [id, value]"));
                }
                let id = self.uint(end)?;
                let slot = self.sink.define_anchor(id, at)?;
                self.push(Role::Anchor { slot, end }, 1, false, None, at, end)?;
                Ok(None)
            }
            _ => {
                self.push(Role::Ext { spec, end, val: None }, 1, true, dest, at, end)?;
                Ok(None)
            }
        }
    }

    fn uint(&mut self, limit: usize) -> Res<u64> {
        let at = self.pos;
        let marker = self.take(1, limit)?.first().copied().unwrap_or(0xC1);
        match marker {
            0x00..=0x7F => Ok(marker.into()),
            0xCC..=0xCF => self.be(1 << (marker - 0xCC), limit),
            _ => Err(need_marker(at, "a non-negative int")),
        }
    }

    fn deliver(&mut self, val: Val) -> Res<()> {
        let Some(frame) = self.stack.last_mut() else {
            return Err(TranscodeError::malformed(self.pos, "value outside any frame"));
        };
        let at = self.pos;
        frame.remaining = frame.remaining.saturating_sub(1);
        match &mut frame.role {
            Role::Root(slot) => *slot = Some(val),
            Role::List(ids) | Role::Map(ids) | Role::Ids(ids) => ids.push(self.sink.id_of(val, at)?),
            Role::Pairs(ids) => match val {
                Val::Ids(pair) => ids.extend(pair),
                _ => return Err(TranscodeError::malformed(at, "expected a [key, value] pair")),
            },
            Role::ListOf(_, vals) | Role::Record(_, vals) => vals.push(val),
            Role::Ext { val: slot, .. } => *slot = Some(val),
            Role::Anchor { .. } => {}
        }
        Ok(())
    }

    fn finish(&mut self, frame: Frame) -> Res<Val> {
        let Frame { role, dest, at, .. } = frame;
        let ends_at = |end: usize, pos: usize| {
            if pos == end {
                Ok(())
            } else {
                Err(TranscodeError::malformed(pos, format!("{} bytes left in ext payload", end.saturating_sub(pos))))
            }
        };
        Ok(match role {
            Role::Root(val) => val.ok_or_else(|| TranscodeError::malformed(at, "no value"))?,
            Role::List(ids) => self.sink.place(Node::List(ids), dest),
            Role::Map(ids) => self.sink.place(Node::Dict(ids.chunks_exact(2).map(|p| (p[0], p[1])).collect()), dest),
            Role::Ids(ids) | Role::Pairs(ids) => Val::Ids(ids),
            Role::ListOf(_, vals) | Role::Record(_, vals) => Val::Seq(vals),
            Role::Anchor { slot, end } => {
                ends_at(end, self.pos)?;
                Val::Id(slot)
            }
            Role::Ext { spec, end, val } => {
                ends_at(end, self.pos)?;
                let val = val.ok_or_else(|| TranscodeError::malformed(at, "empty ext payload"))?;
                let mut fields: Vec<Option<Val>> = match val {
                    Val::Seq(vals) if !spec.single => vals.into_iter().map(Some).collect(),
                    other => vec![Some(other)],
                };
                fields.resize_with(spec.fields.len(), || None);
                let node = self.sink.build(spec, fields, at)?;
                self.sink.place(node, dest)
            }
        })
    }
}
