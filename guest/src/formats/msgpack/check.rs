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

/// Code points of a surrogate-preserving UTF-8 byte string (valid UTF-8, except that code points
/// U+D800..U+DFFF may appear as three-byte sequences, each one code point — Python's `surrogatepass`), or
/// `None` if the bytes are not of that form.
pub(crate) fn wtf8_to_code_points(bytes: &[u8]) -> Option<Vec<u32>> {
    let mut points = Vec::with_capacity(bytes.len());
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
        points.push(cp);
        i += len;
    }
    Some(points)
}

/// The surrogate-preserving UTF-8 form of code points (Python's `surrogatepass`): every code point is
/// written on its own, so a surrogate is always its own three-byte sequence, paired or not. A value above
/// U+10FFFF (not a code point; the value model never holds one) is written as the byte 0xFF, which no
/// reader accepts, rather than as some other code point.
pub(crate) fn code_points_to_wtf8(points: &[u32]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 3);
    for &cp in points {
        push_code_point(&mut out, cp);
    }
    out
}

/// Length of [`code_points_to_wtf8`]'s output.
pub(crate) fn wtf8_len(points: &[u32]) -> usize {
    points
        .iter()
        .map(|&cp| match cp {
            0..=0x7F => 1,
            0x80..=0x7FF => 2,
            0x800..=0xFFFF => 3,
            0x1_0000..=0x10_FFFF => 4,
            _ => 1,
        })
        .sum()
}

fn push_code_point(out: &mut Vec<u8>, cp: u32) {
    match cp {
        0..=0x7F => out.push(cp as u8),
        0x80..=0x7FF => out.extend([0xC0 | (cp >> 6) as u8, 0x80 | (cp & 0x3F) as u8]),
        0x800..=0xFFFF => {
            out.extend([0xE0 | (cp >> 12) as u8, 0x80 | ((cp >> 6) & 0x3F) as u8, 0x80 | (cp & 0x3F) as u8])
        }
        0x1_0000..=0x10_FFFF => out.extend([
            0xF0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3F) as u8,
            0x80 | ((cp >> 6) & 0x3F) as u8,
            0x80 | (cp & 0x3F) as u8,
        ]),
        _ => out.push(0xFF),
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
        // Python: '\x61\ud800\ud83d\ude00\udfff\xe9\U0001f600'.encode('utf-8', 'surrogatepass').
        let points = vec![0x61, 0xD800, 0xD83D, 0xDE00, 0xDFFF, 0xE9, 0x1F600];
        let bytes = code_points_to_wtf8(&points);
        assert_eq!(bytes, b"a\xed\xa0\x80\xed\xa0\xbd\xed\xb8\x80\xed\xbf\xbf\xc3\xa9\xf0\x9f\x98\x80");
        assert_eq!(wtf8_len(&points), bytes.len());
        assert_eq!(wtf8_to_code_points(&bytes), Some(points));
        // A surrogate pair's two 3-byte sequences are two code points, never the astral character.
        assert_eq!(wtf8_to_code_points(b"\xed\xa0\xbd\xed\xb8\x80"), Some(vec![0xD83D, 0xDE00]));
        assert_eq!(wtf8_to_code_points(b"\xc0\x80"), None);
        assert_eq!(wtf8_to_code_points(b"\xe0\x80\x80"), None);
        assert_eq!(wtf8_to_code_points(b"\xf4\x90\x80\x80"), None);
        assert_eq!(wtf8_to_code_points(b"\xe2\x82"), None);
        assert_eq!(wtf8_to_code_points(&code_points_to_wtf8(&[0x61, 0x11_0000])), None);
        assert_eq!(wtf8_to_code_points(&code_points_to_wtf8(&[0x410_0000])), None);
    }
}
