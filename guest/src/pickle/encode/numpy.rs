//! numpy arrays and scalars in numpy 2.x's pickle forms.
//!
//! Global paths are the ones numpy 2.x itself writes and loads without a deprecation warning:
//! `numpy._core.multiarray._reconstruct` (+ BUILD with `(1, shape, dtype, is_fortran, data)`) for
//! protocols 0–4 and for object arrays, `numpy._core.numeric._frombuffer(bytearray, dtype, shape, order)`
//! with an in-band BYTEARRAY8 for protocol 5, and `numpy._core.multiarray.scalar(dtype, bytes)` for
//! scalars. (numpy 1.x before 1.26 cannot import `numpy._core`; numpy 2 warns on `numpy.core`.)

use std::borrow::Cow;

use super::driver::Encoder;
use super::task::{BatchOp, ItemKind, Task};
use super::writer::op;
use super::{EncodeError, INVALID, Layout};
use crate::pickle::value::{ArrayData, DType, NdArray, NodeId};

/// Whether numpy flags an array of this shape as Fortran-ordered only (`PyArray_ISFORTRAN`): arrays with at
/// most one dimension longer than 1, and empty arrays, are both C- and F-contiguous and count as C.
pub(crate) fn fortran_only(array: &NdArray) -> bool {
    array.fortran_order && !array.shape.contains(&0) && array.shape.iter().filter(|&&n| n > 1).count() > 1
}

impl<'g> Encoder<'g> {
    /// Checks `array` against its dtype and shape; returns whether its elements are Python objects.
    fn check_array(&mut self, id: NodeId, array: &'g NdArray) -> Result<bool, EncodeError> {
        let info = self.dtype_info(&array.dtype).map_err(|m| self.fail(id, INVALID, m))?;
        if array.shape.iter().any(|&n| i64::try_from(n).is_err()) {
            return Err(self.fail(id, INVALID, "array dimension beyond 2**63".into()));
        }
        let count = array.shape.iter().try_fold(1u64, |acc, &n| acc.checked_mul(n));
        let count = count.ok_or_else(|| self.fail(id, INVALID, "array element count overflows".into()))?;
        match &array.data {
            ArrayData::Bytes(bytes) => {
                if info.has_object {
                    return Err(self.fail(
                        id,
                        INVALID,
                        "an array whose dtype holds objects needs object data, not bytes".into(),
                    ));
                }
                let expected = count.checked_mul(info.itemsize);
                if expected != Some(bytes.len() as u64) {
                    return Err(self.fail(
                        id,
                        INVALID,
                        format!(
                            "array data has {} bytes, but {count} elements of {} bytes need {}",
                            bytes.len(),
                            info.itemsize,
                            expected.map_or_else(|| "more than 2**64".to_string(), |e| e.to_string())
                        ),
                    ));
                }
                Ok(false)
            }
            ArrayData::Objects(items) => {
                if !info.has_object {
                    return Err(self.fail(
                        id,
                        INVALID,
                        format!("object data for dtype {:?}, which holds no objects", array.dtype.typestr),
                    ));
                }
                if items.len() as u64 != count {
                    return Err(self.fail(
                        id,
                        INVALID,
                        format!("array has {} objects, its shape needs {count}", items.len()),
                    ));
                }
                Ok(true)
            }
        }
    }

    /// Writes an array (as a NumpyArrayWrapper plus inline bytes in the joblib layout).
    pub(crate) fn save_array(&mut self, id: NodeId, array: &'g NdArray) -> Result<(), EncodeError> {
        let objects = self.check_array(id, array)?;
        if self.layout == Layout::Joblib {
            self.save_wrapped_array(id, array, objects);
            return Ok(());
        }
        let fortran = fortran_only(array);
        let itemsize = self.dtype_info(&array.dtype).map(|i| i.itemsize).unwrap_or(0);
        let mut s = self.seq();
        match &array.data {
            ArrayData::Bytes(bytes) if self.protocol >= 5 && itemsize > 0 => {
                s.global("numpy._core.numeric", "_frombuffer");
                s.op(op::MARK);
                s.push(Task::ByteArray8(bytes));
                s.push(Task::DType { dtype: &array.dtype, node: None, owner: id });
                s.int_tuple(&array.shape);
                s.str(if fortran { "F" } else { "C" });
                s.op(op::TUPLE);
                s.push(Task::MemoizeAnon);
                s.op(op::REDUCE);
                s.push(Task::Memoize(id));
            }
            data => {
                s.global("numpy._core.multiarray", "_reconstruct");
                s.tuple_start(3);
                s.global("numpy", "ndarray");
                s.int_tuple(&[0]);
                s.push(Task::Bytes(Cow::Borrowed(b"b")));
                s.tuple_end(3);
                s.op(op::REDUCE);
                // Memoized before its state, so object elements may refer back to the array.
                s.push(Task::Memoize(id));
                s.tuple_start(5);
                s.push(Task::Int(1));
                s.int_tuple(&array.shape);
                s.push(Task::DType { dtype: &array.dtype, node: None, owner: id });
                s.push(Task::Bool(fortran));
                match data {
                    ArrayData::Bytes(bytes) => s.push(Task::Bytes(Cow::Borrowed(bytes))),
                    ArrayData::Objects(items) => {
                        debug_assert!(objects);
                        s.list_start();
                        s.push(Task::Batch { items, next: 0, parent: id, kind: ItemKind::Data, op: BatchOp::Appends });
                    }
                }
                s.tuple_end(5);
                s.op(op::BUILD);
            }
        }
        self.schedule(s);
        Ok(())
    }

    /// Writes a numpy scalar: `scalar(dtype, raw_bytes)`.
    pub(crate) fn save_numpy_scalar(
        &mut self,
        id: NodeId,
        dtype: &'g DType,
        data: &'g [u8],
    ) -> Result<(), EncodeError> {
        let info = self.dtype_info(dtype).map_err(|m| self.fail(id, INVALID, m))?;
        if info.has_object {
            return Err(self.fail(id, INVALID, "numpy scalars of object dtypes do not exist".into()));
        }
        if info.itemsize != data.len() as u64 {
            return Err(self.fail(
                id,
                INVALID,
                format!("scalar has {} bytes, its dtype {}", data.len(), info.itemsize),
            ));
        }
        let mut s = self.seq();
        s.global("numpy._core.multiarray", "scalar");
        s.tuple_start(2);
        s.push(Task::DType { dtype, node: None, owner: id });
        s.push(Task::Bytes(Cow::Borrowed(data)));
        s.tuple_end(2);
        s.op(op::REDUCE);
        s.push(Task::Memoize(id));
        self.schedule(s);
        Ok(())
    }
}
