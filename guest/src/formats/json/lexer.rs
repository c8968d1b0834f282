//! JSON tokens (RFC 8259, plus Python's `NaN` / `Infinity` / `-Infinity`): strings with every escape,
//! lone surrogates included, and numbers as Python's `json.loads` reads them (int when there is no
//! fraction or exponent). Positions are byte offsets in the source text.

use num_bigint::BigInt;

use super::text::MAX_INT_DIGITS;
use crate::formats::msgpack::{Res, TranscodeError, int_node};
use crate::pickle::value::Node;

/// A cursor over JSON text.
pub(crate) struct Lexer<'a> {
    pub src: &'a [u8],
    pub pos: usize,
}

/// Text of a JSON string: a normal str, or code points once it holds a lone surrogate.
pub(crate) enum JsonStr {
    Text(String),
    Points(Vec<u32>),
}

impl JsonStr {
    /// The node for this string.
    pub fn into_node(self) -> Node {
        match self {
            JsonStr::Text(s) => Node::Str(s),
            JsonStr::Points(p) => Node::SurrogateStr(p),
        }
    }

    fn push_surrogate(&mut self, unit: u16) {
        if let JsonStr::Text(s) = self {
            *self = JsonStr::Points(s.chars().map(u32::from).collect());
        }
        if let JsonStr::Points(points) = self {
            points.push(u32::from(unit));
        }
    }

    fn push_char(&mut self, c: char) {
        match self {
            JsonStr::Text(s) => s.push(c),
            JsonStr::Points(points) => points.push(u32::from(c)),
        }
    }

    fn push_str(&mut self, part: &str) {
        match self {
            JsonStr::Text(s) => s.push_str(part),
            JsonStr::Points(points) => points.extend(part.chars().map(u32::from)),
        }
    }
}

fn bad<T>(at: usize, message: impl Into<String>) -> Res<T> {
    Err(TranscodeError::malformed(at, message))
}

impl<'a> Lexer<'a> {
    /// The next non-whitespace byte, without consuming it.
    pub fn peek(&mut self) -> Option<u8> {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.src.get(self.pos) {
            self.pos += 1;
        }
        self.src.get(self.pos).copied()
    }

    /// Consumes `byte` (after whitespace) or fails naming `what`.
    pub fn expect(&mut self, byte: u8, what: &str) -> Res<()> {
        match self.peek() {
            Some(b) if b == byte => {
                self.pos += 1;
                Ok(())
            }
            Some(_) => bad(self.pos, format!("expected {what}")),
            None => bad(self.pos, format!("expected {what}, found end of input")),
        }
    }

    fn hex4(&mut self) -> Res<u16> {
        let digits = self
            .src
            .get(self.pos..self.pos + 4)
            .ok_or_else(|| TranscodeError::malformed(self.pos, "short \\u escape"))?;
        let mut v = 0u16;
        for &d in digits {
            let Some(x) = char::from(d).to_digit(16) else {
                return bad(self.pos, "bad \\u escape");
            };
            v = (v << 4) | x as u16;
        }
        self.pos += 4;
        Ok(v)
    }

    /// A string; the opening quote is the next byte.
    pub fn string(&mut self) -> Res<JsonStr> {
        let start = self.pos;
        self.pos += 1;
        let mut out = JsonStr::Text(String::new());
        loop {
            let run_start = self.pos;
            while let Some(&b) = self.src.get(self.pos) {
                if b == b'"' || b == b'\\' || b < 0x20 {
                    break;
                }
                self.pos += 1;
            }
            if self.pos > run_start {
                // The source is a &str and runs stop only at ASCII bytes, so each run is valid UTF-8.
                match std::str::from_utf8(self.src.get(run_start..self.pos).unwrap_or(&[])) {
                    Ok(part) => out.push_str(part),
                    Err(_) => return bad(run_start, "invalid UTF-8"),
                }
            }
            let at = self.pos;
            match self.src.get(at) {
                None => return bad(start, "unterminated string"),
                Some(b'"') => {
                    self.pos += 1;
                    return Ok(out);
                }
                Some(b'\\') => {
                    self.pos += 1;
                    let esc = self.src.get(self.pos).copied();
                    self.pos += 1;
                    let c = match esc {
                        Some(b'"') => '"',
                        Some(b'\\') => '\\',
                        Some(b'/') => '/',
                        Some(b'b') => '\u{8}',
                        Some(b'f') => '\u{c}',
                        Some(b'n') => '\n',
                        Some(b'r') => '\r',
                        Some(b't') => '\t',
                        Some(b'u') => {
                            self.escape_u(&mut out)?;
                            continue;
                        }
                        _ => return bad(at, "invalid escape"),
                    };
                    out.push_char(c);
                }
                Some(_) => return bad(at, "control character in string"),
            }
        }
    }

    fn escape_u(&mut self, out: &mut JsonStr) -> Res<()> {
        let unit = self.hex4()?;
        if (0xD800..0xDC00).contains(&unit) && self.src.get(self.pos..self.pos + 2) == Some(b"\\u") {
            let save = self.pos;
            self.pos += 2;
            let low = self.hex4()?;
            if (0xDC00..0xE000).contains(&low) {
                let cp = 0x10000 + ((u32::from(unit) - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                out.push_char(char::from_u32(cp).unwrap_or('\u{FFFD}'));
                return Ok(());
            }
            self.pos = save;
        }
        match char::from_u32(u32::from(unit)) {
            Some(c) => out.push_char(c),
            None => out.push_surrogate(unit),
        }
        Ok(())
    }

    /// A number, or `-Infinity`; the first byte is `-` or a digit.
    pub fn number(&mut self) -> Res<Node> {
        let start = self.pos;
        if self.src.get(start..start + 9) == Some(b"-Infinity") {
            self.pos += 9;
            return Ok(Node::Float(f64::NEG_INFINITY));
        }
        let digits = |lexer: &mut Self| {
            let from = lexer.pos;
            while lexer.src.get(lexer.pos).is_some_and(u8::is_ascii_digit) {
                lexer.pos += 1;
            }
            lexer.pos - from
        };
        if self.src.get(self.pos) == Some(&b'-') {
            self.pos += 1;
        }
        let int_start = self.pos;
        let int_digits = digits(self);
        if int_digits == 0 || (int_digits > 1 && self.src.get(int_start) == Some(&b'0')) {
            return bad(start, "invalid number");
        }
        let mut is_float = false;
        if self.src.get(self.pos) == Some(&b'.') {
            self.pos += 1;
            is_float = true;
            if digits(self) == 0 {
                return bad(start, "invalid number");
            }
        }
        if let Some(b'e' | b'E') = self.src.get(self.pos) {
            self.pos += 1;
            is_float = true;
            if let Some(b'+' | b'-') = self.src.get(self.pos) {
                self.pos += 1;
            }
            if digits(self) == 0 {
                return bad(start, "invalid number");
            }
        }
        let text = std::str::from_utf8(self.src.get(start..self.pos).unwrap_or(&[])).unwrap_or("");
        if is_float {
            return text
                .parse::<f64>()
                .map(Node::Float)
                .map_err(|_| TranscodeError::malformed(start, "invalid number"));
        }
        if let Ok(i) = text.parse::<i64>() {
            return Ok(Node::Int(i));
        }
        if int_digits > MAX_INT_DIGITS {
            return Err(TranscodeError::limit(start, format!("int of {int_digits} digits (at most {MAX_INT_DIGITS})")));
        }
        let big: BigInt = text.parse().map_err(|_| TranscodeError::malformed(start, "invalid number"))?;
        Ok(int_node(big))
    }

    /// One of the bare words `true`, `false`, `null`, `NaN`, `Infinity`.
    pub fn word(&mut self) -> Res<Node> {
        let words: [(&[u8], Node); 5] = [
            (b"true", Node::Bool(true)),
            (b"false", Node::Bool(false)),
            (b"null", Node::None),
            (b"NaN", Node::Float(f64::NAN)),
            (b"Infinity", Node::Float(f64::INFINITY)),
        ];
        let rest = self.src.get(self.pos..).unwrap_or(&[]);
        for (word, node) in words {
            if rest.starts_with(word) {
                self.pos += word.len();
                return Ok(node);
            }
        }
        bad(self.pos, "unexpected character")
    }
}
