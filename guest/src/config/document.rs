//! A parsed configuration document: its value plus the source position of every value and key, addressed
//! by RFC 6901 JSON pointer.

use std::collections::HashMap;

use serde_json::Value;

use super::InputError;

/// Documents are nested no deeper than this; deeper input is refused (`too-deep`) rather than risking the
/// stack of every recursive consumer (schema validation, drop).
pub const MAX_DEPTH: usize = 64;
/// Largest source document accepted, in bytes (`too-large`). Configurations are a few KiB.
pub const MAX_SOURCE_BYTES: usize = 16 * 1024 * 1024;
/// Most values a document may expand to (YAML aliases can multiply nodes), refused as `too-large`.
pub const MAX_NODES: usize = 1_000_000;

/// A 1-based line and column (in characters) in the source document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Position {
    /// 1-based line.
    pub line: u32,
    /// 1-based column, counted in characters.
    pub column: u32,
}

/// A parsed document with the positions of its values and object keys.
#[derive(Debug, Default)]
pub struct Document {
    /// The document as JSON data.
    pub value: Value,
    value_positions: HashMap<String, Position>,
    key_positions: HashMap<String, Position>,
}

impl Document {
    /// Position of the value at `pointer`, or of its nearest ancestor that has one.
    pub fn value_position(&self, pointer: &str) -> Position {
        let mut current = pointer;
        loop {
            if let Some(position) = self.value_positions.get(current) {
                return *position;
            }
            match current.rfind('/') {
                Some(cut) => current = &current[..cut],
                None => return Position::default(),
            }
        }
    }

    /// Position of the object key that holds the value at `pointer`, falling back to the value's position.
    pub fn key_position(&self, pointer: &str) -> Position {
        self.key_positions.get(pointer).copied().unwrap_or_else(|| self.value_position(pointer))
    }
}

/// Collects values and positions while a parser walks the source, enforcing the size and depth caps.
#[derive(Default)]
pub(crate) struct DocumentBuilder {
    document: Document,
    nodes: usize,
}

impl DocumentBuilder {
    /// Records where the value at `pointer` starts; fails once the document has too many values. A later record
    /// for the same pointer wins: a YAML key repeated in one mapping keeps its last value (PyYAML `safe_load`).
    pub(crate) fn value_at(&mut self, pointer: &str, position: Position) -> Result<(), InputError> {
        self.nodes += 1;
        self.check_size(position)?;
        self.document.value_positions.insert(pointer.to_owned(), position);
        Ok(())
    }

    fn check_size(&self, position: Position) -> Result<(), InputError> {
        if self.nodes > MAX_NODES {
            return Err(InputError::at(
                "too-large",
                format!("the document expands to more than {MAX_NODES} values"),
                position,
            ));
        }
        Ok(())
    }

    /// Counts `nodes` more values (an expanded alias), failing once the document has too many.
    pub(crate) fn expand_by(&mut self, nodes: usize, position: Position) -> Result<(), InputError> {
        self.nodes = self.nodes.saturating_add(nodes);
        self.check_size(position)
    }

    /// Records where the key of the member at `pointer` starts (the last occurrence wins, like the value).
    pub(crate) fn key_at(&mut self, pointer: &str, position: Position) {
        self.document.key_positions.insert(pointer.to_owned(), position);
    }

    /// Finishes the document with its root value.
    pub(crate) fn finish(mut self, value: Value) -> Document {
        self.document.value = value;
        self.document
    }
}

/// Refuses a nesting level beyond [`MAX_DEPTH`].
pub(crate) fn check_depth(depth: usize, position: Position) -> Result<(), InputError> {
    if depth > MAX_DEPTH {
        return Err(InputError::at(
            "too-deep",
            format!("the document is nested deeper than {MAX_DEPTH} levels"),
            position,
        ));
    }
    Ok(())
}

/// Appends one reference token to a JSON pointer, escaping `~` and `/` as RFC 6901 requires.
pub fn pointer_push(base: &str, token: &str) -> String {
    let mut pointer = String::with_capacity(base.len() + token.len() + 1);
    pointer.push_str(base);
    pointer.push('/');
    for ch in token.chars() {
        match ch {
            '~' => pointer.push_str("~0"),
            '/' => pointer.push_str("~1"),
            other => pointer.push(other),
        }
    }
    pointer
}

/// Appends an array index to a JSON pointer.
pub fn pointer_index(base: &str, index: usize) -> String {
    format!("{base}/{index}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pointer_tokens_are_escaped() {
        assert_eq!(pointer_push("/a", "b/c~d"), "/a/b~1c~0d");
        assert_eq!(pointer_index("", 3), "/3");
    }

    #[test]
    fn positions_fall_back_to_the_nearest_ancestor() {
        let mut builder = DocumentBuilder::default();
        builder.value_at("", Position { line: 1, column: 1 }).expect("fits");
        builder.value_at("/a", Position { line: 2, column: 4 }).expect("fits");
        builder.key_at("/a", Position { line: 2, column: 1 });
        let document = builder.finish(Value::Null);
        assert_eq!(document.value_position("/a/b/c"), Position { line: 2, column: 4 });
        assert_eq!(document.key_position("/a"), Position { line: 2, column: 1 });
        assert_eq!(document.key_position("/zz"), Position { line: 1, column: 1 });
    }
}
