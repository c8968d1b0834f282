//! Diagnostics: what rules report, and how a report is assembled with source positions.

use super::document::Document;

/// How serious a diagnostic is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Severity {
    /// The integration or W&B would reject the configuration.
    Error,
    /// Accepted, but probably not what was meant.
    Warning,
}

impl Severity {
    /// Lower-case name, as printed and serialized.
    pub fn name(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// One finding, located in the source document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// Stable kebab-case rule identifier.
    pub code: &'static str,
    /// Error or warning.
    pub severity: Severity,
    /// JSON pointer to the offending value or key.
    pub pointer: String,
    /// 1-based line in the source.
    pub line: u32,
    /// 1-based column in the source.
    pub column: u32,
    /// What is wrong.
    pub message: String,
    /// How to fix it.
    pub hint: Option<String>,
}

/// Whether a finding points at a member's key (e.g. an unknown key) or at its value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Anchor {
    Key,
    Value,
}

/// A finding before it is located in the source.
#[derive(Clone, Debug)]
pub struct Finding {
    code: &'static str,
    severity: Severity,
    pointer: String,
    anchor: Anchor,
    message: String,
    hint: Option<String>,
}

impl Finding {
    /// Adds a hint on how to fix the problem.
    pub fn hint(&mut self, hint: impl Into<String>) -> &mut Self {
        self.hint = Some(hint.into());
        self
    }

    /// Points the finding at the member's key rather than its value.
    pub fn on_key(&mut self) -> &mut Self {
        self.anchor = Anchor::Key;
        self
    }
}

/// Collects findings from the schema stage and the rules.
#[derive(Debug, Default)]
pub struct Findings {
    items: Vec<Finding>,
}

impl Findings {
    /// Reports an error at `pointer`.
    pub fn error(
        &mut self,
        code: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(code, Severity::Error, pointer.into(), message.into())
    }

    /// Reports a warning at `pointer`.
    pub fn warning(
        &mut self,
        code: &'static str,
        pointer: impl Into<String>,
        message: impl Into<String>,
    ) -> &mut Finding {
        self.push(code, Severity::Warning, pointer.into(), message.into())
    }

    fn push(&mut self, code: &'static str, severity: Severity, pointer: String, message: String) -> &mut Finding {
        self.items.push(Finding { code, severity, pointer, anchor: Anchor::Value, message, hint: None });
        let last = self.items.len() - 1;
        &mut self.items[last]
    }

    /// Whether an error (not a warning) has already been reported at exactly `pointer`.
    pub fn has_error_at(&self, pointer: &str) -> bool {
        self.items.iter().any(|f| f.severity == Severity::Error && f.pointer == pointer)
    }

    /// Codes reported so far, in order (for tests).
    pub fn codes(&self) -> Vec<&'static str> {
        self.items.iter().map(|f| f.code).collect()
    }

    /// Locates every finding in `document`, sorted by position; returns them and whether `max` cut the list.
    pub fn locate(self, document: &Document, max: usize) -> (Vec<Diagnostic>, bool) {
        let mut located: Vec<Diagnostic> = self
            .items
            .into_iter()
            .map(|finding| {
                let position = match finding.anchor {
                    Anchor::Key => document.key_position(&finding.pointer),
                    Anchor::Value => document.value_position(&finding.pointer),
                };
                Diagnostic {
                    code: finding.code,
                    severity: finding.severity,
                    pointer: finding.pointer,
                    line: position.line,
                    column: position.column,
                    message: finding.message,
                    hint: finding.hint,
                }
            })
            .collect();
        located.sort_by_key(|a| (a.line, a.column));
        located.dedup();
        let truncated = located.len() > max;
        located.truncate(max);
        (located, truncated)
    }
}
