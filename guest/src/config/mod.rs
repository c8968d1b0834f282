//! Validation of every configuration surface of the W&B <-> Dagster integration: parse (JSON or YAML, with
//! positions), infer the kind, check structure against the kind's JSON Schema, then apply the semantic
//! rules that depend on context (asset vs op, partitions, Artifact outputs) — all before any network call.

pub mod diagnostic;
pub mod document;
mod infer;
mod json_source;
pub mod kind;
pub mod rules;
mod run_config;
pub mod schema_stage;
pub mod suggest;
mod yaml_source;

pub use diagnostic::{Diagnostic, Findings, Severity};
pub use document::{Document, Position};
pub use kind::{Context, Kind, Options, Syntax};

use serde_json::Value;

/// The outcome of validating one document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Report {
    /// The kind the document was validated as.
    pub kind: Kind,
    /// Findings in document order.
    pub diagnostics: Vec<Diagnostic>,
    /// More findings existed than `Options::max_diagnostics`.
    pub truncated: bool,
}

impl Report {
    /// Whether any diagnostic is an error.
    pub fn has_errors(&self) -> bool {
        self.diagnostics.iter().any(|d| d.severity == Severity::Error)
    }
}

/// The document could not be validated at all.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InputError {
    /// Stable code: `not-utf8`, `parse-error`, `too-deep`, `too-large`, `ambiguous-kind`, `empty-document`.
    pub code: String,
    /// What went wrong.
    pub message: String,
    /// 1-based line, 0 for the whole document.
    pub line: u32,
    /// 1-based column, 0 for the whole document.
    pub column: u32,
}

impl InputError {
    /// An error located at `position`.
    pub fn at(code: &str, message: String, position: Position) -> Self {
        InputError { code: code.to_owned(), message, line: position.line, column: position.column }
    }

    /// An error about the whole document.
    pub fn whole(code: &str, message: impl Into<String>) -> Self {
        InputError { code: code.to_owned(), message: message.into(), line: 0, column: 0 }
    }
}

/// Validates one source document.
pub fn validate(source: &[u8], options: &Options) -> Result<Report, InputError> {
    let document = parse(source, options.syntax)?;
    let kind = match options.kind {
        Some(kind) => kind,
        None => infer::kind_of(&document.value)?,
    };
    let mut findings = Findings::default();
    if kind == Kind::RunConfig {
        run_config::check(&document.value, options, &mut findings);
    } else {
        check_kind(kind, &document.value, "", options, &mut findings);
    }
    let (diagnostics, truncated) = findings.locate(&document, options.max_diagnostics);
    Ok(Report { kind, diagnostics, truncated })
}

/// Checks one configuration block of `kind` found at `pointer`: schema first, then the rules.
fn check_kind(kind: Kind, value: &Value, pointer: &str, options: &Options, findings: &mut Findings) {
    schema_stage::check(kind, value, pointer, findings);
    rules::check(kind, value, pointer, options, findings);
}

/// Parses `source` (size-capped, UTF-8) as JSON or YAML.
pub fn parse(source: &[u8], syntax: Syntax) -> Result<Document, InputError> {
    if source.len() > document::MAX_SOURCE_BYTES {
        return Err(InputError::whole(
            "too-large",
            format!("the document is larger than {} MiB", document::MAX_SOURCE_BYTES / (1024 * 1024)),
        ));
    }
    let text = std::str::from_utf8(source).map_err(|err| {
        let valid = &source[..err.valid_up_to()];
        let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
        let line_start = valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let column = String::from_utf8_lossy(&valid[line_start..]).chars().count() + 1;
        let clamp = |n: usize| u32::try_from(n).unwrap_or(u32::MAX);
        InputError::at(
            "not-utf8",
            format!("the document is not UTF-8 text (invalid byte at offset {})", err.valid_up_to()),
            Position { line: clamp(line), column: clamp(column) },
        )
    })?;
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    match syntax {
        Syntax::Json => json_source::parse(text),
        Syntax::Yaml => yaml_source::parse(text),
        Syntax::Auto if text.trim_start().starts_with(['{', '[']) => {
            json_source::parse(text).or_else(|json_error| yaml_source::parse(text).map_err(|_| json_error))
        }
        Syntax::Auto => yaml_source::parse(text),
    }
}
