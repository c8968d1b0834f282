//! joblib's inline arrays: after the BUILD of a `NumpyArrayWrapper`, joblib's unpickler reads the array
//! straight from the raw stream (after committing any frame) and puts it on the stack in place of the
//! wrapper. We do the same reads, so whatever follows the array bytes is parsed like the rest — the
//! classic scanner blind spot (a payload spliced after an array) is seen.

use super::Machine;
use crate::pickle::error::Fail;
use crate::pickle::recognize::JoblibLayout;
use crate::pickle::value::{ArrayData, NdArray, Node, NodeId};

impl Machine<'_, '_> {
    /// Reads the array a wrapper announces and returns its node. The wrapper node itself stays a
    /// (complete) symbolic object, since the memo still refers to it, as in joblib.
    pub(super) fn joblib_array(&mut self, layout: JoblibLayout, state: NodeId) -> Result<NodeId, Fail> {
        let wrapper = self.top()?;
        let moved = self.wrap_in_place(wrapper)?;
        if let Some(slot) = self.s.graph.get_mut(wrapper) {
            *slot = Node::Build { target: moved, state };
        }
        if layout.nested_pickle {
            let start = self.reader.raw_position()?;
            let (root, end) = super::run_pickle(self.s, start, true)?;
            self.reader.seek(end);
            return Ok(root);
        }
        if layout.aligned {
            let pad = self.reader.take_raw(1)?.first().copied().unwrap_or(0);
            self.reader.take_raw(u64::from(pad))?;
        }
        let data = self.reader.take_raw(layout.data_len)?.to_vec();
        let array = NdArray {
            dtype: layout.dtype,
            shape: layout.shape,
            fortran_order: layout.fortran_order,
            data: ArrayData::Bytes(data),
        };
        self.node(Node::NdArray(Box::new(array)))
    }
}
