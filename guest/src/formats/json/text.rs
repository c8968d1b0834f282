//! Text forms used by the JSON rendering: base64, UUID, Python's float `repr`, int strings and JSON string
//! escaping (Python's `json.dumps` rules, with or without `ensure_ascii`).

use std::fmt::Write as _;

use num_bigint::BigInt;
use num_traits::Num;

use crate::formats::msgpack::TranscodeError;

/// Most decimal digits accepted in an int string: CPython's own default cap
/// (`sys.get_int_max_str_digits()`), which also keeps decimal conversion from going quadratic.
pub(crate) const MAX_INT_DIGITS: usize = 4300;

/// Ints with at most this many bits are written as decimal (≤ 4300 digits); bigger ones as hex.
pub(crate) const MAX_DECIMAL_BITS: u64 = 14_000;

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Standard base64 with padding (RFC 4648 §4), as Python's `base64.b64encode`.
pub(crate) fn base64_encode(bytes: &[u8], out: &mut String) {
    out.reserve(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], chunk.get(1).copied().unwrap_or(0), chunk.get(2).copied().unwrap_or(0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(B64[((n >> (18 - 6 * i)) & 0x3F) as usize]));
            } else {
                out.push('=');
            }
        }
    }
}

fn b64_value(c: u8) -> Option<u32> {
    Some(match c {
        b'A'..=b'Z' => c - b'A',
        b'a'..=b'z' => c - b'a' + 26,
        b'0'..=b'9' => c - b'0' + 52,
        b'+' => 62,
        b'/' => 63,
        _ => return None,
    } as u32)
}

/// Strict inverse of [`base64_encode`]: canonical padded base64 only (no whitespace, zero pad bits).
pub(crate) fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let bytes = s.as_bytes();
    if !bytes.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(bytes.len() / 4 * 3);
    let quads = bytes.len() / 4;
    for (q, quad) in bytes.chunks_exact(4).enumerate() {
        let last = q + 1 == quads;
        let pad = if last { quad.iter().rev().take_while(|c| **c == b'=').count() } else { 0 };
        if pad > 2 {
            return None;
        }
        let mut n = 0u32;
        for &c in &quad[..4 - pad] {
            n = (n << 6) | b64_value(c)?;
        }
        n <<= 6 * pad as u32;
        let decoded = [(n >> 16) as u8, (n >> 8) as u8, n as u8];
        if pad > 0 && decoded[3 - pad..].iter().any(|b| *b != 0) {
            return None;
        }
        out.extend_from_slice(&decoded[..3 - pad]);
    }
    Some(out)
}

/// `str(uuid.UUID(int=value))`: 8-4-4-4-12 lowercase hex.
pub(crate) fn format_uuid(value: u128) -> String {
    let hex = format!("{value:032x}");
    format!("{}-{}-{}-{}-{}", &hex[..8], &hex[8..12], &hex[12..16], &hex[16..20], &hex[20..])
}

/// Parses the 8-4-4-4-12 form (either case).
pub(crate) fn parse_uuid(s: &str) -> Option<u128> {
    let b = s.as_bytes();
    if b.len() != 36 {
        return None;
    }
    let mut value = 0u128;
    for (i, &c) in b.iter().enumerate() {
        if matches!(i, 8 | 13 | 18 | 23) {
            if c != b'-' {
                return None;
            }
            continue;
        }
        value = (value << 4) | u128::from(char::from(c).to_digit(16)?);
    }
    Some(value)
}

/// A fixed buffer for formatting one float without allocating.
struct Buf {
    bytes: [u8; 40],
    len: usize,
}

impl std::fmt::Write for Buf {
    fn write_str(&mut self, s: &str) -> std::fmt::Result {
        let end = self.len + s.len();
        let dst = self.bytes.get_mut(self.len..end).ok_or(std::fmt::Error)?;
        dst.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

/// Python's `repr(float)` for a finite float: the shortest digits that round-trip, positional notation for
/// decimal exponents in -4..16 (always with a fractional part, e.g. `1.0`), scientific otherwise with a
/// signed exponent of at least two digits (`1e+16`, `1.5e-07`).
pub(crate) fn py_float_repr(f: f64, out: &mut String) {
    // `{:e}` gives the shortest round-trip digits as `d.ddde±x`; only the layout differs from Python.
    let mut sci = Buf { bytes: [0; 40], len: 0 };
    let _ = write!(sci, "{f:e}");
    let sci = std::str::from_utf8(sci.bytes.get(..sci.len).unwrap_or(&[])).unwrap_or("0e0");
    let (mantissa, exponent) = sci.split_once('e').unwrap_or((sci, "0"));
    let exp: i32 = exponent.parse().unwrap_or(0);
    let negative = mantissa.starts_with('-');
    let mut digit_buf = [0u8; 24];
    let mut n = 0;
    for b in mantissa.bytes().filter(u8::is_ascii_digit) {
        if let Some(slot) = digit_buf.get_mut(n) {
            *slot = b;
            n += 1;
        }
    }
    let digits = std::str::from_utf8(digit_buf.get(..n).unwrap_or(&[])).unwrap_or("0");
    if negative {
        out.push('-');
    }
    if (-4..16).contains(&exp) {
        if exp < 0 {
            out.push_str("0.");
            out.extend(std::iter::repeat_n('0', (-exp - 1) as usize));
            out.push_str(digits);
        } else {
            let point = exp as usize + 1;
            if digits.len() <= point {
                out.push_str(digits);
                out.extend(std::iter::repeat_n('0', point - digits.len()));
                out.push_str(".0");
            } else {
                out.push_str(&digits[..point]);
                out.push('.');
                out.push_str(&digits[point..]);
            }
        }
    } else {
        out.push_str(&digits[..1]);
        if digits.len() > 1 {
            out.push('.');
            out.push_str(&digits[1..]);
        }
        let _ = write!(out, "e{}{:02}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs());
    }
}

/// Parses a decimal int string (`-?[0-9]+`), refusing more than [`MAX_INT_DIGITS`] digits.
pub(crate) fn parse_decimal_int(s: &str, at: usize) -> Result<BigInt, TranscodeError> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(TranscodeError::malformed(at, format!("{s:?} is not a decimal int")));
    }
    if digits.len() > MAX_INT_DIGITS {
        return Err(TranscodeError::limit(at, format!("int of {} digits (at most {MAX_INT_DIGITS})", digits.len())));
    }
    BigInt::from_str_radix(s, 10).map_err(|_| TranscodeError::malformed(at, format!("{s:?} is not a decimal int")))
}

/// Parses a hex int string (`-?[0-9a-fA-F]+`, no prefix), as `format(n, "x")` writes it.
pub(crate) fn parse_hex_int(s: &str) -> Option<BigInt> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigInt::from_str_radix(s, 16).ok()
}

/// Appends an int: decimal when at most [`MAX_DECIMAL_BITS`] bits, else `None` (callers use hex).
pub(crate) fn decimal_int(value: &BigInt) -> Option<String> {
    (value.bits() <= MAX_DECIMAL_BITS).then(|| value.to_str_radix(10))
}

/// The float a tagged `float` stands for: `"nan"` (with optional 16-hex-digit `bits`), `"inf"`, `"-inf"`.
pub(crate) fn parse_special_float(value: &str, bits: Option<&str>) -> Result<f64, String> {
    let f = match value {
        "nan" => match bits {
            None => f64::NAN,
            Some(hex) if hex.len() == 16 => {
                let raw = u64::from_str_radix(hex, 16).map_err(|_| format!("bad float bits {hex:?}"))?;
                let f = f64::from_bits(raw);
                if !f.is_nan() {
                    return Err(format!("bits {hex:?} are not a NaN"));
                }
                f
            }
            Some(hex) => return Err(format!("bad float bits {hex:?}")),
        },
        "inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        other => return Err(format!("tagged float value must be nan, inf or -inf, not {other:?}")),
    };
    if bits.is_some() && !f.is_nan() {
        return Err("`bits` only goes with nan".into());
    }
    Ok(f)
}

fn escape_unit(u: u16, out: &mut String) {
    let _ = write!(out, "\\u{u:04x}");
}

/// Appends one char as JSON string content: Python's `json.dumps` escapes (`ascii` = `ensure_ascii`).
fn push_json_char(c: char, ascii: bool, out: &mut String) {
    match c {
        '"' => out.push_str("\\\""),
        '\\' => out.push_str("\\\\"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        c if (c as u32) < 0x20 => escape_unit(c as u16, out),
        c if ascii && !(' '..='~').contains(&c) => {
            let mut buf = [0u16; 2];
            c.encode_utf16(&mut buf).iter().for_each(|u| escape_unit(*u, out));
        }
        c => out.push(c),
    }
}

/// Appends `s` as a quoted JSON string.
pub(crate) fn json_string(s: &str, ascii: bool, out: &mut String) {
    out.push('"');
    let plain = |c: char| c >= ' ' && c != '"' && c != '\\' && (!ascii || c <= '~');
    if s.chars().all(plain) {
        out.push_str(s);
    } else {
        s.chars().for_each(|c| push_json_char(c, ascii, out));
    }
    out.push('"');
}

/// Appends the code points of a surrogate str as a quoted JSON string; each surrogate becomes a `\udxxx`
/// escape, which is what Python's `json.dumps` writes for it too. JSON readers join an escaped high
/// surrogate followed by an escaped low one into one character, so this form is exact only when
/// [`surrogates_pair_up`] is false.
pub(crate) fn json_code_points(points: &[u32], ascii: bool, out: &mut String) {
    out.push('"');
    for &cp in points {
        match char::from_u32(cp) {
            Some(c) => push_json_char(c, ascii, out),
            // A surrogate (anything else is not a code point and never in the value model).
            None => escape_unit(u16::try_from(cp).unwrap_or(0xFFFD), out),
        }
    }
    out.push('"');
}

/// Whether a high surrogate is directly followed by a low one: written as a JSON string, the two would
/// read back as the one astral character they encode in UTF-16.
pub(crate) fn surrogates_pair_up(points: &[u32]) -> bool {
    points.windows(2).any(|w| (0xD800..0xDC00).contains(&w[0]) && (0xDC00..0xE000).contains(&w[1]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_python() {
        // base64.b64encode(...) in CPython.
        for (raw, text) in
            [(&b""[..], ""), (b"f", "Zg=="), (b"fo", "Zm8="), (b"foo", "Zm9v"), (b"\x00\xff\xfe", "AP/+")]
        {
            let mut out = String::new();
            base64_encode(raw, &mut out);
            assert_eq!(out, text);
            assert_eq!(base64_decode(text).as_deref(), Some(raw));
        }
        for bad in ["Zg=", "Zh==", "Z===", "Zm9v\n", "Zg==Zg==", "****"] {
            assert_eq!(base64_decode(bad), None, "{bad}");
        }
    }

    #[test]
    fn float_repr_matches_python() {
        // repr(x) in CPython 3.11.
        let cases = [
            (1.0, "1.0"),
            (-0.0, "-0.0"),
            (0.1, "0.1"),
            (1e16, "1e+16"),
            (1.5e-7, "1.5e-07"),
            (123456789012345.6, "123456789012345.6"),
            (1e15, "1000000000000000.0"),
            (0.0001, "0.0001"),
            (0.00001, "1e-05"),
            (5e-324, "5e-324"),
            (1.7976931348623157e308, "1.7976931348623157e+308"),
            (2.5, "2.5"),
            (-1234.5, "-1234.5"),
        ];
        for (f, text) in cases {
            let mut out = String::new();
            py_float_repr(f, &mut out);
            assert_eq!(out, text);
            assert_eq!(out.parse::<f64>().map(f64::to_bits), Ok(f.to_bits()));
        }
    }

    #[test]
    fn uuid_text() {
        let v = 0x12345678_9abc_def0_1234_56789abcdef0u128;
        assert_eq!(format_uuid(v), "12345678-9abc-def0-1234-56789abcdef0");
        assert_eq!(parse_uuid("12345678-9ABC-def0-1234-56789abcdef0"), Some(v));
        assert_eq!(parse_uuid("123456789abcdef0123456789abcdef0"), None);
    }

    #[test]
    fn strings_escape_like_python() {
        // json.dumps(s) and json.dumps(s, ensure_ascii=False) in CPython.
        let s = "a\"\\\n\u{1}\u{7f}é😀";
        let mut ascii = String::new();
        json_string(s, true, &mut ascii);
        assert_eq!(ascii, r#""a\"\\\n\u0001\u007f\u00e9\ud83d\ude00""#);
        let mut raw = String::new();
        json_string(s, false, &mut raw);
        assert_eq!(raw, "\"a\\\"\\\\\\n\\u0001\u{7f}é😀\"");
        // json.dumps('a\ud800\ud83d\ude00\U0001f600'): a surrogate pair's code points and the astral character
        // both come out as the same two escapes.
        let mut points = String::new();
        json_code_points(&[0x61, 0xD800, 0xD83D, 0xDE00, 0x1F600], true, &mut points);
        assert_eq!(points, r#""a\ud800\ud83d\ude00\ud83d\ude00""#);
        let mut raw = String::new();
        json_code_points(&[0xDFFF, 0xE9], false, &mut raw);
        assert_eq!(raw, "\"\\udfff\u{e9}\"");
        assert!(surrogates_pair_up(&[0x61, 0xD83D, 0xDE00]));
        assert!(!surrogates_pair_up(&[0xDE00, 0xD83D, 0x61, 0xD800]));
    }

    #[test]
    fn ints_and_special_floats() {
        assert_eq!(parse_decimal_int("-0012", 0).map(|b| b.to_string()), Ok("-12".to_string()));
        assert_eq!(parse_decimal_int(&"9".repeat(4301), 0).map_err(|e| e.code), Err("resource-limit"));
        assert!(parse_decimal_int("1.0", 0).is_err());
        assert_eq!(parse_hex_int("-ff").map(|b| b.to_string()), Some("-255".to_string()));
        assert_eq!(parse_special_float("-inf", None), Ok(f64::NEG_INFINITY));
        let nan = parse_special_float("nan", Some("fff8000000000001")).map(f64::to_bits);
        assert_eq!(nan, Ok(0xfff8000000000001));
        assert!(parse_special_float("nan", Some("3ff0000000000000")).is_err());
        assert!(parse_special_float("inf", Some("7ff0000000000000")).is_err());
    }
}
