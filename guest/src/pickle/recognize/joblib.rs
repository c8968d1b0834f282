//! joblib's `NumpyArrayWrapper`: after its BUILD, joblib's unpickler reads the array from the raw stream
//! (`joblib/numpy_pickle.py`, `read_array`): when `numpy_array_alignment_bytes` is set, one padding-length
//! byte and that many padding bytes, then `prod(shape) * itemsize` bytes in the wrapper's order; for
//! object dtypes a nested, complete pickle instead. The VM does the reading; this module parses the
//! wrapper's state.

use super::dtype::{has_object, itemsize};
use super::numpy::element_count;
use super::{Ctx, Known, Outcome};
use crate::pickle::value::{DType, Node, NodeId};

/// What the inline array data looks like.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct JoblibLayout {
    pub dtype: DType,
    pub shape: Vec<u64>,
    pub fortran_order: bool,
    /// A padding-length byte (and padding) precedes the data.
    pub aligned: bool,
    /// Object dtype: a nested pickle follows instead of raw bytes.
    pub nested_pickle: bool,
    /// Byte length of the raw data (0 for nested pickles).
    pub data_len: u64,
}

/// BUILD of a pending wrapper with its state dict.
pub(super) fn build(ctx: &mut Ctx<'_>, state: NodeId) -> Outcome {
    parse(ctx, state).map_or(Outcome::No, Outcome::Joblib)
}

fn parse(ctx: &Ctx<'_>, state: NodeId) -> Option<JoblibLayout> {
    let Node::Dict(pairs) = ctx.node(state) else { return None };
    let (mut dtype, mut shape, mut order, mut subclass_ok, mut aligned) = (None, None, None, false, false);
    for &(k, v) in pairs {
        match ctx.str_of(k)? {
            "subclass" => subclass_ok = matches!(ctx.global(v), Some(Known::NumpyNdarray | Known::NumpyMemmap)),
            "shape" => shape = Some(ctx.shape(v)?),
            "order" => {
                order = Some(match ctx.str_of(v)? {
                    "C" => false,
                    "F" => true,
                    _ => return None,
                })
            }
            "dtype" => dtype = Some(ctx.dtype(v)?.clone()),
            "allow_mmap" => {
                ctx.bool_of(v)?;
            }
            "numpy_array_alignment_bytes" => match ctx.node(v) {
                Node::None => aligned = false,
                Node::Int(_) => aligned = true,
                _ => return None,
            },
            _ => return None,
        }
    }
    let (dtype, shape, fortran_order) = (dtype?, shape?, order?);
    if !subclass_ok {
        return None;
    }
    let nested_pickle = has_object(&dtype);
    let data_len = if nested_pickle { 0 } else { element_count(&shape)?.checked_mul(itemsize(&dtype)?)? };
    if data_len > ctx.max_array_bytes {
        return None;
    }
    Some(JoblibLayout { dtype, shape, fortran_order, aligned, nested_pickle, data_len })
}
