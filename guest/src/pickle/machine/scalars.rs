//! Numbers, strings and bytes: binary forms and the protocol 0/1 text forms.

use num_bigint::BigInt;

use super::Machine;
use crate::pickle::error::{Fail, malformed, resource};
use crate::pickle::opcodes as op;
use crate::pickle::text::{
    MAX_STR_DIGITS, decode_escapes, decode_raw_unicode_escape, decode_utf8_surrogatepass, int_node, parse_py_float,
    parse_py_int, strtol_base0,
};
use crate::pickle::value::Node;

impl Machine<'_, '_> {
    /// INT, LONG, FLOAT, LONG1, LONG4.
    pub(super) fn number(&mut self) -> Result<(), Fail> {
        let offset = self.op_offset;
        let node = match self.op {
            op::INT => {
                let line = self.reader.line()?;
                if line.is_empty() {
                    return Err(malformed(offset, "pickle data was truncated (empty INT)"));
                }
                match strtol_base0(line) {
                    // CPython's quirk: a two-character line that parses to 0 or 1 is a bool ("00", "01").
                    Some(v @ (0 | 1)) if line.len() == 2 => Node::Bool(v == 1),
                    Some(v) => Node::Int(v),
                    None => {
                        self.check_digits(line)?;
                        parse_py_int(line, true).map_err(|m| malformed(offset, format!("INT: {m}")))?
                    }
                }
            }
            op::LONG => {
                let mut line = self.reader.line()?;
                if line.is_empty() {
                    return Err(malformed(offset, "pickle data was truncated (empty LONG)"));
                }
                if line.last() == Some(&b'L') {
                    line = &line[..line.len() - 1];
                }
                self.check_digits(line)?;
                parse_py_int(line, true).map_err(|m| malformed(offset, format!("LONG: {m}")))?
            }
            op::FLOAT => {
                let line = self.reader.line()?;
                Node::Float(parse_py_float(line).map_err(|m| malformed(offset, format!("FLOAT: {m}")))?)
            }
            op::LONG1 => {
                let n = self.reader.byte()?;
                let bytes = self.reader.take(usize::from(n))?;
                long_from_le(bytes)
            }
            _ => {
                let n = self.reader.u32_le()? as i32;
                let Ok(n) = u64::try_from(n) else {
                    return Err(malformed(offset, "LONG pickle has negative byte count"));
                };
                if n > self.limits().max_bigint_bytes as u64 {
                    return Err(resource(offset, format!("LONG4 of {n} bytes exceeds max_bigint_bytes")));
                }
                let bytes = self.reader.take_declared(n)?;
                long_from_le(bytes)
            }
        };
        self.push_node(node)
    }

    /// Text ints: cap the digit count before any quadratic conversion.
    fn check_digits(&self, line: &[u8]) -> Result<(), Fail> {
        let cap = (self.limits().max_bigint_bytes.saturating_mul(5) / 2).max(MAX_STR_DIGITS);
        if line.len() > cap.saturating_add(64) {
            return Err(resource(self.op_offset, "text integer exceeds max_bigint_bytes"));
        }
        Ok(())
    }

    /// STRING, BINSTRING, SHORT_BINSTRING, UNICODE, BINUNICODE, SHORT_BINUNICODE, BINUNICODE8, BINBYTES,
    /// SHORT_BINBYTES, BINBYTES8, BYTEARRAY8.
    pub(super) fn string(&mut self) -> Result<(), Fail> {
        let offset = self.op_offset;
        let node = match self.op {
            op::STRING => {
                let line = self.reader.line()?;
                let inner = match line {
                    [q, inner @ .., q2] if q == q2 && (*q == b'\'' || *q == b'"') => inner,
                    _ => return Err(malformed(offset, "the STRING opcode argument must be quoted")),
                };
                let bytes = decode_escapes(inner).map_err(|m| malformed(offset, format!("STRING: {m}")))?;
                ascii_str(bytes).ok_or_else(|| malformed(offset, "STRING is not ASCII (default encoding)"))?
            }
            op::BINSTRING | op::SHORT_BINSTRING => {
                let n = if self.op == op::BINSTRING {
                    let n = self.reader.u32_le()? as i32;
                    u64::try_from(n).map_err(|_| malformed(offset, "BINSTRING pickle has negative byte count"))?
                } else {
                    u64::from(self.reader.byte()?)
                };
                let bytes = self.reader.take_declared(n)?;
                ascii_str(bytes.to_vec())
                    .ok_or_else(|| malformed(offset, "BINSTRING is not ASCII (default encoding)"))?
            }
            op::UNICODE => {
                let line = self.reader.line()?;
                decode_raw_unicode_escape(line).map_err(|m| malformed(offset, format!("UNICODE: {m}")))?
            }
            op::SHORT_BINUNICODE | op::BINUNICODE | op::BINUNICODE8 => {
                let n = self.length()?;
                let bytes = self.reader.take_declared(n)?;
                decode_utf8_surrogatepass(bytes).map_err(|m| malformed(offset, format!("{}: {m}", self.opname())))?
            }
            op::SHORT_BINBYTES | op::BINBYTES | op::BINBYTES8 => {
                let n = self.length()?;
                Node::Bytes(self.reader.take_declared(n)?.to_vec())
            }
            _ => {
                let n = self.length()?;
                Node::ByteArray(self.reader.take_declared(n)?.to_vec())
            }
        };
        self.push_node(node)
    }

    /// The length prefix of the current opcode (1, 4 or 8 bytes).
    fn length(&mut self) -> Result<u64, Fail> {
        Ok(match self.op {
            op::SHORT_BINUNICODE | op::SHORT_BINBYTES => u64::from(self.reader.byte()?),
            op::BINUNICODE | op::BINBYTES => u64::from(self.reader.u32_le()?),
            _ => self.reader.u64_le()?,
        })
    }
}

/// Little-endian two's complement (LONG1 / LONG4).
fn long_from_le(bytes: &[u8]) -> Node {
    if bytes.len() <= 8 {
        if bytes.is_empty() {
            return Node::Int(0);
        }
        let fill = if bytes[bytes.len() - 1] & 0x80 != 0 { 0xff } else { 0 };
        let mut a = [fill; 8];
        a[..bytes.len()].copy_from_slice(bytes);
        return Node::Int(i64::from_le_bytes(a));
    }
    int_node(BigInt::from_signed_bytes_le(bytes))
}

/// Protocol 0–2 str with the default `encoding='ASCII'`.
fn ascii_str(bytes: Vec<u8>) -> Option<Node> {
    if bytes.is_ascii() { String::from_utf8(bytes).ok().map(Node::Str) } else { None }
}
