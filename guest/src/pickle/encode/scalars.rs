//! Scalars in each protocol's own opcodes: bool, int, big int, float, str and bytes, written the way
//! CPython's pickler writes them (protocol 0 in text forms).

use num_bigint::BigInt;
use num_traits::{Signed, ToPrimitive};

use super::writer::{Writer, op};

/// CPython refuses to parse decimal ints with more digits than this (`sys.get_int_max_str_digits()`), so
/// the text LONG form of protocols 0 and 1 cannot carry them.
const MAX_INT_DIGITS: usize = 4300;

/// Text to write as a Python str.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Text<'a> {
    /// Well-formed text.
    Utf8(&'a str),
    /// Bytes read as latin-1 (the str inside protocol < 3's `_codecs.encode(str, 'latin1')`).
    Latin1(&'a [u8]),
    /// Code points that may include surrogates (a surrogate str); each surrogate is its own code point.
    CodePoints(&'a [u32]),
}

impl Text<'_> {
    /// Code points of the text, surrogates included.
    fn code_points(&self) -> Box<dyn Iterator<Item = u32> + '_> {
        match *self {
            Text::Utf8(s) => Box::new(s.chars().map(u32::from)),
            Text::Latin1(b) => Box::new(b.iter().map(|&c| u32::from(c))),
            Text::CodePoints(points) => Box::new(points.iter().copied()),
        }
    }

    /// The text as UTF-8, with each surrogate encoded as its own 3-byte sequence (what CPython's
    /// `surrogatepass` decoder of BINUNICODE expects, and what its pickler writes).
    fn to_wtf8(self) -> Vec<u8> {
        let mut out = Vec::new();
        for cp in self.code_points() {
            push_wtf8(&mut out, cp);
        }
        out
    }
}

fn push_wtf8(out: &mut Vec<u8>, cp: u32) {
    // Truncating casts are intended: each byte holds six payload bits under a marker.
    if cp < 0x80 {
        out.push(cp as u8);
    } else if cp < 0x800 {
        out.extend_from_slice(&[0xc0 | (cp >> 6) as u8, 0x80 | (cp & 0x3f) as u8]);
    } else if cp < 0x1_0000 {
        out.extend_from_slice(&[0xe0 | (cp >> 12) as u8, 0x80 | ((cp >> 6) & 0x3f) as u8, 0x80 | (cp & 0x3f) as u8]);
    } else {
        out.extend_from_slice(&[
            0xf0 | (cp >> 18) as u8,
            0x80 | ((cp >> 12) & 0x3f) as u8,
            0x80 | ((cp >> 6) & 0x3f) as u8,
            0x80 | (cp & 0x3f) as u8,
        ]);
    }
}

/// `True` / `False`.
pub(crate) fn write_bool(w: &mut Writer, protocol: u8, value: bool) {
    match (protocol >= 2, value) {
        (true, true) => w.op(op::NEWTRUE),
        (true, false) => w.op(op::NEWFALSE),
        (false, true) => w.raw(b"I01\n"),
        (false, false) => w.raw(b"I00\n"),
    }
}

/// Whether `value` can be written exactly in `protocol` (protocol 0's text FLOAT holds no NaN payloads).
pub(crate) fn check_float(protocol: u8, value: f64) -> Result<(), String> {
    let bits = value.to_bits();
    if protocol == 0 && value.is_nan() && bits != 0x7ff8_0000_0000_0000 && bits != 0xfff8_0000_0000_0000 {
        return Err(format!(
            "the NaN with bit pattern {bits:#018x} cannot be written in protocol 0 (text FLOAT only holds the \
             standard NaN); use protocol 1 or later"
        ));
    }
    Ok(())
}

/// Whether `value` can be written in `protocol` (the text LONG of protocols 0–1 is limited by CPython's
/// int parsing to 4300 digits).
pub(crate) fn check_bigint(protocol: u8, value: &BigInt) -> Result<(), String> {
    // 4300 decimal digits need more than 14280 bits; anything below 14000 bits is short enough.
    if protocol >= 2 || value.to_i64().is_some() || value.bits() < 14_000 {
        return Ok(());
    }
    let count = value.to_string().len() - usize::from(value.is_negative());
    if count > MAX_INT_DIGITS {
        return Err(format!(
            "an int of {count} decimal digits cannot be written in protocol {protocol} (text LONG; CPython parses \
             at most {MAX_INT_DIGITS} digits); use protocol 2 or later"
        ));
    }
    Ok(())
}

/// An int that fits in 64 bits.
pub(crate) fn write_int(w: &mut Writer, protocol: u8, value: i64) {
    let fits_i32 = i32::try_from(value).is_ok();
    if protocol == 0 {
        if fits_i32 {
            w.text(op::INT, &value.to_string());
        } else {
            w.text(op::LONG, &format!("{value}L"));
        }
    } else if let Ok(v) = u8::try_from(value) {
        w.raw(&[op::BININT1, v]);
    } else if let Ok(v) = u16::try_from(value) {
        let [a, b] = v.to_le_bytes();
        w.raw(&[op::BININT2, a, b]);
    } else if let Ok(v) = i32::try_from(value) {
        let [a, b, c, d] = v.to_le_bytes();
        w.raw(&[op::BININT, a, b, c, d]);
    } else if protocol >= 2 {
        write_long_binary(w, &BigInt::from(value));
    } else {
        w.text(op::LONG, &format!("{value}L"));
    }
}

/// Any int; values that fit in 64 bits take the same forms as [`write_int`].
pub(crate) fn write_bigint(w: &mut Writer, protocol: u8, value: &BigInt) -> Result<(), String> {
    if let Some(small) = value.to_i64() {
        write_int(w, protocol, small);
        return Ok(());
    }
    if protocol >= 2 {
        write_long_binary(w, value);
        return Ok(());
    }
    check_bigint(protocol, value)?;
    let digits = value.to_string();
    w.text(op::LONG, &format!("{digits}L"));
    Ok(())
}

/// LONG1 / LONG4: minimal little-endian two's complement, as CPython's `encode_long`.
fn write_long_binary(w: &mut Writer, value: &BigInt) {
    let bytes = value.to_signed_bytes_le();
    if let Ok(n) = u8::try_from(bytes.len()) {
        w.raw(&[op::LONG1, n]);
        w.raw(&bytes);
    } else {
        let n = u32::try_from(bytes.len()).unwrap_or(u32::MAX);
        let mut header = [op::LONG4, 0, 0, 0, 0];
        header[1..].copy_from_slice(&n.to_le_bytes());
        w.payload(&header, &bytes);
    }
}

/// A float, bit-exact in protocol 1 and later; protocol 0's text FLOAT holds every value except NaNs
/// with a payload.
pub(crate) fn write_float(w: &mut Writer, protocol: u8, value: f64) -> Result<(), String> {
    if protocol >= 1 {
        let mut bytes = [op::BINFLOAT, 0, 0, 0, 0, 0, 0, 0, 0];
        bytes[1..].copy_from_slice(&value.to_bits().to_be_bytes());
        w.raw(&bytes);
        return Ok(());
    }
    check_float(protocol, value)?;
    let text = if value.is_nan() {
        if value.is_sign_negative() { "-nan".to_string() } else { "nan".to_string() }
    } else {
        python_float_repr(value)
    };
    w.text(op::FLOAT, &text);
    Ok(())
}

/// Python's `repr(float)`: the shortest round-tripping digits, fixed notation for decimal exponents in
/// -4..16, otherwise `d.ddde±XX`.
pub(crate) fn python_float_repr(value: f64) -> String {
    if value.is_infinite() {
        return if value > 0.0 { "inf".into() } else { "-inf".into() };
    }
    if value.is_nan() {
        return "nan".into();
    }
    // Rust's `{:e}` prints the shortest round-tripping digits as `[-]d[.ddd]e[-]x`.
    let sci = format!("{value:e}");
    let (sign, rest) = match sci.strip_prefix('-') {
        Some(rest) => ("-", rest),
        None => ("", sci.as_str()),
    };
    let (mantissa, exponent) = rest.split_once('e').unwrap_or((rest, "0"));
    let exponent: i32 = exponent.parse().unwrap_or(0);
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    if (-4..16).contains(&exponent) {
        let point = exponent + 1;
        let body = if point <= 0 {
            format!("0.{}{}", "0".repeat(point.unsigned_abs() as usize), digits)
        } else {
            let point = point as usize;
            if digits.len() <= point {
                format!("{}{}.0", digits, "0".repeat(point - digits.len()))
            } else {
                format!("{}.{}", &digits[..point], &digits[point..])
            }
        };
        format!("{sign}{body}")
    } else {
        let mantissa = if digits.len() > 1 { format!("{}.{}", &digits[..1], &digits[1..]) } else { digits };
        let exp_sign = if exponent < 0 { '-' } else { '+' };
        format!("{sign}{mantissa}e{exp_sign}{:02}", exponent.unsigned_abs())
    }
}

/// A str: UNICODE with raw-unicode-escape in protocol 0, else (SHORT_)BINUNICODE(8).
pub(crate) fn write_str(w: &mut Writer, protocol: u8, text: Text<'_>) -> Result<(), String> {
    if let Text::CodePoints(points) = text
        && let Some(bad) = points.iter().find(|&&cp| cp > 0x10_FFFF)
    {
        return Err(format!("{bad:#x} is not a Unicode code point"));
    }
    if protocol == 0 {
        let mut out = vec![op::UNICODE];
        for cp in text.code_points() {
            if cp >= 0x1_0000 {
                out.extend_from_slice(format!("\\U{cp:08x}").as_bytes());
            } else if cp >= 0x100 || matches!(cp, 0x00 | 0x0a | 0x0d | 0x1a | 0x5c) {
                out.extend_from_slice(format!("\\u{cp:04x}").as_bytes());
            } else {
                // Below 0x100: written as one latin-1 byte.
                out.push(cp as u8);
            }
        }
        out.push(b'\n');
        w.raw(&out);
        return Ok(());
    }
    let owned;
    let bytes: &[u8] = match text {
        Text::Utf8(s) => s.as_bytes(),
        other => {
            owned = other.to_wtf8();
            &owned
        }
    };
    write_sized(w, protocol, bytes, [op::SHORT_BINUNICODE, op::BINUNICODE, op::BINUNICODE8], "str")
}

/// bytes in protocol 3 and later (earlier protocols have no bytes opcode; see the driver).
pub(crate) fn write_bytes(w: &mut Writer, protocol: u8, bytes: &[u8]) -> Result<(), String> {
    write_sized(w, protocol, bytes, [op::SHORT_BINBYTES, op::BINBYTES, op::BINBYTES8], "bytes")
}

/// bytearray in protocol 5.
pub(crate) fn write_bytearray8(w: &mut Writer, bytes: &[u8]) {
    let mut header = [op::BYTEARRAY8, 0, 0, 0, 0, 0, 0, 0, 0];
    header[1..].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
    w.payload(&header, bytes);
}

/// Writes a length-prefixed payload with the short (1-byte length, protocol 4+ for str), 4-byte or 8-byte
/// (protocol 4+) opcode.
fn write_sized(w: &mut Writer, protocol: u8, bytes: &[u8], ops: [u8; 3], what: &str) -> Result<(), String> {
    let [short, medium, long] = ops;
    let short_allowed = protocol >= 4 || short == op::SHORT_BINBYTES;
    if let (true, Ok(n)) = (short_allowed, u8::try_from(bytes.len())) {
        w.raw(&[short, n]);
        w.raw(bytes);
    } else if let Ok(n) = u32::try_from(bytes.len()) {
        let mut header = [medium, 0, 0, 0, 0];
        header[1..].copy_from_slice(&n.to_le_bytes());
        w.payload(&header, bytes);
    } else if protocol >= 4 {
        let mut header = [long, 0, 0, 0, 0, 0, 0, 0, 0];
        header[1..].copy_from_slice(&(bytes.len() as u64).to_le_bytes());
        w.payload(&header, bytes);
    } else {
        return Err(format!("a {what} larger than 4 GiB needs protocol 4 or later"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn out(protocol: u8, f: impl FnOnce(&mut Writer)) -> Vec<u8> {
        let mut w = Writer::new(protocol);
        f(&mut w);
        w.finish()
    }

    #[test]
    fn ints_match_cpython() {
        // Expected bytes from CPython 3.11 `pickle.dumps(v, protocol)`.
        assert_eq!(out(0, |w| write_int(w, 0, 5)), b"I5\n.");
        assert_eq!(out(0, |w| write_int(w, 0, 2_147_483_648)), b"L2147483648L\n.");
        assert_eq!(out(1, |w| write_int(w, 1, 300)), b"M,\x01.");
        assert_eq!(out(1, |w| write_int(w, 1, -1)), b"J\xff\xff\xff\xff.");
        assert_eq!(out(1, |w| write_int(w, 1, -2_147_483_649)), b"L-2147483649L\n.");
        assert_eq!(out(2, |w| write_int(w, 2, 2_147_483_648)), b"\x80\x02\x8a\x05\x00\x00\x00\x80\x00.");
        assert_eq!(out(2, |w| write_int(w, 2, -2_147_483_649)), b"\x80\x02\x8a\x05\xff\xff\xff\x7f\xff.");
        assert_eq!(out(2, |w| write_int(w, 2, i64::MIN)), b"\x80\x02\x8a\x08\x00\x00\x00\x00\x00\x00\x00\x80.");
        assert_eq!(out(2, |w| write_int(w, 2, -128)), b"\x80\x02J\x80\xff\xff\xff.");
    }

    #[test]
    fn big_ints_match_cpython() {
        let big: BigInt = BigInt::from(1u8) << 100u32;
        assert_eq!(
            out(2, |w| write_bigint(w, 2, &big).unwrap_or(())),
            b"\x80\x02\x8a\r\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x10."
        );
        assert_eq!(out(0, |w| write_bigint(w, 0, &big).unwrap_or(())), b"L1267650600228229401496703205376L\n.");
        let neg: BigInt = -(BigInt::from(1u8) << 64u32);
        assert_eq!(
            out(2, |w| write_bigint(w, 2, &neg).unwrap_or(())),
            b"\x80\x02\x8a\t\x00\x00\x00\x00\x00\x00\x00\x00\xff."
        );
        let huge: BigInt = BigInt::from(1u8) << 4000u32;
        let mut w = Writer::new(2);
        assert!(write_bigint(&mut w, 2, &huge).is_ok());
        let bytes = w.finish();
        assert_eq!(&bytes[2..4], &[op::LONG4, 0xf5]);
        let too_many_digits = BigInt::from(10u8).pow(4300);
        assert!(write_bigint(&mut Writer::new(0), 0, &too_many_digits).is_err());
        let just_fits = BigInt::from(10u8).pow(4299);
        assert!(write_bigint(&mut Writer::new(1), 1, &just_fits).is_ok());
    }

    #[test]
    fn floats_match_cpython() {
        assert_eq!(out(0, |w| write_float(w, 0, 1.0).unwrap_or(())), b"F1.0\n.");
        assert_eq!(out(1, |w| write_float(w, 1, 0.1).unwrap_or(())), b"G?\xb9\x99\x99\x99\x99\x99\x9a.");
        let nan_payload = f64::from_bits(0x7ff0_0000_0000_0001);
        assert_eq!(out(1, |w| write_float(w, 1, nan_payload).unwrap_or(())), b"G\x7f\xf0\x00\x00\x00\x00\x00\x01.");
        assert!(write_float(&mut Writer::new(0), 0, nan_payload).is_err());
        assert_eq!(out(0, |w| write_float(w, 0, f64::NAN).unwrap_or(())), b"Fnan\n.");
        assert_eq!(out(0, |w| write_float(w, 0, -f64::NAN).unwrap_or(())), b"F-nan\n.");
    }

    #[test]
    fn float_repr_follows_python() {
        let cases: &[(f64, &str)] = &[
            (1.0, "1.0"),
            (1e16, "1e+16"),
            (1e-5, "1e-05"),
            (0.0001, "0.0001"),
            (0.1, "0.1"),
            (-0.0, "-0.0"),
            (0.0, "0.0"),
            (123456789012345678.0, "1.2345678901234568e+17"),
            (1234567890123456.0, "1234567890123456.0"),
            (f64::INFINITY, "inf"),
            (f64::NEG_INFINITY, "-inf"),
            (1.5e300, "1.5e+300"),
            (-2.5e-300, "-2.5e-300"),
            (5e-324, "5e-324"),
            (f64::MAX, "1.7976931348623157e+308"),
            (100.25, "100.25"),
            (0.00012, "0.00012"),
        ];
        for (value, text) in cases {
            assert_eq!(python_float_repr(*value), *text, "{value:e}");
        }
    }

    #[test]
    fn strings_match_cpython() {
        let s = "\u{0}\n\r\u{1a}\\\u{e9}\u{1234}\u{1f600}\u{7f}\u{80}";
        assert_eq!(
            out(0, |w| write_str(w, 0, Text::Utf8(s)).unwrap_or(())),
            b"V\\u0000\\u000a\\u000d\\u001a\\u005c\xe9\\u1234\\U0001f600\x7f\x80\n."
        );
        assert_eq!(
            out(1, |w| write_str(w, 1, Text::Utf8(s)).unwrap_or(())),
            b"X\x11\x00\x00\x00\x00\n\r\x1a\\\xc3\xa9\xe1\x88\xb4\xf0\x9f\x98\x80\x7f\xc2\x80."
        );
        assert_eq!(out(4, |w| write_str(w, 4, Text::Utf8("")).unwrap_or(())), b"\x80\x04\x8c\x00.");
    }

    #[test]
    fn surrogates_and_latin1() {
        // '\ud800x\U0001f600' pickled by CPython 3.11 with protocol 3 / 0.
        let points = [0xd800, u32::from(b'x'), 0x1f600];
        assert_eq!(
            out(3, |w| write_str(w, 3, Text::CodePoints(&points)).unwrap_or(())),
            b"\x80\x03X\x08\x00\x00\x00\xed\xa0\x80x\xf0\x9f\x98\x80."
        );
        assert_eq!(out(0, |w| write_str(w, 0, Text::CodePoints(&points)).unwrap_or(())), b"V\\ud800x\\U0001f600\n.");
        // '\ud83d\ude00' (two code points, not the emoji): CPython 3.11, protocols 3 and 0.
        let pair = [0xd83d, 0xde00];
        assert_eq!(
            out(3, |w| write_str(w, 3, Text::CodePoints(&pair)).unwrap_or(())),
            b"\x80\x03X\x06\x00\x00\x00\xed\xa0\xbd\xed\xb8\x80."
        );
        assert_eq!(out(0, |w| write_str(w, 0, Text::CodePoints(&pair)).unwrap_or(())), b"V\\ud83d\\ude00\n.");
        assert!(write_str(&mut Writer::new(3), 3, Text::CodePoints(&[0x11_0000])).is_err());
        assert_eq!(
            out(2, |w| write_str(w, 2, Text::Latin1(&[0x07, 0xe4])).unwrap_or(())),
            b"\x80\x02X\x03\x00\x00\x00\x07\xc3\xa4."
        );
    }

    #[test]
    fn bytes_forms() {
        assert_eq!(out(3, |w| write_bytes(w, 3, b"ab").unwrap_or(())), b"\x80\x03C\x02ab.");
        let big = vec![1u8; 300];
        let o = out(3, |w| write_bytes(w, 3, &big).unwrap_or(()));
        assert_eq!(&o[2..7], b"B\x2c\x01\x00\x00");
        assert_eq!(
            out(5, |w| write_bytearray8(w, b"x")),
            b"\x80\x05\x95\x0b\x00\x00\x00\x00\x00\x00\x00\x96\x01\x00\x00\x00\x00\x00\x00\x00x."
        );
    }
}
