//! YAML documents, read through saphyr-parser's event stream so every value and key keeps its position.
//! Plain scalars resolve the way PyYAML's `safe_load` (what Dagster uses) resolves them, aliases are
//! expanded under the document's node cap (no "billion laughs"), and `<<` merge keys are applied.

use std::collections::HashMap;

use saphyr_parser::{Event, Parser, ScalarStyle, Span, Tag};
use serde_json::{Map, Number, Value};

use super::InputError;
use super::document::{Document, DocumentBuilder, Position, check_depth, pointer_index, pointer_push};

/// Parses `text` as a single YAML document.
pub fn parse(text: &str) -> Result<Document, InputError> {
    let mut loader = Loader::default();
    for event in Parser::new_from_str(text) {
        let (event, span) = event.map_err(|err| {
            let marker = err.marker();
            InputError::at("parse-error", err.info().to_owned(), position(marker.line(), marker.col()))
        })?;
        if loader.accept(event, span)? {
            break;
        }
    }
    loader.finish()
}

enum Frame {
    Sequence { pointer: String, items: Vec<Value>, anchor: usize },
    Mapping { pointer: String, map: Map<String, Value>, key: Option<String>, merges: Vec<Value>, anchor: usize },
}

#[derive(Default)]
struct Loader {
    builder: DocumentBuilder,
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Value, usize)>,
    root: Option<Value>,
    documents: usize,
}

impl Loader {
    /// Handles one event; returns true once the stream is complete.
    fn accept(&mut self, event: Event<'_>, span: Span) -> Result<bool, InputError> {
        let at = position(span.start.line(), span.start.col());
        match event {
            Event::StreamEnd => return Ok(true),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(InputError::at(
                        "parse-error",
                        "the file holds more than one YAML document; put each configuration in its own file".to_owned(),
                        at,
                    ));
                }
            }
            Event::Scalar(text, style, anchor, tag) => {
                if self.expecting_key() {
                    self.key(scalar_key(&text, style, tag.as_deref(), at)?, at);
                } else {
                    let pointer = self.child_pointer();
                    self.builder.value_at(&pointer, at)?;
                    let value = resolve_scalar(&text, style, tag.as_deref(), at)?;
                    self.complete(value, anchor)?;
                }
            }
            Event::SequenceStart(anchor, _) | Event::MappingStart(anchor, _) => {
                if self.expecting_key() {
                    return Err(InputError::at(
                        "parse-error",
                        "a mapping or sequence cannot be used as a key".to_owned(),
                        at,
                    ));
                }
                check_depth(self.stack.len() + 1, at)?;
                let pointer = self.child_pointer();
                self.builder.value_at(&pointer, at)?;
                let frame = if matches!(event, Event::SequenceStart(..)) {
                    Frame::Sequence { pointer, items: Vec::new(), anchor }
                } else {
                    Frame::Mapping { pointer, map: Map::new(), key: None, merges: Vec::new(), anchor }
                };
                self.stack.push(frame);
            }
            Event::SequenceEnd | Event::MappingEnd => {
                if let Some(frame) = self.stack.pop() {
                    let (value, anchor) = match frame {
                        Frame::Sequence { items, anchor, .. } => (Value::Array(items), anchor),
                        Frame::Mapping { map, merges, anchor, .. } => {
                            (Value::Object(apply_merges(map, merges)), anchor)
                        }
                    };
                    self.complete(value, anchor)?;
                }
            }
            Event::Alias(id) => {
                let Some((value, nodes)) = self.anchors.get(&id).cloned() else {
                    return Err(InputError::at("parse-error", "alias to an unknown anchor".to_owned(), at));
                };
                if self.expecting_key() {
                    let Value::String(key) = value else {
                        return Err(InputError::at(
                            "parse-error",
                            "only a string alias can be used as a key".to_owned(),
                            at,
                        ));
                    };
                    self.key(key, at);
                } else {
                    let pointer = self.child_pointer();
                    self.builder.value_at(&pointer, at)?;
                    self.builder.expand_by(nodes, at)?;
                    self.complete(value, 0)?;
                }
            }
            Event::Nothing | Event::StreamStart | Event::DocumentEnd => {}
        }
        Ok(false)
    }

    fn expecting_key(&self) -> bool {
        matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }))
    }

    fn key(&mut self, key: String, at: Position) {
        if let Some(Frame::Mapping { pointer, key: slot, .. }) = self.stack.last_mut() {
            self.builder.key_at(&pointer_push(pointer, &key), at);
            *slot = Some(key);
        }
    }

    fn child_pointer(&self) -> String {
        match self.stack.last() {
            Some(Frame::Sequence { pointer, items, .. }) => pointer_index(pointer, items.len()),
            Some(Frame::Mapping { pointer, key: Some(key), .. }) => pointer_push(pointer, key),
            _ => String::new(),
        }
    }

    /// Places a finished value into its parent (or makes it the root) and remembers its anchor.
    fn complete(&mut self, value: Value, anchor: usize) -> Result<(), InputError> {
        if anchor != 0 {
            self.anchors.insert(anchor, (value.clone(), count_nodes(&value)));
        }
        match self.stack.last_mut() {
            Some(Frame::Sequence { items, .. }) => items.push(value),
            Some(Frame::Mapping { map, key, merges, .. }) => {
                let key = key.take().unwrap_or_default();
                if key == "<<" {
                    merges.push(value);
                } else {
                    map.insert(key, value);
                }
            }
            None => self.root = Some(value),
        }
        Ok(())
    }

    fn finish(self) -> Result<Document, InputError> {
        match self.root {
            Some(Value::Null) | None => Err(InputError::whole("empty-document", "the document is empty")),
            Some(root) => Ok(self.builder.finish(root)),
        }
    }
}

/// `<<: *base` or `<<: [*a, *b]` — keys written explicitly win; earlier merge sources win over later ones.
fn apply_merges(mut map: Map<String, Value>, merges: Vec<Value>) -> Map<String, Value> {
    for merge in merges {
        let sources = match merge {
            Value::Array(items) => items,
            other => vec![other],
        };
        for source in sources {
            if let Value::Object(source) = source {
                for (key, value) in source {
                    map.entry(key).or_insert(value);
                }
            }
        }
    }
    map
}

fn count_nodes(value: &Value) -> usize {
    let mut count = 0;
    let mut pending = vec![value];
    while let Some(value) = pending.pop() {
        count += 1;
        match value {
            Value::Array(items) => pending.extend(items),
            Value::Object(map) => pending.extend(map.values()),
            _ => {}
        }
    }
    count
}

fn position(line: usize, zero_based_column: usize) -> Position {
    let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
    Position { line: clamp(line), column: clamp(zero_based_column.saturating_add(1)) }
}

/// Keys become strings, as Dagster config keys are strings; `1: x` gives the key "1".
fn scalar_key(text: &str, style: ScalarStyle, tag: Option<&Tag>, at: Position) -> Result<String, InputError> {
    Ok(match resolve_scalar(text, style, tag, at)? {
        Value::String(key) => key,
        Value::Null => "null".to_owned(),
        other => other.to_string(),
    })
}

/// Resolves a scalar like PyYAML's SafeLoader (YAML 1.1 core types).
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&Tag>, at: Position) -> Result<Value, InputError> {
    if let Some(tag) = tag {
        return resolve_tagged(text, tag, at);
    }
    if style != ScalarStyle::Plain {
        return Ok(Value::String(text.to_owned()));
    }
    Ok(resolve_plain(text).unwrap_or_else(|| Value::String(text.to_owned())))
}

fn resolve_tagged(text: &str, tag: &Tag, at: Position) -> Result<Value, InputError> {
    let resolved = match (tag.handle.as_str(), tag.suffix.as_str()) {
        ("!!", "str") | ("tag:yaml.org,2002:", "str") => Some(Value::String(text.to_owned())),
        ("!!", "null") | ("tag:yaml.org,2002:", "null") => Some(Value::Null),
        ("!!", "bool" | "int" | "float") | ("tag:yaml.org,2002:", "bool" | "int" | "float") => resolve_plain(text),
        _ => {
            return Err(InputError::at(
                "parse-error",
                format!("unsupported YAML tag '{}{}' (a safe loader refuses it)", tag.handle, tag.suffix),
                at,
            ));
        }
    };
    resolved.ok_or_else(|| InputError::at("parse-error", format!("'{text}' does not match its tag"), at))
}

fn resolve_plain(text: &str) -> Option<Value> {
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Some(Value::Null),
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => return Some(Value::Bool(true)),
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => return Some(Value::Bool(false)),
        _ => {}
    }
    resolve_int(text).or_else(|| resolve_float(text))
}

fn resolve_int(text: &str) -> Option<Value> {
    let (negative, body) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if body.is_empty() || body.starts_with('_') {
        return None;
    }
    let digits: String = body.chars().filter(|&c| c != '_').collect();
    let magnitude = if let Some(hex) = digits.strip_prefix("0x") {
        u64::from_str_radix(hex, 16).ok()?
    } else if let Some(bin) = digits.strip_prefix("0b") {
        u64::from_str_radix(bin, 2).ok()?
    } else if digits.len() > 1 && digits.starts_with('0') {
        u64::from_str_radix(&digits[1..], 8).ok()?
    } else if digits.bytes().all(|b| b.is_ascii_digit()) {
        digits.parse::<u64>().ok()?
    } else {
        return None;
    };
    let number = if negative { Number::from(0i64.checked_sub_unsigned(magnitude)?) } else { Number::from(magnitude) };
    Some(Value::Number(number))
}

fn resolve_float(text: &str) -> Option<Value> {
    let lowered = text.to_ascii_lowercase();
    let unsigned = lowered.trim_start_matches(['+', '-']);
    if unsigned == ".inf" || unsigned == ".nan" {
        // JSON has no non-finite numbers: keep the text, so a schema reports the wrong type clearly.
        return Some(Value::String(text.to_owned()));
    }
    let has_dot = unsigned.contains('.');
    let well_formed = unsigned.bytes().all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'_' | b'e' | b'+' | b'-'));
    if !has_dot || !well_formed || !unsigned.starts_with(|c: char| c.is_ascii_digit() || c == '.') {
        return None;
    }
    let cleaned: String = text.chars().filter(|&c| c != '_').collect();
    let parsed: f64 = cleaned.parse().ok()?;
    Number::from_f64(parsed).map(Value::Number)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn resolves_scalars_like_pyyaml() {
        let doc = parse("a: yes\nb: '1'\nc: 0x1F\nd: 1.5\ne: 1e3\nf: ~\ng: -7\nh: !!str 12\n").expect("valid");
        let v = &doc.value;
        assert_eq!(v["a"], true);
        assert_eq!(v["b"], "1");
        assert_eq!(v["c"], 31);
        assert_eq!(v["d"], 1.5);
        assert_eq!(v["e"], "1e3");
        assert_eq!(v["f"], Value::Null);
        assert_eq!(v["g"], -7);
        assert_eq!(v["h"], "12");
    }

    #[test]
    fn records_positions_of_keys_and_values() {
        let doc = parse("resources:\n  io_manager:\n    config:\n      run_id: 'x'\n").expect("valid");
        assert_eq!(doc.key_position("/resources/io_manager/config/run_id"), Position { line: 4, column: 7 });
        assert_eq!(doc.value_position("/resources/io_manager/config/run_id"), Position { line: 4, column: 15 });
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_position() {
        let doc = parse("run_id: fine\nrun_id: a/b\n").expect("PyYAML accepts repeated keys");
        assert_eq!(doc.value["run_id"], "a/b");
        assert_eq!(doc.key_position("/run_id"), Position { line: 2, column: 1 });
        assert_eq!(doc.value_position("/run_id"), Position { line: 2, column: 9 });
    }

    #[test]
    fn merges_and_aliases() {
        let doc = parse("base: &b {x: 1, y: 2}\nuse:\n  <<: *b\n  y: 3\nlist: [*b]\n").expect("valid");
        assert_eq!(doc.value["use"], serde_json::json!({"y": 3, "x": 1}));
        assert_eq!(doc.value["list"][0]["x"], 1);
    }

    #[test]
    fn alias_bombs_are_refused() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
        for level in 1..9 {
            let prev = level - 1;
            text.push_str(&format!("a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"));
        }
        assert_eq!(parse(&text).expect_err("bomb").code, "too-large");
    }

    #[test]
    fn bad_yaml_is_located() {
        let err = parse("a: [1, 2\nb: 3\n").expect_err("unclosed");
        assert_eq!(err.code, "parse-error");
        assert!(err.line >= 1);
        assert_eq!(parse("").expect_err("empty").code, "empty-document");
        assert_eq!(parse("--- 1\n--- 2\n").expect_err("two docs").code, "parse-error");
        assert_eq!(parse("a: !!python/object:os.system x\n").expect_err("tag").code, "parse-error");
    }
}
