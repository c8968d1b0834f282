//! Rendering validation results: rustc-style text with the source line and a caret, or one JSON document.

use serde_json::{Value, json};
use wandguard::config::{Diagnostic, InputError, Report, Severity};

use super::kinds::kind_name;

/// Output format of `validate`.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum Format {
    /// Human-readable, with the offending source line.
    Text,
    /// One JSON document with every file and its diagnostics.
    Json,
}

/// What happened to one file.
pub enum FileOutcome {
    /// Validated; here are the findings.
    Report(Report),
    /// The guest could not parse it.
    Input(InputError),
    /// It could not be read, or the sandbox refused it (limit, deadline, fault).
    Unreadable {
        /// Stable code.
        code: &'static str,
        /// What went wrong.
        message: String,
    },
}

/// One file's result, with its source for showing lines.
pub struct FileResult {
    /// The path as given.
    pub path: String,
    /// The file's bytes (empty when unreadable).
    pub source: Vec<u8>,
    /// The outcome.
    pub outcome: FileOutcome,
}

/// Prints `results` to stdout in `format`.
pub fn print(results: &[FileResult], format: Format) {
    match format {
        Format::Text => print!("{}", text(results)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&json_document(results)).unwrap_or_default()),
    }
}

fn text(results: &[FileResult]) -> String {
    let mut out = String::new();
    let (mut errors, mut warnings, mut unreadable) = (0, 0, 0);
    for result in results {
        match &result.outcome {
            FileOutcome::Report(report) => {
                for diagnostic in &report.diagnostics {
                    match diagnostic.severity {
                        Severity::Error => errors += 1,
                        Severity::Warning => warnings += 1,
                    }
                    out.push_str(&text_diagnostic(result, diagnostic));
                }
                let verdict = if report.diagnostics.is_empty() { "ok".to_owned() } else { counts(&report.diagnostics) };
                out.push_str(&format!("{}: {verdict} ({})\n", result.path, kind_name(report.kind)));
                if report.truncated {
                    out.push_str(&format!("{}: more diagnostics were found than --max-diagnostics\n", result.path));
                }
            }
            FileOutcome::Input(error) => {
                unreadable += 1;
                out.push_str(&format!("error[{}]: {}\n", error.code, error.message));
                out.push_str(&location_block(result, error.line, error.column, None));
            }
            FileOutcome::Unreadable { code, message } => {
                unreadable += 1;
                out.push_str(&format!("error[{code}]: {}: {message}\n", result.path));
            }
        }
    }
    if results.len() > 1 {
        out.push_str(&format!(
            "checked {} files: {errors} error(s), {warnings} warning(s), {unreadable} not validated\n",
            results.len()
        ));
    }
    out
}

fn counts(diagnostics: &[Diagnostic]) -> String {
    let errors = diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
    let warnings = diagnostics.len() - errors;
    format!("{errors} error(s), {warnings} warning(s)")
}

fn text_diagnostic(result: &FileResult, diagnostic: &Diagnostic) -> String {
    let mut out = format!("{}[{}]: {}\n", severity_name(diagnostic.severity), diagnostic.code, diagnostic.message);
    let pointer = if diagnostic.pointer.is_empty() { "(document root)" } else { diagnostic.pointer.as_str() };
    out.push_str(&location_block(result, diagnostic.line, diagnostic.column, Some(pointer)));
    if let Some(hint) = &diagnostic.hint {
        let gutter = " ".repeat(diagnostic.line.max(1).to_string().len());
        out.push_str(&format!("{gutter} = hint: {hint}\n"));
    }
    out
}

/// ` --> file:line:col at /pointer` followed by the source line and a caret under the column.
fn location_block(result: &FileResult, line: u32, column: u32, pointer: Option<&str>) -> String {
    let at = pointer.map(|p| format!(" at {p}")).unwrap_or_default();
    if line == 0 {
        return format!(" --> {}{at}\n", result.path);
    }
    let mut out = format!(" --> {}:{line}:{column}{at}\n", result.path);
    let text = String::from_utf8_lossy(&result.source);
    if let Some(source_line) = text.lines().nth((line - 1) as usize) {
        let gutter = " ".repeat(line.to_string().len());
        let padding: String = source_line
            .chars()
            .take(column.saturating_sub(1) as usize)
            .map(|c| if c == '\t' { '\t' } else { ' ' })
            .collect();
        out.push_str(&format!("{gutter} |\n{line} | {source_line}\n{gutter} | {padding}^\n"));
    }
    out
}

fn severity_name(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn json_document(results: &[FileResult]) -> Value {
    let mut errors = 0;
    let mut warnings = 0;
    let mut not_validated = 0;
    let files: Vec<Value> = results
        .iter()
        .map(|result| match &result.outcome {
            FileOutcome::Report(report) => {
                errors += report.diagnostics.iter().filter(|d| d.severity == Severity::Error).count();
                warnings += report.diagnostics.iter().filter(|d| d.severity == Severity::Warning).count();
                json!({
                    "path": result.path,
                    "kind": kind_name(report.kind),
                    "diagnostics": report.diagnostics.iter().map(json_diagnostic).collect::<Vec<_>>(),
                    "truncated": report.truncated,
                })
            }
            FileOutcome::Input(error) => {
                not_validated += 1;
                json!({
                    "path": result.path,
                    "error": {"code": error.code, "message": error.message, "line": error.line, "column": error.column},
                })
            }
            FileOutcome::Unreadable { code, message } => {
                not_validated += 1;
                json!({"path": result.path, "error": {"code": code, "message": message, "line": 0, "column": 0}})
            }
        })
        .collect();
    json!({
        "files": files,
        "summary": {"files": results.len(), "errors": errors, "warnings": warnings, "not_validated": not_validated},
    })
}

fn json_diagnostic(diagnostic: &Diagnostic) -> Value {
    json!({
        "code": diagnostic.code,
        "severity": severity_name(diagnostic.severity),
        "pointer": diagnostic.pointer,
        "line": diagnostic.line,
        "column": diagnostic.column,
        "message": diagnostic.message,
        "hint": diagnostic.hint,
    })
}
