//! Text forms of protocols 0/1 and string decoding, with CPython's exact rules: `strtol(…, 0)` then
//! `PyLong_FromString` for INT, `PyLong_FromString(…, 0)` for LONG, `PyOS_string_to_double` for FLOAT,
//! `PyBytes_DecodeEscape` for STRING, `raw-unicode-escape` for UNICODE, and UTF-8 with `surrogatepass` for
//! the binary unicode opcodes.

use num_bigint::BigInt;
use num_traits::{Num, ToPrimitive};

use super::value::Node;

/// CPython's cap on decimal digits in int/str conversions (`sys.int_info.default_max_str_digits`).
pub(crate) const MAX_STR_DIGITS: usize = 4300;

fn is_py_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\r' | 0x0b | 0x0c)
}

/// An integer node, small when it fits in i64.
pub(crate) fn int_node(value: BigInt) -> Node {
    match value.to_i64() {
        Some(v) => Node::Int(v),
        None => Node::BigInt(value),
    }
}

/// `PyLong_FromString(text, NULL, base)` for base 0 or 10: surrounding whitespace, a sign, base prefixes
/// (base 0), single underscores between digits; CPython's 4300-digit cap for base 10.
pub(crate) fn parse_py_int(text: &[u8], base0: bool) -> Result<Node, &'static str> {
    let mut s = text;
    while let [first, rest @ ..] = s
        && is_py_space(*first)
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && is_py_space(*last)
    {
        s = rest;
    }
    let mut negative = false;
    if let [sign @ (b'+' | b'-'), rest @ ..] = s {
        negative = *sign == b'-';
        s = rest;
    }
    let mut radix = 10u32;
    let mut allow_leading_underscore = false;
    if base0 && s.len() >= 2 && s[0] == b'0' {
        match s[1] {
            b'x' | b'X' => radix = 16,
            b'o' | b'O' => radix = 8,
            b'b' | b'B' => radix = 2,
            _ => {}
        }
        if radix != 10 {
            s = &s[2..];
            allow_leading_underscore = true;
        }
    }
    if allow_leading_underscore && s.first() == Some(&b'_') {
        s = &s[1..];
    }
    let mut digits = Vec::with_capacity(s.len());
    let mut prev_underscore = true;
    for &b in s {
        if b == b'_' {
            if prev_underscore {
                return Err("invalid literal for int()");
            }
            prev_underscore = true;
            continue;
        }
        let ok = (b as char).is_digit(radix);
        if !ok {
            return Err("invalid literal for int()");
        }
        digits.push(b);
        prev_underscore = false;
    }
    if digits.is_empty() || prev_underscore {
        return Err("invalid literal for int()");
    }
    if base0 && radix == 10 && digits[0] == b'0' && digits.iter().any(|&d| d != b'0') {
        return Err("leading zeros in decimal integer literals are not permitted");
    }
    if radix == 10 && digits.len() > MAX_STR_DIGITS {
        return Err("exceeds the limit (4300 digits) for integer string conversion");
    }
    let text = std::str::from_utf8(&digits).map_err(|_| "invalid literal for int()")?;
    let magnitude = BigInt::from_str_radix(text, radix).map_err(|_| "invalid literal for int()")?;
    Ok(int_node(if negative { -magnitude } else { magnitude }))
}

/// glibc `strtol(text, &end, 0)` accepting only when the whole text is consumed and no overflow occurs.
pub(crate) fn strtol_base0(text: &[u8]) -> Option<i64> {
    let mut i = 0;
    while i < text.len() && is_py_space(text[i]) {
        i += 1;
    }
    let mut negative = false;
    if let Some(&c @ (b'+' | b'-')) = text.get(i) {
        negative = c == b'-';
        i += 1;
    }
    let mut radix = 10u32;
    if text.get(i) == Some(&b'0') {
        if matches!(text.get(i + 1), Some(b'x' | b'X')) && text.get(i + 2).is_some_and(|c| c.is_ascii_hexdigit()) {
            radix = 16;
            i += 2;
        } else {
            radix = 8;
        }
    }
    let start = i;
    let mut value: i128 = 0;
    while let Some(d) = text.get(i).and_then(|&c| (c as char).to_digit(radix)) {
        value = value * i128::from(radix) + i128::from(d);
        if value > i128::from(i64::MAX) + 1 {
            return None;
        }
        i += 1;
    }
    if i == start || i != text.len() {
        return None;
    }
    let signed = if negative { -value } else { value };
    i64::try_from(signed).ok()
}

/// `PyOS_string_to_double` with an overflow error, requiring the whole text to be consumed.
pub(crate) fn parse_py_float(text: &[u8]) -> Result<f64, &'static str> {
    let s = std::str::from_utf8(text).map_err(|_| "could not convert string to float")?;
    let body = s.trim_start_matches(['+', '-']);
    if s.len() - body.len() > 1 || body.contains('_') || body.starts_with(char::is_whitespace) {
        return Err("could not convert string to float");
    }
    let lower = body.to_ascii_lowercase();
    let special = matches!(lower.as_str(), "inf" | "infinity" | "nan");
    if !special && !body.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'+' | b'-')) {
        return Err("could not convert string to float");
    }
    let value: f64 = s.parse().map_err(|_| "could not convert string to float")?;
    if value.is_infinite() && !special {
        return Err("float too large");
    }
    Ok(value)
}

/// `PyBytes_DecodeEscape`: Python 2 string-literal escapes.
pub(crate) fn decode_escapes(text: &[u8]) -> Result<Vec<u8>, &'static str> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c != b'\\' {
            out.push(c);
            continue;
        }
        let Some(&e) = text.get(i) else {
            return Err("Trailing \\ in string");
        };
        i += 1;
        match e {
            b'\n' => {}
            b'\\' | b'\'' | b'"' => out.push(e),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b't' => out.push(9),
            b'n' => out.push(10),
            b'r' => out.push(13),
            b'v' => out.push(11),
            b'a' => out.push(7),
            b'0'..=b'7' => {
                let mut v = u32::from(e - b'0');
                for _ in 0..2 {
                    match text.get(i) {
                        Some(&d @ b'0'..=b'7') => {
                            v = v * 8 + u32::from(d - b'0');
                            i += 1;
                        }
                        _ => break,
                    }
                }
                out.push((v & 0xff) as u8);
            }
            b'x' => {
                let hi = text.get(i).and_then(|&d| (d as char).to_digit(16));
                let lo = text.get(i + 1).and_then(|&d| (d as char).to_digit(16));
                match (hi, lo) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => return Err("invalid \\x escape"),
                }
            }
            other => {
                out.push(b'\\');
                out.push(other);
            }
        }
    }
    Ok(out)
}

/// A decoded str: valid Unicode, or code points that include surrogates (each surrogate is one code point,
/// whether or not a partner follows it, as in a Python str).
pub(crate) fn str_node_from_code_points(points: Vec<u32>) -> Result<Node, &'static str> {
    if points.iter().any(|&c| c > 0x10FFFF) {
        return Err("code point out of range");
    }
    if points.iter().any(|&c| (0xD800..0xE000).contains(&c)) {
        return Ok(Node::SurrogateStr(points));
    }
    let mut s = String::with_capacity(points.len());
    for c in points {
        s.push(char::from_u32(c).ok_or("code point out of range")?);
    }
    Ok(Node::Str(s))
}

/// `raw-unicode-escape` decoding (UNICODE opcode).
pub(crate) fn decode_raw_unicode_escape(text: &[u8]) -> Result<Node, &'static str> {
    if !text.contains(&b'\\') {
        return Ok(Node::Str(text.iter().map(|&b| b as char).collect()));
    }
    let mut points = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        if c != b'\\' {
            points.push(u32::from(c));
            continue;
        }
        let Some(&e) = text.get(i) else {
            points.push(u32::from(c));
            continue;
        };
        i += 1;
        let count = match e {
            b'u' => 4,
            b'U' => 8,
            _ => {
                points.push(u32::from(b'\\'));
                points.push(u32::from(e));
                continue;
            }
        };
        let mut v: u32 = 0;
        for _ in 0..count {
            let d = text.get(i).and_then(|&d| (d as char).to_digit(16)).ok_or("truncated \\uXXXX escape")?;
            v = v.checked_mul(16).ok_or("escape out of range")? + d;
            i += 1;
        }
        if v > 0x10FFFF {
            return Err("\\Uxxxxxxxx out of range");
        }
        points.push(v);
    }
    str_node_from_code_points(points)
}

/// UTF-8 with `surrogatepass` (BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, GLOBAL names use strict UTF-8):
/// a three-byte sequence for U+D800..U+DFFF is one code point, even when the next one is its pair partner.
pub(crate) fn decode_utf8_surrogatepass(bytes: &[u8]) -> Result<Node, &'static str> {
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(Node::Str(s.to_owned()));
    }
    let mut points = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let b0 = bytes[i];
        let (len, min, init) = match b0 {
            0x00..=0x7f => (1, 0, u32::from(b0)),
            0xc2..=0xdf => (2, 0x80, u32::from(b0 & 0x1f)),
            0xe0..=0xef => (3, 0x800, u32::from(b0 & 0x0f)),
            0xf0..=0xf4 => (4, 0x10000, u32::from(b0 & 0x07)),
            _ => return Err("invalid utf-8"),
        };
        let mut v = init;
        for k in 1..len {
            let b = *bytes.get(i + k).ok_or("truncated utf-8")?;
            if b & 0xc0 != 0x80 {
                return Err("invalid utf-8");
            }
            v = (v << 6) | u32::from(b & 0x3f);
        }
        if v < min || v > 0x10FFFF {
            return Err("invalid utf-8");
        }
        points.push(v);
        i += len;
    }
    str_node_from_code_points(points)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn py_int_rules() {
        assert_eq!(parse_py_int(b" 12_3 ", false), Ok(Node::Int(123)));
        assert_eq!(parse_py_int(b"0x_ff", true), Ok(Node::Int(255)));
        assert_eq!(parse_py_int(b"-0o17", true), Ok(Node::Int(-15)));
        assert!(parse_py_int(b"010", true).is_err());
        assert_eq!(parse_py_int(b"000", true), Ok(Node::Int(0)));
        assert!(parse_py_int(b"1__0", true).is_err());
        assert!(parse_py_int(b"", true).is_err());
        assert!(parse_py_int("9".repeat(4301).as_bytes(), true).is_err());
        assert!(matches!(parse_py_int(b"123456789012345678901234567890", true), Ok(Node::BigInt(_))));
    }

    #[test]
    fn strtol_quirks() {
        assert_eq!(strtol_base0(b"010"), Some(8));
        assert_eq!(strtol_base0(b"0x1A"), Some(26));
        assert_eq!(strtol_base0(b"-9223372036854775808"), Some(i64::MIN));
        assert_eq!(strtol_base0(b"9223372036854775808"), None);
        assert_eq!(strtol_base0(b"08"), None);
        assert_eq!(strtol_base0(b" +1"), Some(1));
    }

    #[test]
    fn floats() {
        assert_eq!(parse_py_float(b"1.5"), Ok(1.5));
        assert!(parse_py_float(b"-inf").is_ok_and(|v| v == f64::NEG_INFINITY));
        assert!(parse_py_float(b"nan").is_ok_and(f64::is_nan));
        assert!(parse_py_float(b"1e500").is_err());
        assert!(parse_py_float(b" 1").is_err());
        assert!(parse_py_float(b"1_0").is_err());
    }

    #[test]
    fn escapes() {
        assert_eq!(decode_escapes(br"a\x41\101\n\q").expect("ok"), b"aAA\n\\q".to_vec());
        assert!(decode_escapes(br"\x4").is_err());
        assert!(decode_escapes(b"\\").is_err());
    }

    #[test]
    fn raw_unicode_escape_and_surrogates() {
        assert_eq!(decode_raw_unicode_escape(b"a\\u00e9\xe9").expect("ok"), Node::Str("aéé".into()));
        assert_eq!(decode_raw_unicode_escape(b"\\ud800").expect("ok"), Node::SurrogateStr(vec![0xd800]));
        assert_eq!(decode_utf8_surrogatepass(b"\xed\xa0\x80x").expect("ok"), Node::SurrogateStr(vec![0xd800, 0x78]));
        // CPython: b'\xed\xa0\xbd\xed\xb8\x80'.decode('utf-8', 'surrogatepass') == '\ud83d\ude00' (two code points).
        assert_eq!(
            decode_utf8_surrogatepass(b"\xed\xa0\xbd\xed\xb8\x80").expect("ok"),
            Node::SurrogateStr(vec![0xd83d, 0xde00])
        );
        assert_eq!(decode_raw_unicode_escape(b"\\ud83d\\ude00").expect("ok"), Node::SurrogateStr(vec![0xd83d, 0xde00]));
        assert_eq!(
            decode_raw_unicode_escape(b"\\ud800\\U0001f600").expect("ok"),
            Node::SurrogateStr(vec![0xd800, 0x1f600])
        );
        assert_eq!(decode_utf8_surrogatepass(b"\xf0\x9f\x98\x80").expect("ok"), Node::Str("\u{1f600}".into()));
        assert!(decode_utf8_surrogatepass(b"\xff").is_err());
        assert!(decode_utf8_surrogatepass(b"\xc0\x80").is_err());
    }
}
