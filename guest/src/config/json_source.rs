//! A strict JSON (RFC 8259) parser that records the position of every value and key, so diagnostics can
//! point at the source. Iterative over input length, recursive only up to [`MAX_DEPTH`].

use serde_json::{Map, Number, Value};

use super::InputError;
use super::document::{Document, DocumentBuilder, Position, check_depth, pointer_index, pointer_push};

/// Parses `text` as one JSON document.
pub fn parse(text: &str) -> Result<Document, InputError> {
    let mut parser = JsonParser {
        text,
        bytes: text.as_bytes(),
        offset: 0,
        builder: DocumentBuilder::default(),
        tracker: PositionTracker::default(),
    };
    parser.skip_whitespace();
    if parser.offset == parser.bytes.len() {
        return Err(InputError::whole("empty-document", "the document is empty"));
    }
    let value = parser.value("", 0)?;
    parser.skip_whitespace();
    if parser.offset != parser.bytes.len() {
        return Err(parser.error("unexpected content after the end of the JSON document"));
    }
    Ok(parser.builder.finish(value))
}

struct JsonParser<'a> {
    text: &'a str,
    bytes: &'a [u8],
    offset: usize,
    builder: DocumentBuilder,
    tracker: PositionTracker,
}

impl JsonParser<'_> {
    fn position(&mut self) -> Position {
        self.tracker.position(self.text, self.offset)
    }

    fn error(&mut self, message: impl Into<String>) -> InputError {
        let position = self.position();
        InputError::at("parse-error", message.into(), position)
    }

    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\t' | b'\n' | b'\r') = self.bytes.get(self.offset) {
            self.offset += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.offset).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), InputError> {
        if self.peek() == Some(byte) {
            self.offset += 1;
            Ok(())
        } else {
            Err(self.error(format!("expected '{}' {}", byte as char, self.found())))
        }
    }

    fn found(&self) -> String {
        match self.text[self.offset..].chars().next() {
            Some(ch) => format!("but found '{ch}'"),
            None => "but the document ended".to_owned(),
        }
    }

    fn value(&mut self, pointer: &str, depth: usize) -> Result<Value, InputError> {
        let position = self.position();
        check_depth(depth, position)?;
        self.builder.value_at(pointer, position)?;
        match self.peek() {
            Some(b'{') => self.object(pointer, depth),
            Some(b'[') => self.array(pointer, depth),
            Some(b'"') => self.string().map(Value::String),
            Some(b't') => self.literal("true", Value::Bool(true)),
            Some(b'f') => self.literal("false", Value::Bool(false)),
            Some(b'n') => self.literal("null", Value::Null),
            Some(b'-' | b'0'..=b'9') => self.number(),
            _ => Err(self.error(format!("expected a JSON value {}", self.found()))),
        }
    }

    fn object(&mut self, pointer: &str, depth: usize) -> Result<Value, InputError> {
        self.offset += 1;
        let mut map = Map::new();
        self.skip_whitespace();
        if self.peek() == Some(b'}') {
            self.offset += 1;
            return Ok(Value::Object(map));
        }
        loop {
            self.skip_whitespace();
            let key_position = self.position();
            if self.peek() != Some(b'"') {
                return Err(self.error(format!("expected a quoted object key {}", self.found())));
            }
            let key = self.string()?;
            if map.contains_key(&key) {
                return Err(InputError::at("parse-error", format!("duplicate object key \"{key}\""), key_position));
            }
            let member = pointer_push(pointer, &key);
            self.builder.key_at(&member, key_position);
            self.skip_whitespace();
            self.expect(b':')?;
            self.skip_whitespace();
            let value = self.value(&member, depth + 1)?;
            map.insert(key, value);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.offset += 1,
                Some(b'}') => {
                    self.offset += 1;
                    return Ok(Value::Object(map));
                }
                _ => return Err(self.error(format!("expected ',' or '}}' {}", self.found()))),
            }
        }
    }

    fn array(&mut self, pointer: &str, depth: usize) -> Result<Value, InputError> {
        self.offset += 1;
        let mut items = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(b']') {
            self.offset += 1;
            return Ok(Value::Array(items));
        }
        loop {
            self.skip_whitespace();
            let item = self.value(&pointer_index(pointer, items.len()), depth + 1)?;
            items.push(item);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.offset += 1,
                Some(b']') => {
                    self.offset += 1;
                    return Ok(Value::Array(items));
                }
                _ => return Err(self.error(format!("expected ',' or ']' {}", self.found()))),
            }
        }
    }

    fn literal(&mut self, word: &str, value: Value) -> Result<Value, InputError> {
        if self.text[self.offset..].starts_with(word) {
            self.offset += word.len();
            Ok(value)
        } else {
            Err(self.error(format!("expected a JSON value {}", self.found())))
        }
    }

    fn number(&mut self) -> Result<Value, InputError> {
        let start = self.offset;
        if self.peek() == Some(b'-') {
            self.offset += 1;
        }
        match self.peek() {
            Some(b'0') => self.offset += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("expected a digit")),
        }
        if self.peek() == Some(b'.') {
            self.offset += 1;
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit after the decimal point"));
            }
            self.digits();
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.offset += 1;
            if let Some(b'+' | b'-') = self.peek() {
                self.offset += 1;
            }
            if !matches!(self.peek(), Some(b'0'..=b'9')) {
                return Err(self.error("expected a digit in the exponent"));
            }
            self.digits();
        }
        let literal = &self.text[start..self.offset];
        let number = literal
            .parse::<i64>()
            .map(Number::from)
            .or_else(|_| literal.parse::<u64>().map(Number::from))
            .ok()
            .or_else(|| literal.parse::<f64>().ok().and_then(Number::from_f64));
        match number {
            Some(number) => Ok(Value::Number(number)),
            None => {
                let position = self.tracker.position(self.text, start);
                Err(InputError::at("parse-error", format!("number {literal} is out of range"), position))
            }
        }
    }

    fn digits(&mut self) {
        while let Some(b'0'..=b'9') = self.peek() {
            self.offset += 1;
        }
    }

    fn string(&mut self) -> Result<String, InputError> {
        self.offset += 1;
        let mut out = String::new();
        loop {
            let rest = &self.bytes[self.offset..];
            let plain = rest.iter().position(|b| matches!(b, b'"' | b'\\' | 0..=0x1f));
            let Some(stop) = plain else {
                self.offset = self.bytes.len();
                return Err(self.error("unterminated string"));
            };
            out.push_str(&self.text[self.offset..self.offset + stop]);
            self.offset += stop;
            match self.bytes[self.offset] {
                b'"' => {
                    self.offset += 1;
                    return Ok(out);
                }
                b'\\' => {
                    self.offset += 1;
                    self.escape(&mut out)?;
                }
                _ => return Err(self.error("control character inside a string (escape it)")),
            }
        }
    }

    fn escape(&mut self, out: &mut String) -> Result<(), InputError> {
        let Some(byte) = self.peek() else {
            return Err(self.error("unterminated escape sequence"));
        };
        self.offset += 1;
        let ch = match byte {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(out),
            _ => {
                self.offset -= 2;
                return Err(self.error(format!("invalid escape sequence '\\{}'", byte as char)));
            }
        };
        out.push(ch);
        Ok(())
    }

    fn unicode_escape(&mut self, out: &mut String) -> Result<(), InputError> {
        let first = self.hex4()?;
        let code = if (0xD800..0xDC00).contains(&first) {
            if !self.text[self.offset..].starts_with("\\u") {
                return Err(self.error("unpaired UTF-16 surrogate in \\u escape"));
            }
            self.offset += 2;
            let second = self.hex4()?;
            if !(0xDC00..0xE000).contains(&second) {
                return Err(self.error("invalid UTF-16 low surrogate in \\u escape"));
            }
            0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        } else {
            first
        };
        match char::from_u32(code) {
            Some(ch) => {
                out.push(ch);
                Ok(())
            }
            None => Err(self.error("unpaired UTF-16 surrogate in \\u escape")),
        }
    }

    fn hex4(&mut self) -> Result<u32, InputError> {
        let digits = self.text.get(self.offset..self.offset + 4).filter(|d| d.bytes().all(|b| b.is_ascii_hexdigit()));
        match digits.and_then(|d| u32::from_str_radix(d, 16).ok()) {
            Some(code) => {
                self.offset += 4;
                Ok(code)
            }
            None => Err(self.error("expected four hex digits after \\u")),
        }
    }
}

/// Turns byte offsets into line/column positions in one forward pass over the text (restarting only when
/// asked for an earlier offset), so recording every value stays linear in the document size.
#[derive(Default)]
struct PositionTracker {
    offset: usize,
    line: u32,
    column: u32,
}

impl PositionTracker {
    fn position(&mut self, text: &str, offset: usize) -> Position {
        let offset = offset.min(text.len());
        if offset < self.offset || self.line == 0 {
            *self = PositionTracker { offset: 0, line: 1, column: 1 };
        }
        for byte in &text.as_bytes()[self.offset..offset] {
            if *byte == b'\n' {
                self.line = self.line.saturating_add(1);
                self.column = 1;
            } else if byte & 0xC0 != 0x80 {
                self.column = self.column.saturating_add(1);
            }
        }
        self.offset = offset;
        Position { line: self.line, column: self.column }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::document::MAX_DEPTH;

    #[test]
    fn parses_values_and_records_positions() {
        let doc =
            parse("{\n  \"a\": [1, -2.5e3, \"x\\u00e9\\ud83d\\ude00\"],\n  \"b\": {\"c\": null}\n}").expect("valid");
        assert_eq!(doc.value["a"][2], "xé😀");
        assert_eq!(doc.value["a"][1], -2500.0);
        assert_eq!(doc.value_position("/a/1"), Position { line: 2, column: 12 });
        assert_eq!(doc.key_position("/b/c"), Position { line: 3, column: 9 });
        assert_eq!(doc.value_position("/b/c"), Position { line: 3, column: 14 });
    }

    #[test]
    fn errors_name_the_place() {
        let err = parse("{\"a\": 1,\n \"a\": 2}").expect_err("duplicate");
        assert_eq!((err.code.as_str(), err.line, err.column), ("parse-error", 2, 2));
        let err = parse("[1, 2").expect_err("truncated");
        assert_eq!((err.line, err.column), (1, 6));
        assert_eq!(parse("  ").expect_err("empty").code, "empty-document");
        assert_eq!(parse("{\"a\": 01}").expect_err("leading zero").code, "parse-error");
        assert_eq!(parse("\"\\x\"").expect_err("bad escape").column, 2);
    }

    #[test]
    fn nesting_is_capped() {
        let deep = format!("{}{}", "[".repeat(MAX_DEPTH + 2), "]".repeat(MAX_DEPTH + 2));
        assert_eq!(parse(&deep).expect_err("too deep").code, "too-deep");
        let fine = format!("{}{}", "[".repeat(MAX_DEPTH), "]".repeat(MAX_DEPTH));
        assert!(parse(&fine).is_ok());
    }
}
