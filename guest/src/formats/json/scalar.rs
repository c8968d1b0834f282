//! Numbers in the lossless JSON rendering: floats (Python repr, tagged when not finite), ints (plain up to
//! ±2^53, tagged beyond) and shapes.

use std::fmt::Write as _;

use num_bigint::BigInt;
use num_traits::ToPrimitive;

use super::text;

/// Largest magnitude written as a plain JSON number (JSON readers keep ints exact up to 2^53).
pub(crate) const MAX_PLAIN_INT: u64 = 1 << 53;

/// Appends a float: Python's repr when finite, a tagged `float` otherwise.
pub(crate) fn write_float(f: f64, out: &mut String) {
    if f.is_finite() {
        return text::py_float_repr(f, out);
    }
    let value = if f.is_nan() {
        "nan"
    } else if f > 0.0 {
        "inf"
    } else {
        "-inf"
    };
    let _ = write!(out, r#"{{"$type":"float","value":"{value}""#);
    if f.is_nan() && f.to_bits() != f64::NAN.to_bits() {
        let _ = write!(out, r#","bits":"{:016x}""#, f.to_bits());
    }
    out.push('}');
}

/// Appends an int: a plain number up to ±2^53, a tagged `int` beyond (decimal, or hex when very large).
pub(crate) fn write_int(value: &BigInt, out: &mut String) {
    if value.to_i64().is_some_and(|i| i.unsigned_abs() <= MAX_PLAIN_INT) {
        let _ = write!(out, "{value}");
        return;
    }
    match text::decimal_int(value) {
        Some(dec) => {
            let _ = write!(out, r#"{{"$type":"int","value":"{dec}"}}"#);
        }
        None => {
            let _ = write!(out, r#"{{"$type":"int","hex":"{}"}}"#, value.to_str_radix(16));
        }
    }
}

pub(crate) fn write_small_int(i: i64, out: &mut String) {
    write_int(&BigInt::from(i), out)
}

/// Appends `[d0,d1,...]`.
pub(crate) fn shape(dims: &[u64], out: &mut String) {
    out.push('[');
    for (i, d) in dims.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        let _ = write!(out, "{d}");
    }
    out.push(']');
}
