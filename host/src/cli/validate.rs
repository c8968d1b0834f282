//! `wandguard validate`: reads each file (size-capped; the host never parses it), validates it inside the
//! sandbox, and renders the diagnostics as text or one JSON document.

use std::path::{Path, PathBuf};

use clap::Args;
use wandguard::Sandbox;
use wandguard::config::{Binding, Kind, Options, Severity, Syntax};

use super::files::read_capped;
use super::kinds::{ContextArg, SyntaxArg, parse_binding, parse_kind};
use super::render::{self, FileOutcome, FileResult, Format};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Largest file `validate` reads; larger ones are refused before being read (the guest has the same cap).
const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;

/// Arguments of `wandguard validate`.
#[derive(Args)]
pub struct ValidateArgs {
    /// Files to validate (JSON or YAML); `-` reads standard input.
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,
    /// Kind of configuration (inferred from the top-level keys when omitted and unambiguous).
    #[arg(long, value_parser = parse_kind, value_name = "KIND")]
    kind: Option<Kind>,
    /// Where the configuration is attached.
    #[arg(long, value_enum, default_value = "asset")]
    context: ContextArg,
    /// The input or output is partitioned.
    #[arg(long)]
    partitioned: bool,
    /// The output value is already a wandb.Artifact.
    #[arg(long)]
    artifact_object: bool,
    /// Syntax of the files (`auto`: by extension — .json, .yaml/.yml — else by content).
    #[arg(long, value_enum, default_value = "auto")]
    syntax: SyntaxArg,
    /// Run-config resource key holding a configuration of KIND (repeatable), e.g. `my_wandb=wandb-resource`.
    #[arg(long = "resource", value_parser = parse_binding, value_name = "KEY=KIND")]
    resources: Vec<(String, Kind)>,
    /// Run-config op name (or alias) holding a configuration of KIND (repeatable), e.g. `train=launch-job`.
    #[arg(long = "op", value_parser = parse_binding, value_name = "NAME=KIND")]
    ops: Vec<(String, Kind)>,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    format: Format,
    /// Most diagnostics reported per file.
    #[arg(long, default_value_t = 200)]
    max_diagnostics: u32,
}

impl ValidateArgs {
    fn options(&self) -> Options {
        let bindings = |list: &[(String, Kind)]| {
            list.iter().map(|(key, kind)| Binding { key: key.clone(), kind: *kind }).collect()
        };
        Options {
            kind: self.kind,
            context: self.context.into(),
            partitioned: self.partitioned,
            artifact_object: self.artifact_object,
            syntax: self.syntax.into(),
            resources: bindings(&self.resources),
            ops: bindings(&self.ops),
            max_diagnostics: self.max_diagnostics,
        }
    }
}

/// Runs the command; returns the exit code.
pub fn run(sandbox: &Sandbox, args: &ValidateArgs) -> u8 {
    let options = args.options();
    let results: Vec<FileResult> = args.files.iter().map(|path| validate_file(sandbox, path, &options)).collect();
    render::print(&results, args.format);
    exit_code(&results)
}

fn validate_file(sandbox: &Sandbox, path: &Path, options: &Options) -> FileResult {
    let name = path.display().to_string();
    let mut options = options.clone();
    if matches!(options.syntax, Syntax::Auto) {
        options.syntax = syntax_from_extension(path);
    }
    let source = match read_capped(path, MAX_FILE_BYTES) {
        Ok(source) => source,
        Err((code, message)) => {
            return FileResult { path: name, source: Vec::new(), outcome: FileOutcome::Unreadable { code, message } };
        }
    };
    let outcome = match sandbox.validate(&source, &options) {
        Ok(Ok(report)) => FileOutcome::Report(report),
        Ok(Err(input)) => FileOutcome::Input(input),
        Err(sandbox_error) => {
            FileOutcome::Unreadable { code: sandbox_error.code(), message: sandbox_error.to_string() }
        }
    };
    FileResult { path: name, source, outcome }
}

/// `.json` files are strict JSON and `.yaml`/`.yml` files YAML; anything else is decided by content.
fn syntax_from_extension(path: &Path) -> Syntax {
    match path.extension().and_then(|ext| ext.to_str()).map(str::to_ascii_lowercase).as_deref() {
        Some("json") => Syntax::Json,
        Some("yaml" | "yml") => Syntax::Yaml,
        _ => Syntax::Auto,
    }
}

/// 2 if any file could not be validated, else 1 if any has an error, else 0.
fn exit_code(results: &[FileResult]) -> u8 {
    let unreadable = results.iter().any(|r| !matches!(r.outcome, FileOutcome::Report(_)));
    let errors = results.iter().any(|r| match &r.outcome {
        FileOutcome::Report(report) => report.diagnostics.iter().any(|d| d.severity == Severity::Error),
        _ => false,
    });
    if unreadable {
        EXIT_USAGE
    } else if errors {
        EXIT_FINDINGS
    } else {
        EXIT_OK
    }
}
