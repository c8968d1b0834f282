//! The stack machine: CPython `_pickle.c` semantics for all 68 opcodes of protocols 0–5, over a byte
//! slice, with no code path that imports or calls anything. One [`Machine`] runs one pickle (fresh stack,
//! MARK stack and memo, as a fresh `Unpickler` would); the [`Session`] holds what the pickles of one
//! stream share: the graph, the findings, the opcode budget, the out-of-band buffer cursor.

mod buffers;
mod containers;
mod joblib_inline;
pub(crate) mod objects;
mod scalars;
mod stack;

use std::collections::HashMap;

use super::decode::DecodeOptions;
use super::error::{Fail, malformed, resource};
use super::findings::{FindingKind, FindingSeverity, FindingSink};
use super::limits::PickleLimits;
use super::opcodes as op;
use super::policy::Policy;
use super::reader::Reader;
use super::value::{Graph, Node, NodeId};

pub(crate) use stack::Memo;

/// State shared by the pickles of one stream.
pub(crate) struct Session<'a> {
    pub input: &'a [u8],
    pub options: &'a DecodeOptions,
    pub graph: Graph,
    pub findings: FindingSink,
    /// Blob node → array node that took its bytes (restored if the blob is still reachable).
    pub stolen: HashMap<NodeId, NodeId>,
    pub opcodes: u64,
    pub next_buffer: usize,
    /// Something CPython would raise on was passed over so that scanning could go on (an out-of-band
    /// buffer the loader did not supply): the stream cannot be loaded as it stands.
    pub unloadable: bool,
    /// Whether any node was made that the final walk must look at (globals, out-of-band buffers, moved
    /// blobs); plain-data streams skip the walk.
    pub needs_walk: bool,
}

impl<'a> Session<'a> {
    pub(crate) fn new(input: &'a [u8], options: &'a DecodeOptions) -> Self {
        let mut graph = Graph::new();
        // Until a memo fetch, a DUP or an object opcode says otherwise, every stack item is consumed once.
        graph.set_tree(true);
        Session {
            input,
            options,
            graph,
            findings: FindingSink::new(options.limits.max_findings),
            stolen: HashMap::new(),
            opcodes: 0,
            next_buffer: 0,
            unloadable: false,
            needs_walk: false,
        }
    }
}

/// One pickle being executed.
pub(crate) struct Machine<'s, 'a> {
    s: &'s mut Session<'a>,
    reader: Reader<'a>,
    stack: Vec<NodeId>,
    marks: Vec<usize>,
    memo: Memo,
    proto: u8,
    /// Recognized calls / objects awaiting their BUILD.
    pending: Vec<NodeId>,
    /// Offset and byte of the opcode being executed.
    op_offset: usize,
    op: u8,
    /// Inside joblib's nested object-array pickle (no inline-array rule there, as in joblib).
    nested: bool,
}

/// Runs one pickle starting at `start`; returns its root and the offset after its STOP.
pub(crate) fn run_pickle(s: &mut Session<'_>, start: usize, nested: bool) -> Result<(NodeId, usize), Fail> {
    let reader = Reader::new(s.input, start);
    let mut m = Machine {
        s,
        reader,
        stack: Vec::with_capacity(64),
        marks: Vec::with_capacity(16),
        memo: Memo::default(),
        proto: 0,
        pending: Vec::new(),
        op_offset: start,
        op: 0,
        nested,
    };
    match m.run() {
        Ok(root) => Ok((root, m.reader.pos())),
        Err(mut e) => {
            if e.opcode.is_none() && m.op_offset < m.s.input.len() {
                e.opcode = op::name(m.op);
            }
            Err(e)
        }
    }
}

impl<'s, 'a> Machine<'s, 'a> {
    fn limits(&self) -> &PickleLimits {
        &self.s.options.limits
    }

    fn policy(&self) -> Policy {
        self.s.options.policy
    }

    fn opname(&self) -> &'static str {
        op::label(self.op)
    }

    fn run(&mut self) -> Result<NodeId, Fail> {
        let start = self.reader.pos();
        if self.reader.at_end() {
            let mut e = malformed(start, "empty pickle stream");
            e.truncated = true;
            return Err(e);
        }
        let max_opcodes = self.limits().max_opcodes;
        loop {
            self.op_offset = self.reader.pos();
            self.op = self.reader.byte()?;
            self.s.opcodes += 1;
            if self.s.opcodes > max_opcodes {
                return Err(resource(self.op_offset, "opcode budget exhausted (max_opcodes)"));
            }
            match self.op {
                op::BINFLOAT => {
                    let b = self.reader.take(8)?;
                    let mut a = [0u8; 8];
                    a.copy_from_slice(b);
                    self.push_node(Node::Float(f64::from_be_bytes(a)))?;
                }
                op::BININT1 => {
                    let v = self.reader.byte()?;
                    self.push_node(Node::Int(i64::from(v)))?;
                }
                op::BININT2 => {
                    let v = self.reader.u16_le()?;
                    self.push_node(Node::Int(i64::from(v)))?;
                }
                op::BININT => {
                    let v = self.reader.u32_le()? as i32;
                    self.push_node(Node::Int(i64::from(v)))?;
                }
                op::MEMOIZE => {
                    let key = self.memo.len() as u64;
                    self.memo_put(key)?;
                }
                op::BINPUT => {
                    let key = self.reader.byte()?;
                    self.memo_put(u64::from(key))?;
                }
                op::LONG_BINPUT => {
                    let key = self.reader.u32_le()?;
                    self.memo_put(u64::from(key))?;
                }
                op::BINGET => {
                    let key = self.reader.byte()?;
                    self.memo_get(u64::from(key))?;
                }
                op::LONG_BINGET => {
                    let key = self.reader.u32_le()?;
                    self.memo_get(u64::from(key))?;
                }
                op::PUT => {
                    let key = self.text_key(true)?;
                    self.memo_put(key)?;
                }
                op::GET => {
                    let key = self.text_key(false)?;
                    self.memo_get(key)?;
                }
                op::MARK => self.mark()?,
                op::STOP => return self.stop(),
                op::POP => {
                    if self.stack.len() > self.fence() {
                        self.stack.pop();
                    } else if self.marks.pop().is_none() {
                        return Err(self.underflow());
                    }
                }
                op::POP_MARK => {
                    self.pop_mark()?;
                }
                op::DUP => {
                    let top = self.top()?;
                    self.s.graph.set_tree(false);
                    self.push(top)?;
                }
                op::PROTO => {
                    let v = self.reader.byte()?;
                    if v > 5 {
                        return Err(malformed(self.op_offset, format!("unsupported pickle protocol: {v}")));
                    }
                    if self.op_offset != start {
                        self.quirk(format!("PROTO {v} not at the start of the pickle"));
                    }
                    self.proto = v;
                }
                op::FRAME => {
                    let len = self.reader.u64_le()?;
                    self.reader.start_frame(self.op_offset, len)?;
                }
                op::NONE => self.push_node(Node::None)?,
                op::NEWTRUE => self.push_node(Node::Bool(true))?,
                op::NEWFALSE => self.push_node(Node::Bool(false))?,
                op::INT | op::LONG | op::FLOAT | op::LONG1 | op::LONG4 => self.number()?,
                op::STRING
                | op::BINSTRING
                | op::SHORT_BINSTRING
                | op::UNICODE
                | op::BINUNICODE
                | op::SHORT_BINUNICODE
                | op::BINUNICODE8
                | op::BINBYTES
                | op::SHORT_BINBYTES
                | op::BINBYTES8
                | op::BYTEARRAY8 => self.string()?,
                op::EMPTY_LIST
                | op::EMPTY_TUPLE
                | op::EMPTY_DICT
                | op::EMPTY_SET
                | op::LIST
                | op::TUPLE
                | op::TUPLE1
                | op::TUPLE2
                | op::TUPLE3
                | op::DICT
                | op::FROZENSET => self.container()?,
                op::APPEND | op::APPENDS | op::SETITEM | op::SETITEMS | op::ADDITEMS => self.fill()?,
                op::GLOBAL
                | op::STACK_GLOBAL
                | op::REDUCE
                | op::BUILD
                | op::NEWOBJ
                | op::NEWOBJ_EX
                | op::OBJ
                | op::INST
                | op::EXT1
                | op::EXT2
                | op::EXT4
                | op::PERSID
                | op::BINPERSID
                | op::NEXT_BUFFER
                | op::READONLY_BUFFER => self.object_op()?,
                other => {
                    return Err(malformed(self.op_offset, format!("invalid load key, {:#04x}", other)));
                }
            }
        }
    }

    /// PUT / GET text key: `PyLong_FromString(line, 10)`, non-negative. A PUT key too large for 64 bits
    /// is over any memo cap (`resource-limit`, as for LONG_BINPUT); such a GET key was never set.
    fn text_key(&mut self, put: bool) -> Result<u64, Fail> {
        let line = self.reader.line()?;
        match super::text::parse_py_int(line, false) {
            Ok(Node::Int(v)) if v >= 0 => Ok(v as u64),
            Ok(Node::Int(_)) => Err(malformed(self.op_offset, "negative memo key")),
            Ok(Node::BigInt(v)) if put && v.sign() == num_bigint::Sign::Plus => {
                Err(resource(self.op_offset, format!("memo index {v} is not below max_memo")))
            }
            _ => Err(malformed(self.op_offset, "invalid memo key")),
        }
    }

    fn quirk(&mut self, message: String) {
        let (offset, opcode) = (self.op_offset, self.opname());
        self.s.findings.add(offset, opcode, None, FindingSeverity::Info, FindingKind::ProtocolQuirk, message);
    }

    /// STOP: the top of the stack is the result; leftovers are tolerated as CPython does. Recognized
    /// objects still awaiting their BUILD are reported (and refused outside `inspect`).
    fn stop(&mut self) -> Result<NodeId, Fail> {
        let root = self.pop()?;
        let pending = std::mem::take(&mut self.pending);
        for id in pending {
            if matches!(self.s.graph.get(id), Node::Call { .. } | Node::New { .. }) {
                let what = self.describe(id);
                self.code_capable(
                    FindingKind::IncompleteObject,
                    None,
                    format!("{what} was created but never completed by BUILD"),
                )?;
            }
        }
        self.reader.end_of_pickle();
        Ok(root)
    }
}
