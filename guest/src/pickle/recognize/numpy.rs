//! numpy arrays and scalars, for the numpy 1.x (`numpy.core.*`) and 2.x (`numpy._core.*`) module paths:
//! `_reconstruct(ndarray, (0,), b'b')` + BUILD `(version, shape, dtype, is_fortran, rawdata)`;
//! `_frombuffer(buffer, dtype, shape, order)` (protocol 5, in-band BYTEARRAY8 / bytes or an out-of-band
//! buffer); `scalar(dtype, bytes)`. Element data must be exactly `prod(shape) * itemsize` bytes; object
//! arrays carry one node per element.

use super::dtype::{has_object, itemsize, valid_call};
use super::{Ctx, Known, Outcome};
use crate::pickle::value::{ArrayData, DType, NdArray, Node, NodeId};

/// `prod(shape)` with overflow checks.
pub(crate) fn element_count(shape: &[u64]) -> Option<u64> {
    shape.iter().try_fold(1u64, |acc, &d| acc.checked_mul(d))
}

/// Expected byte length of an array's data.
pub(crate) fn byte_len(dtype: &DType, shape: &[u64]) -> Option<u64> {
    element_count(shape)?.checked_mul(itemsize(dtype)?)
}

/// `_reconstruct(...)` and `dtype(...)` calls that become values only at their BUILD.
pub(super) fn pending_call(ctx: &mut Ctx<'_>, known: Known, args: &[NodeId]) -> Outcome {
    let ok = match known {
        Known::NumpyDtype => valid_call(ctx, args),
        Known::NumpyReconstruct => match args {
            [class, shape, _typecode] => {
                matches!(ctx.global(*class), Some(Known::NumpyNdarray | Known::NumpyMemmap))
                    && ctx.shape(*shape).is_some()
            }
            _ => false,
        },
        _ => false,
    };
    if ok { Outcome::Pending } else { Outcome::No }
}

/// `scalar(dtype, data)`.
pub(super) fn scalar(ctx: &mut Ctx<'_>, args: &[NodeId]) -> Outcome {
    let [dtype, data] = args else { return Outcome::No };
    let Some(dtype) = ctx.dtype(*dtype).cloned() else { return Outcome::No };
    if has_object(&dtype) {
        return Outcome::No;
    }
    let bytes = match ctx.bytes_of(*data) {
        Some(b) => b.to_vec(),
        None => match ctx.str_of(*data) {
            Some(s) => match s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect::<Option<Vec<u8>>>() {
                Some(b) => b,
                None => return Outcome::No,
            },
            None => return Outcome::No,
        },
    };
    if itemsize(&dtype) != Some(bytes.len() as u64) {
        return Outcome::No;
    }
    Outcome::Value(Node::NumpyScalar { dtype: Box::new(dtype), data: bytes })
}

fn order(ctx: &Ctx<'_>, id: NodeId) -> Option<bool> {
    match ctx.str_of(id)? {
        "C" => Some(false),
        "F" => Some(true),
        _ => None,
    }
}

/// `_frombuffer(buffer, dtype, shape, order)`.
pub(super) fn frombuffer(ctx: &mut Ctx<'_>, args: &[NodeId]) -> Outcome {
    let [buffer, dtype, shape, ord] = args else { return Outcome::No };
    let (Some(dtype), Some(shape), Some(fortran_order)) =
        (ctx.dtype(*dtype).cloned(), ctx.shape(*shape), order(ctx, *ord))
    else {
        return Outcome::No;
    };
    if has_object(&dtype) {
        return Outcome::No;
    }
    let Some(expected) = byte_len(&dtype, &shape) else { return Outcome::No };
    if expected > ctx.max_array_bytes {
        return Outcome::No;
    }
    let Some((data, stolen)) = ctx.blob_data(*buffer) else { return Outcome::No };
    if data.len() as u64 != expected {
        restore(ctx, stolen, data);
        return Outcome::No;
    }
    let node = Node::NdArray(Box::new(NdArray { dtype, shape, fortran_order, data: ArrayData::Bytes(data) }));
    match stolen {
        Some(blob) => Outcome::Steal(node, blob),
        None => Outcome::Value(node),
    }
}

/// Puts bytes back into a blob that was moved out for an array that was then not built.
fn restore(ctx: &mut Ctx<'_>, stolen: Option<NodeId>, data: Vec<u8>) {
    if let Some(blob) = stolen
        && let Some(Node::Bytes(b) | Node::ByteArray(b)) = ctx.graph.get_mut(blob)
    {
        *b = data;
    }
}

/// BUILD of a pending `_reconstruct` call with the ndarray state.
pub(super) fn build_reconstruct(ctx: &mut Ctx<'_>, _args: NodeId, state: NodeId) -> Outcome {
    let Some(st) = ctx.tuple(state).map(<[NodeId]>::to_vec) else { return Outcome::No };
    let (shape, dtype, fortran, raw) = match st.as_slice() {
        [version, shape, dtype, fortran, raw] if ctx.int_of(*version) == Some(1) => (*shape, *dtype, *fortran, *raw),
        [shape, dtype, fortran, raw] => (*shape, *dtype, *fortran, *raw),
        _ => return Outcome::No,
    };
    let (Some(shape), Some(dtype), Some(fortran_order)) =
        (ctx.shape(shape), ctx.dtype(dtype).cloned(), ctx.bool_of(fortran))
    else {
        return Outcome::No;
    };
    let Some(count) = element_count(&shape) else { return Outcome::No };
    if has_object(&dtype) {
        // Object arrays: rawdata is a list with one item per element.
        if dtype.typestr != "|O" {
            return Outcome::No;
        }
        let items = match ctx.node(raw) {
            Node::List(items) if items.len() as u64 == count => items.clone(),
            _ => return Outcome::No,
        };
        return Outcome::Value(Node::NdArray(Box::new(NdArray {
            dtype,
            shape,
            fortran_order,
            data: ArrayData::Objects(items),
        })));
    }
    let Some(expected) = byte_len(&dtype, &shape) else { return Outcome::No };
    if expected > ctx.max_array_bytes {
        return Outcome::No;
    }
    let (data, stolen) = if ctx.bytes_of(raw).is_some() {
        match ctx.blob_data(raw) {
            Some(d) => d,
            None => return Outcome::No,
        }
    } else if let Some(s) = ctx.str_of(raw) {
        // Protocol 0–2 via a latin-1 str (numpy < 1.x pickles written by Python 2).
        match s.chars().map(|c| u8::try_from(u32::from(c)).ok()).collect::<Option<Vec<u8>>>() {
            Some(b) => (b, None),
            None => return Outcome::No,
        }
    } else {
        return Outcome::No;
    };
    if data.len() as u64 != expected {
        restore(ctx, stolen, data);
        return Outcome::No;
    }
    let node = Node::NdArray(Box::new(NdArray { dtype, shape, fortran_order, data: ArrayData::Bytes(data) }));
    match stolen {
        Some(blob) => Outcome::Steal(node, blob),
        None => Outcome::Value(node),
    }
}
