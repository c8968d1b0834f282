//! Value checks and conversions shared by the readers: calendar ranges, Decimal syntax, dtype item sizes,
//! and the surrogate-preserving UTF-8 ("WTF-8", Python's `surrogatepass`) used for surrogate strings.

use crate::pickle::value::DType;

/// Deepest dtype nesting accepted (numpy's real dtypes nest a few levels; the cap keeps `DType`'s recursive
/// drop and comparison shallow).
pub(crate) const MAX_DTYPE_DEPTH: usize = 32;

/// Days in `month` of `year` (proleptic Gregorian, as `datetime` uses).
pub(crate) fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Whether `s` is a string `decimal.Decimal(s)` accepts in the form `str(Decimal)` produces: optional sign,
/// then digits with an optional point and exponent, or `Infinity` / `Inf`, or `NaN` / `sNaN` with digits.
pub(crate) fn is_decimal(s: &str) -> bool {
    let body = s.strip_prefix(['+', '-']).unwrap_or(s);
    let lower = body.to_ascii_lowercase();
    if lower == "inf" || lower == "infinity" {
        return true;
    }
    if let Some(payload) = lower.strip_prefix("nan").or_else(|| lower.strip_prefix("snan")) {
        return payload.bytes().all(|b| b.is_ascii_digit());
    }
    let (mantissa, exponent) = match lower.split_once('e') {
        Some((m, e)) => (m, Some(e)),
        None => (lower.as_str(), None),
    };
    let (int_part, frac_part) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
    let mantissa_ok = digits(int_part) && digits(frac_part) && !(int_part.is_empty() && frac_part.is_empty());
    let exponent_ok = exponent.is_none_or(|e| {
        let e = e.strip_prefix(['+', '-']).unwrap_or(e);
        !e.is_empty() && digits(e)
    });
    mantissa_ok && exponent_ok
}

fn kind_and_rest(typestr: &str) -> Option<(char, &str)> {
    let rest = typestr.strip_prefix(['<', '>', '|', '=']).unwrap_or(typestr);
    let mut chars = rest.chars();
    let kind = chars.next()?;
    Some((kind, chars.as_str()))
}

/// Whether the dtype holds Python objects (`|O`).
pub(crate) fn is_object_dtype(typestr: &str) -> bool {
    kind_and_rest(typestr).is_some_and(|(kind, _)| kind == 'O')
}

/// Bytes per element described by an array-protocol type string (`<f8` → 8, `<U5` → 20, `<M8[ns]` → 8),
/// or `None` when the string carries no size.
pub(crate) fn itemsize(typestr: &str) -> Option<u64> {
    let (kind, rest) = kind_and_rest(typestr)?;
    let digits = rest.split('[').next().unwrap_or("");
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: u64 = digits.parse().ok()?;
    if kind == 'U' { n.checked_mul(4) } else { Some(n) }
}

/// Nesting depth of a dtype (1 for a plain dtype), computed without recursion.
pub(crate) fn dtype_depth(dtype: &DType) -> usize {
    let mut deepest = 0;
    let mut stack = vec![(dtype, 1usize)];
    while let Some((d, depth)) = stack.pop() {
        deepest = deepest.max(depth);
        if depth > MAX_DTYPE_DEPTH {
            break;
        }
        stack.extend(d.fields.iter().map(|(_, sub, _)| (sub, depth + 1)));
        if let Some((base, _)) = &d.subarray {
            stack.push((base, depth + 1));
        }
    }
    deepest
}

/// UTF-16 code units of a surrogate-preserving UTF-8 byte string (valid UTF-8, except that code points
/// U+D800..U+DFFF may appear as three-byte sequences), or `None` if the bytes are not of that form.
pub(crate) fn wtf8_to_units(bytes: &[u8]) -> Option<Vec<u16>> {
    let mut units = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while let Some(&b0) = bytes.get(i) {
        let cont = |k: usize| bytes.get(i + k).copied().filter(|b| b & 0xC0 == 0x80).map(|b| u32::from(b & 0x3F));
        let (cp, len) = match b0 {
            0x00..=0x7F => (u32::from(b0), 1),
            0xC2..=0xDF => ((u32::from(b0 & 0x1F) << 6) | cont(1)?, 2),
            0xE0..=0xEF => {
                let cp = (u32::from(b0 & 0x0F) << 12) | (cont(1)? << 6) | cont(2)?;
                if cp < 0x800 {
                    return None;
                }
                (cp, 3)
            }
            0xF0..=0xF4 => {
                let cp = (u32::from(b0 & 0x07) << 18) | (cont(1)? << 12) | (cont(2)? << 6) | cont(3)?;
                if !(0x10000..=0x10FFFF).contains(&cp) {
                    return None;
                }
                (cp, 4)
            }
            _ => return None,
        };
        if cp >= 0x10000 {
            let v = cp - 0x10000;
            units.push(0xD800 | (v >> 10) as u16);
            units.push(0xDC00 | (v & 0x3FF) as u16);
        } else {
            units.push(cp as u16);
        }
        i += len;
    }
    Some(units)
}

/// The surrogate-preserving UTF-8 form of UTF-16 code units: a high surrogate followed by a low one is the
/// astral character they encode; any other surrogate is written as its own three-byte sequence.
pub(crate) fn units_to_wtf8(units: &[u16]) -> Vec<u8> {
    let mut out = Vec::with_capacity(units.len() * 3);
    let mut i = 0;
    while let Some(&u) = units.get(i) {
        let next = units.get(i + 1).copied();
        let (cp, used) = match (u, next) {
            (0xD800..=0xDBFF, Some(lo @ 0xDC00..=0xDFFF)) => {
                (0x10000 + ((u32::from(u) - 0xD800) << 10) + (u32::from(lo) - 0xDC00), 2)
            }
            _ => (u32::from(u), 1),
        };
        push_code_point(&mut out, cp);
        i += used;
    }
    out
}

fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    match cp {
        0..=0x7F => out.push(cp as u8),
        0x80..=0x7FF => out.extend([0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]),
        0x800..=0xFFFF => {
            out.extend([0xE0 | (cp >> 12) as u8, 0x80 | ((cp >> 6) & 0x3F) as u8, 0x80 | (cp & 0x3F) as u8])
        }
        _ => out.extend([
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decimal_syntax() {
        for ok in ["0", "-1.10", "1E+3", ".5", "5.", "Infinity", "-inf", "NaN", "sNaN123", "-0e-7", "+1"] {
            assert!(is_decimal(ok), "{ok}");
        }
        for bad in ["", "-", ".", "1e", "1.2.3", "abc", "1 ", "NaNx", "0x10", "1e+"] {
            assert!(!is_decimal(bad), "{bad}");
        }
    }

    #[test]
    fn item_sizes() {
        assert_eq!(itemsize("<f8"), Some(8));
        assert_eq!(itemsize("<U5"), Some(20));
        assert_eq!(itemsize("<M8[ns]"), Some(8));
        assert_eq!(itemsize("|V12"), Some(12));
        assert_eq!(itemsize("|O"), None);
        assert!(is_object_dtype("|O"));
        assert!(!is_object_dtype("<f8"));
    }

    #[test]
    fn calendar() {
        assert_eq!(days_in_month(2000, 2), 29);
        assert_eq!(days_in_month(1900, 2), 28);
        assert_eq!(days_in_month(2024, 4), 30);
    }

    #[test]
    fn surrogate_utf8_round_trips() {
        let units = vec![0x61, 0xD800, 0xD83D, 0xDE00, 0xDFFF, 0xE9];
        let bytes = units_to_wtf8(&units);
        assert_eq!(bytes, b"a\xed\xa0\x80\xf0\x9f\x98\x80\xed\xbf\xbf\xc3\xa9");
        assert_eq!(wtf8_to_units(&bytes), Some(units));
        assert_eq!(wtf8_to_units(b"\xc0\x80"), None);
        assert_eq!(wtf8_to_units(b"\xe0\x80\x80"), None);
        assert_eq!(wtf8_to_units(b"\xf4\x90\x80\x80"), None);
        assert_eq!(wtf8_to_units(b"\xe2\x82"), None);
    }
}
