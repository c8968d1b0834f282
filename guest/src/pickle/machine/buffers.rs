//! NEXT_BUFFER and READONLY_BUFFER (protocol 5 out-of-band buffers). A NEXT_BUFFER with no buffer left
//! fails in CPython; `inspect` passes over it (the real loader may supply buffers, and what follows still
//! matters) but marks the stream unloadable, so `scan` never rates it below `malformed`.

use super::Machine;
use super::objects::is_symbolic;
use crate::pickle::error::{Fail, malformed};
use crate::pickle::findings::{FindingKind, FindingSeverity};
use crate::pickle::opcodes as op;
use crate::pickle::policy::Policy;
use crate::pickle::value::Node;

impl Machine<'_, '_> {
    /// NEXT_BUFFER / READONLY_BUFFER.
    pub(super) fn buffer(&mut self) -> Result<(), Fail> {
        if self.op == op::READONLY_BUFFER {
            return self.readonly_buffer();
        }
        let index = self.s.next_buffer;
        if index >= self.s.options.buffers.len() {
            let message = "pickle stream refers to out-of-band data but no buffer is left";
            if self.policy() != Policy::Inspect {
                return Err(malformed(self.op_offset, message));
            }
            let (offset, opcode) = (self.op_offset, self.opname());
            let message = format!("out-of-band buffer #{index} was not supplied ({message}: CPython raises)");
            self.s.findings.add(offset, opcode, None, FindingSeverity::Warning, FindingKind::OutOfBandBuffer, message);
            self.s.unloadable = true;
        }
        self.s.next_buffer += 1;
        self.s.needs_walk = true;
        let index = u32::try_from(index).unwrap_or(u32::MAX);
        self.push_node(Node::OobBuffer { index, readonly: false })
    }

    /// READONLY_BUFFER: `memoryview(top)` made read-only. An out-of-band buffer becomes its read-only
    /// form; a value of a known type without the buffer protocol makes CPython raise (TypeError).
    fn readonly_buffer(&mut self) -> Result<(), Fail> {
        let top = self.top()?;
        let node = self.s.graph.get(top);
        if let Node::OobBuffer { index, readonly: false } = *node {
            let id = self.node(Node::OobBuffer { index, readonly: true })?;
            if let Some(slot) = self.stack.last_mut() {
                *slot = id;
            }
            return Ok(());
        }
        let has_buffer = matches!(
            node,
            Node::Bytes(_) | Node::ByteArray(_) | Node::NdArray(_) | Node::NumpyScalar { .. } | Node::OobBuffer { .. }
        );
        if !has_buffer && !is_symbolic(node) {
            let kind = super::objects::node_kind(node);
            return Err(malformed(self.op_offset, format!("READONLY_BUFFER on a {kind}, which is not a buffer")));
        }
        Ok(())
    }
}
