//! The joblib layout (`joblib.dump` without compression): every numpy array is written as a
//! `joblib.numpy_pickle.NumpyArrayWrapper` object (NEWOBJ + BUILD of its attribute dict, or
//! `copyreg._reconstructor` below protocol 2), and right after its BUILD opcode the stream carries the
//! array outside the pickle opcodes:
//! - plain dtypes: one byte `n`, then `n` bytes `0xff`, so the data starts at a multiple of 16 bytes of the
//!   (uncompressed) stream (`n` is 1..=16, never 0, as joblib computes it), then the raw element bytes in
//!   the wrapper's order;
//! - dtypes holding objects: a complete nested pickle of the array (its own PROTO ... STOP and memo).
//!
//! joblib's loader replaces the wrapper on its stack by the array; the encoder then memoizes the array, so
//! a shared array stays shared (joblib itself would write it twice). Protocol 4+ frames are closed before
//! the inline bytes, which belong to no frame. Compression is applied around this output by another module.
//! `joblib.load` converts non-native byte orders to native (its own behaviour for its own files).

use super::driver::Encoder;
use super::numpy::fortran_only;
use super::task::Task;
use super::writer::op;
use super::{EncodeError, INVALID, Layout};
use crate::pickle::value::{ArrayData, NdArray, Node, NodeId};

/// joblib's `NUMPY_ARRAY_ALIGNMENT_BYTES`.
pub(crate) const ALIGNMENT: u64 = 16;

impl<'g> Encoder<'g> {
    /// Writes the NumpyArrayWrapper for `array` and schedules its inline payload.
    pub(crate) fn save_wrapped_array(&mut self, id: NodeId, array: &'g NdArray, objects: bool) {
        let mut s = self.seq();
        if self.protocol >= 2 {
            s.global("joblib.numpy_pickle", "NumpyArrayWrapper");
            s.empty_tuple();
            s.op(op::NEWOBJ);
        } else {
            s.global("copyreg", "_reconstructor");
            s.tuple_start(3);
            s.global("joblib.numpy_pickle", "NumpyArrayWrapper");
            s.global("builtins", "object");
            s.push(Task::None);
            s.tuple_end(3);
            s.op(op::REDUCE);
        }
        s.push(Task::MemoizeAnon);
        s.dict_start();
        s.setitems_start(6);
        s.str("subclass");
        s.global("numpy", "ndarray");
        s.setitems_pair_done(6);
        s.str("shape");
        s.int_tuple(&array.shape);
        s.setitems_pair_done(6);
        s.str("order");
        s.str(if fortran_only(array) { "F" } else { "C" });
        s.setitems_pair_done(6);
        s.str("dtype");
        s.push(Task::DType { dtype: &array.dtype, node: None, owner: id });
        s.setitems_pair_done(6);
        s.str("allow_mmap");
        s.push(Task::Bool(!objects));
        s.setitems_pair_done(6);
        s.str("numpy_array_alignment_bytes");
        s.push(Task::Int(ALIGNMENT as i64));
        s.setitems_pair_done(6);
        s.setitems_end(6);
        s.op(op::BUILD);
        s.push(Task::JoblibPayload(id));
        s.push(Task::Memoize(id));
        self.schedule(s);
    }

    /// Writes the bytes joblib reads right after a wrapper's BUILD.
    pub(crate) fn joblib_payload(&mut self, id: NodeId) -> Result<(), EncodeError> {
        let graph = self.graph;
        let Node::NdArray(array) = graph.get(id) else {
            return Err(self.fail(id, INVALID, "joblib payload for a node that is not an array".into()));
        };
        self.w.commit_frame();
        match &array.data {
            ArrayData::Bytes(bytes) => {
                let after_pad_byte = self.w.position() as u64 + 1;
                let pad = ALIGNMENT - after_pad_byte % ALIGNMENT;
                let mut header = vec![0xffu8; pad as usize + 1];
                header[0] = pad as u8;
                self.w.unframed(&header);
                self.w.unframed(bytes);
            }
            ArrayData::Objects(_) => {
                // One nested level only: the nested stream uses the plain pickle layout.
                let nested = Encoder::new(graph, self.protocol, Layout::Pickle).run(id).map_err(|mut e| {
                    e.path = self.path_of(id) + &e.path;
                    e
                })?;
                self.w.unframed(&nested);
            }
        }
        Ok(())
    }
}
