//! `wandguard scan`: reports what each payload would do under CPython — a verdict (`clean`, `unsafe`,
//! `unknown-globals`, `incomplete`, `malformed`) and located findings. Exit 0 all clean, 1 any not clean,
//! 2 usage or IO.

use std::path::PathBuf;

use clap::Args;
use serde_json::{Value, json};
use wandguard::codec::{PayloadFormat, ScanReport, Verdict};
use wandguard::{Sandbox, SandboxError};

use super::files::read_capped;
use super::payload_text::{finding_line, severity_name};
use super::render::Format;
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Arguments of `wandguard scan`.
#[derive(Args)]
pub struct ScanArgs {
    /// Payloads to scan (`-` reads standard input).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
}

/// One file's outcome.
enum Outcome {
    Report(ScanReport),
    /// The sandbox's memory cap or deadline stopped the scan: the payload could not be fully inspected.
    Limited {
        code: &'static str,
        message: String,
    },
    Failed {
        code: &'static str,
        message: String,
    },
}

/// Runs the command; returns the exit code.
pub fn run(sandbox: &Sandbox, args: &ScanArgs) -> u8 {
    let outcomes: Vec<(String, Outcome)> = args
        .files
        .iter()
        .map(|path| {
            let name = path.display().to_string();
            let outcome = match read_capped(path, sandbox.limits().memory_bytes as u64) {
                Err((code, message)) => Outcome::Failed { code, message },
                Ok(payload) => match sandbox.scan(&payload, None) {
                    Ok(report) => Outcome::Report(report),
                    Err(error @ (SandboxError::ResourceLimit { .. } | SandboxError::Timeout { .. })) => {
                        Outcome::Limited { code: error.code(), message: error.to_string() }
                    }
                    Err(error) => Outcome::Failed { code: error.code(), message: error.to_string() },
                },
            };
            (name, outcome)
        })
        .collect();
    match args.format {
        Format::Text => print!("{}", text(&outcomes)),
        Format::Json => println!("{}", serde_json::to_string_pretty(&json_document(&outcomes)).unwrap_or_default()),
    }
    if outcomes.iter().any(|(_, o)| matches!(o, Outcome::Failed { code: "unreadable" | "too-large", .. })) {
        EXIT_USAGE
    } else if outcomes.iter().all(|(_, o)| matches!(o, Outcome::Report(r) if r.verdict == Verdict::Clean)) {
        EXIT_OK
    } else {
        EXIT_FINDINGS
    }
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Clean => "clean",
        Verdict::Unsafe => "unsafe",
        Verdict::UnknownGlobals => "unknown-globals",
        Verdict::Incomplete => "incomplete",
        Verdict::Malformed => "malformed",
    }
}

fn format_name(format: PayloadFormat) -> &'static str {
    match format {
        PayloadFormat::Auto => "unknown",
        PayloadFormat::Pickle => "pickle",
        PayloadFormat::Joblib => "joblib",
        PayloadFormat::Msgpack => "msgpack",
        PayloadFormat::Json => "json",
    }
}

fn text(outcomes: &[(String, Outcome)]) -> String {
    let mut out = String::new();
    for (name, outcome) in outcomes {
        match outcome {
            Outcome::Report(report) => {
                out.push_str(&format!(
                    "{name}: {} ({}, {}, {} pickle(s){})\n",
                    verdict_name(report.verdict),
                    format_name(report.format),
                    report.container,
                    report.pickles,
                    if report.trailing_bytes > 0 {
                        format!(", {} trailing byte(s)", report.trailing_bytes)
                    } else {
                        String::new()
                    }
                ));
                for finding in &report.findings {
                    out.push_str(&format!("  {}\n", finding_line(finding)));
                }
                if let Some(error) = &report.error {
                    out.push_str(&format!(
                        "  stopped [{}] at offset {}: {}\n",
                        error.code, error.offset, error.message
                    ));
                }
            }
            Outcome::Limited { code, message } => {
                out.push_str(&format!("{name}: incomplete (stopped by the sandbox [{code}]: {message})\n"))
            }
            Outcome::Failed { code, message } => out.push_str(&format!("{name}: not scanned [{code}]: {message}\n")),
        }
    }
    out
}

fn json_document(outcomes: &[(String, Outcome)]) -> Value {
    let files: Vec<Value> = outcomes
        .iter()
        .map(|(name, outcome)| match outcome {
            Outcome::Report(report) => json!({
                "path": name,
                "verdict": verdict_name(report.verdict),
                "format": format_name(report.format),
                "container": report.container,
                "pickles": report.pickles,
                "trailing_bytes": report.trailing_bytes,
                "findings": report.findings.iter().map(|f| json!({
                    "offset": f.offset,
                    "opcode": f.opcode,
                    "module": f.module,
                    "qualname": f.qualname,
                    "severity": severity_name(f.severity),
                    "kind": f.kind,
                    "message": f.message,
                })).collect::<Vec<_>>(),
                "error": report.error.as_ref().map(|e| json!({"code": e.code, "message": e.message, "offset": e.offset, "opcode": e.opcode})),
            }),
            Outcome::Limited { code, message } => {
                json!({"path": name, "verdict": "incomplete", "findings": [], "error": {"code": code, "message": message}})
            }
            Outcome::Failed { code, message } => json!({"path": name, "verdict": Value::Null, "error": {"code": code, "message": message}}),
        })
        .collect();
    let clean = outcomes.iter().filter(|(_, o)| matches!(o, Outcome::Report(r) if r.verdict == Verdict::Clean)).count();
    json!({"files": files, "summary": {"files": outcomes.len(), "clean": clean, "not_clean": outcomes.len() - clean}})
}
