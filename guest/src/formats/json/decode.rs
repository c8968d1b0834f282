//! JSON → graph: plain JSON as list / dict / scalars, `{"$type": ...}` objects as the kinds of
//! `docs/value-model.md`. An explicit frame stack bounds nesting by `max_depth`, never by the call stack.

use super::lexer::{JsonStr, Lexer};
use crate::formats::msgpack::{
    Field, Kind, Res, Shape, Sink, Spec, TranscodeError, TranscodeLimits, Val, by_name, required,
};
use crate::pickle::value::{Graph, Node, NodeId};

enum Role {
    Root(Option<Val>),
    Array(Vec<NodeId>),
    Object(Vec<NodeId>),
    Tagged { spec: &'static Spec, vals: Vec<Option<Val>>, current: usize, anchor: Option<NodeId> },
    Ids(Vec<NodeId>),
    Pair(Vec<NodeId>),
    Pairs(Vec<NodeId>),
    ListOf(&'static Shape, Vec<Val>),
    Record(&'static [Field], Vec<Val>),
}

struct Frame {
    role: Role,
    level: usize,
    dest: Option<NodeId>,
    at: usize,
}

impl Frame {
    fn expect(&self) -> (Shape, Option<NodeId>) {
        match &self.role {
            Role::Root(_) | Role::Array(_) | Role::Object(_) | Role::Ids(_) | Role::Pair(_) => (Shape::Value, None),
            Role::Pairs(_) => (Shape::Pair, None),
            Role::ListOf(shape, _) => (**shape, None),
            Role::Record(fields, vals) => (fields.get(vals.len()).map_or(Shape::Value, |f| f.shape), None),
            Role::Tagged { spec, current, anchor, .. } => {
                let shape = spec.fields.get(*current).map_or(Shape::Value, |f| f.shape);
                (shape, if spec.kind == Kind::Anchor { *anchor } else { None })
            }
        }
    }

    fn is_object(&self) -> bool {
        matches!(self.role, Role::Object(_) | Role::Tagged { .. })
    }
}

struct Reader<'a, 'l> {
    lex: Lexer<'a>,
    sink: Sink<'l>,
    stack: Vec<Frame>,
    /// Where the value being delivered started (for error offsets).
    value_at: usize,
}

/// Reads JSON — the lossless rendering of [`super::to_json`] or any plain JSON — into a graph and its root.
/// An object whose first member is `"$type"` is a tagged value; `"$type"` anywhere else is refused.
pub fn from_json(text: &str, limits: &TranscodeLimits) -> Result<(Graph, NodeId), TranscodeError> {
    if text.len() > limits.max_bytes {
        return Err(TranscodeError::limit(limits.max_bytes, format!("input is over {} bytes", limits.max_bytes)));
    }
    let mut reader = Reader {
        lex: Lexer { src: text.as_bytes(), pos: 0 },
        sink: Sink::new(limits, true),
        stack: Vec::new(),
        value_at: 0,
    };
    let root = reader.run()?;
    Ok((reader.sink.graph, root))
}

impl Reader<'_, '_> {
    fn run(&mut self) -> Res<NodeId> {
        self.stack.push(Frame { role: Role::Root(None), level: 0, dest: None, at: 0 });
        let mut need_value = true;
        loop {
            let Some(top) = self.stack.last() else {
                return Err(TranscodeError::malformed(self.lex.pos, "empty reader stack"));
            };
            if need_value {
                let (shape, dest) = top.expect();
                need_value = match self.start(shape, dest)? {
                    Some(val) => {
                        self.deliver(val)?;
                        false
                    }
                    None => self.opened()?,
                };
                continue;
            }
            if let Role::Root(_) = top.role {
                if let Some(b) = self.lex.peek() {
                    return Err(TranscodeError::malformed(self.lex.pos, format!("trailing data (byte 0x{b:02x})")));
                }
                let val = match self.stack.pop().map(|f| f.role) {
                    Some(Role::Root(Some(val))) => val,
                    _ => return Err(TranscodeError::malformed(0, "no value")),
                };
                return self.sink.id_of(val, 0);
            }
            let is_object = top.is_object();
            let next = self.lex.peek();
            let at = self.lex.pos;
            match (next, is_object) {
                (Some(b','), true) => {
                    self.lex.pos += 1;
                    self.key()?;
                    need_value = true;
                }
                (Some(b','), false) => {
                    self.lex.pos += 1;
                    need_value = true;
                }
                (Some(b'}'), true) | (Some(b']'), false) => {
                    self.lex.pos += 1;
                    self.close()?;
                }
                (None, _) => return Err(TranscodeError::malformed(at, "unexpected end of input")),
                _ => {
                    return Err(TranscodeError::malformed(
                        at,
                        if is_object { "expected , or }" } else { "expected , or ]" },
                    ));
                }
            }
        }
    }

    fn push(&mut self, role: Role, deeper: bool, dest: Option<NodeId>, at: usize) -> Res<()> {
        let level = self.stack.last().map_or(0, |f| f.level) + usize::from(deeper);
        let max = self.sink.limits().max_depth;
        if level > max {
            return Err(TranscodeError::limit(at, format!("nesting deeper than {max}")));
        }
        self.stack.push(Frame { role, level, dest, at });
        Ok(())
    }

    /// Starts a value of `shape`: returns it if complete, `None` after pushing a frame (its bracket consumed).
    fn start(&mut self, shape: Shape, dest: Option<NodeId>) -> Res<Option<Val>> {
        let c = self.lex.peek();
        let at = self.lex.pos;
        self.value_at = at;
        let structural = match shape {
            Shape::Value => None,
            Shape::Data if c == Some(b'"') => None,
            Shape::Values | Shape::Data => Some(Role::Ids(Vec::new())),
            Shape::Pair => Some(Role::Pair(Vec::with_capacity(2))),
            Shape::Pairs => Some(Role::Pairs(Vec::new())),
            Shape::List(inner) => Some(Role::ListOf(inner, Vec::new())),
            Shape::Record(fields) => Some(Role::Record(fields, Vec::new())),
        };
        if let Some(role) = structural {
            self.lex.expect(b'[', "an array")?;
            self.push(role, false, None, at)?;
            return Ok(None);
        }
        let node = match c {
            Some(b'[') => {
                self.lex.pos += 1;
                self.push(Role::Array(Vec::new()), true, dest, at)?;
                return Ok(None);
            }
            Some(b'{') => {
                self.lex.pos += 1;
                self.push(Role::Object(Vec::new()), true, dest, at)?;
                return Ok(None);
            }
            Some(b'"') => self.lex.string()?.into_node(),
            Some(b'-' | b'0'..=b'9') => self.lex.number()?,
            Some(_) => self.lex.word()?,
            None => return Err(TranscodeError::malformed(at, "expected a value, found end of input")),
        };
        Ok(Some(self.sink.place(node, dest)))
    }

    /// Right after an opening bracket: closes an empty container at once, reads the first key of an object.
    /// Returns whether a value is expected next.
    fn opened(&mut self) -> Res<bool> {
        let is_object = self.stack.last().is_some_and(Frame::is_object);
        let empty = if is_object { b'}' } else { b']' };
        if self.lex.peek() == Some(empty) {
            self.lex.pos += 1;
            self.close()?;
            return Ok(false);
        }
        if !is_object {
            return Ok(true);
        }
        let at = self.lex.pos;
        let key = self.key_string()?;
        self.lex.expect(b':', ":")?;
        if !matches!(&key, JsonStr::Text(k) if k == "$type") {
            return self.plain_key(key, at).map(|()| true);
        }
        let name_at = self.lex.pos;
        if self.lex.peek() != Some(b'"') {
            return Err(TranscodeError::malformed(name_at, "`$type` must be a string"));
        }
        let name = match self.lex.string()? {
            JsonStr::Text(name) => name,
            JsonStr::Points(_) => String::new(),
        };
        let Some(spec) = by_name(&name) else {
            return Err(TranscodeError::malformed(name_at, format!("unknown $type {name:?}")));
        };
        let Some(frame) = self.stack.last_mut() else {
            return Err(TranscodeError::malformed(at, "no object frame"));
        };
        if matches!(spec.kind, Kind::Anchor | Kind::Ref) && frame.dest.is_some() {
            return Err(TranscodeError::malformed(name_at, "the value of an anchor cannot be an anchor or a ref"));
        }
        let vals = spec.fields.iter().map(|_| None).collect();
        frame.role = Role::Tagged { spec, vals, current: usize::MAX, anchor: None };
        Ok(false)
    }

    fn key_string(&mut self) -> Res<JsonStr> {
        match self.lex.peek() {
            Some(b'"') => self.lex.string(),
            _ => Err(TranscodeError::malformed(self.lex.pos, "expected a string key")),
        }
    }

    fn plain_key(&mut self, key: JsonStr, at: usize) -> Res<()> {
        let id = self.sink.push(key.into_node(), at)?;
        match self.stack.last_mut().map(|f| &mut f.role) {
            Some(Role::Object(ids)) => ids.push(id),
            _ => return Err(TranscodeError::malformed(at, "key outside an object")),
        }
        Ok(())
    }

    /// A key after `,` in an object (plain or tagged), and its `:`.
    fn key(&mut self) -> Res<()> {
        let at = self.lex.pos;
        let key = self.key_string()?;
        self.lex.expect(b':', ":")?;
        let Some(frame) = self.stack.last_mut() else {
            return Err(TranscodeError::malformed(at, "key outside an object"));
        };
        match (&mut frame.role, key) {
            (Role::Object(_), JsonStr::Text(k)) if k == "$type" => {
                Err(TranscodeError::malformed(at, "`$type` must be the first member of an object"))
            }
            (Role::Object(_), key) => self.plain_key(key, at),
            (Role::Tagged { spec, vals, current, anchor }, JsonStr::Text(k)) => {
                let Some(index) = spec.fields.iter().position(|f| f.name == k) else {
                    return Err(TranscodeError::malformed(at, format!("unknown member {k:?} of {:?}", spec.name)));
                };
                if vals.get(index).is_some_and(Option::is_some) {
                    return Err(TranscodeError::malformed(at, format!("duplicate member {k:?}")));
                }
                if spec.kind == Kind::Anchor && index == 1 && anchor.is_none() {
                    return Err(TranscodeError::malformed(at, "an anchor's `id` must come before its `value`"));
                }
                *current = index;
                Ok(())
            }
            (Role::Tagged { .. }, JsonStr::Points(_)) => Err(TranscodeError::malformed(at, "unknown member")),
            _ => Err(TranscodeError::malformed(at, "key outside an object")),
        }
    }

    fn deliver(&mut self, val: Val) -> Res<()> {
        let at = self.value_at;
        let Some(frame) = self.stack.last_mut() else {
            return Err(TranscodeError::malformed(at, "value outside any frame"));
        };
        match &mut frame.role {
            Role::Root(slot) => *slot = Some(val),
            Role::Array(ids) | Role::Object(ids) | Role::Ids(ids) => ids.push(self.sink.id_of(val, at)?),
            Role::Pair(ids) if ids.len() < 2 => ids.push(self.sink.id_of(val, at)?),
            Role::Pair(_) => return Err(TranscodeError::malformed(at, "a pair has 2 elements")),
            Role::Pairs(ids) => match val {
                Val::Ids(pair) => ids.extend(pair),
                _ => return Err(TranscodeError::malformed(at, "expected a [key, value] pair")),
            },
            Role::ListOf(_, vals) => vals.push(val),
            Role::Record(fields, vals) if vals.len() < fields.len() => vals.push(val),
            Role::Record(..) => return Err(TranscodeError::malformed(at, "too many elements")),
            Role::Tagged { spec, vals, current, anchor } => {
                if spec.kind == Kind::Anchor && *current == 0 {
                    let id = match &val {
                        Val::Atom(Node::Int(i)) if *i >= 0 => *i as u64,
                        _ => return Err(TranscodeError::malformed(at, "an anchor id is a non-negative int")),
                    };
                    *anchor = Some(self.sink.define_anchor(id, frame.at)?);
                }
                match vals.get_mut(*current) {
                    Some(slot) => *slot = Some(val),
                    None => return Err(TranscodeError::malformed(at, "value without a member name")),
                }
            }
        }
        Ok(())
    }

    fn close(&mut self) -> Res<()> {
        let Some(Frame { role, dest, at, .. }) = self.stack.pop() else {
            return Err(TranscodeError::malformed(self.lex.pos, "nothing to close"));
        };
        self.value_at = at;
        let val = match role {
            Role::Root(_) => return Err(TranscodeError::malformed(at, "unbalanced bracket")),
            Role::Array(ids) => self.sink.place(Node::List(ids), dest),
            Role::Object(ids) => self.sink.place(Node::Dict(ids.chunks_exact(2).map(|p| (p[0], p[1])).collect()), dest),
            Role::Ids(ids) | Role::Pairs(ids) => Val::Ids(ids),
            Role::Pair(ids) if ids.len() == 2 => Val::Ids(ids),
            Role::Pair(_) => return Err(TranscodeError::malformed(at, "a pair has 2 elements")),
            Role::ListOf(_, vals) => Val::Seq(vals),
            Role::Record(fields, vals) if vals.len() >= required(fields) => Val::Seq(vals),
            Role::Record(..) => return Err(TranscodeError::malformed(at, "missing elements")),
            Role::Tagged { spec, mut vals, anchor, .. } => match spec.kind {
                Kind::Anchor => match (anchor, vals.get_mut(1).and_then(Option::take)) {
                    (Some(slot), Some(_)) => Val::Id(slot),
                    _ => return Err(TranscodeError::malformed(at, "an anchor needs `id` and `value`")),
                },
                Kind::Ref => match vals.get_mut(0).and_then(Option::take) {
                    Some(Val::Atom(Node::Int(i))) if i >= 0 => Val::Id(self.sink.resolve_ref(i as u64, at)?),
                    _ => return Err(TranscodeError::malformed(at, "a ref needs a non-negative int `id`")),
                },
                _ => {
                    let node = self.sink.build(spec, vals, at)?;
                    self.sink.place(node, dest)
                }
            },
        };
        self.deliver(val)
    }
}
