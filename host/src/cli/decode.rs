//! `wandguard decode`: decodes an untrusted pickle / joblib / msgpack / JSON payload inside the sandbox and
//! writes the value model as JSON or msgpack. Exit 0 decoded; 1 refused (unsafe, code-object, malformed,
//! resource-limit, trailing-data, timeout), with the code, offset and reason on stderr; 2 usage or IO.

use std::path::PathBuf;

use clap::Args;
use wandguard::codec::{DecodeOptions, FindingSeverity, PayloadFormat, Policy, ValueEncoding};
use wandguard::{Sandbox, SandboxError};

use super::files::{emit, read_capped};
use super::payload_text::{finding_line, refusal};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Arguments of `wandguard decode`.
#[derive(Args)]
pub struct DecodeArgs {
    /// The payload (`-` reads standard input).
    #[arg(value_name = "FILE")]
    file: PathBuf,
    /// Format of the payload (`auto` detects it by content).
    #[arg(long, value_enum, default_value = "auto")]
    format: FormatArg,
    /// What to do with globals: `strict` plain data only, `data` plus recognized safe types, `inspect` the
    /// symbolic tree (never refuses a global).
    #[arg(long, value_enum, default_value = "data")]
    policy: PolicyArg,
    /// Serialization of the decoded value.
    #[arg(long = "to", value_enum, default_value = "json")]
    to: EncodingArg,
    /// Accept bytes after the last pickle instead of refusing them.
    #[arg(long)]
    allow_trailing: bool,
    /// Write the value here (atomically) instead of stdout.
    #[arg(short, long, value_name = "OUT")]
    output: Option<PathBuf>,
}

/// `--format` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum FormatArg {
    /// Detect by content.
    Auto,
    /// A pickle stream.
    Pickle,
    /// A joblib file.
    Joblib,
    /// The value model as msgpack.
    Msgpack,
    /// The value model as JSON.
    Json,
}

/// `--policy` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum PolicyArg {
    /// Plain builtin data only.
    Strict,
    /// Plain data and recognized safe types.
    Data,
    /// The symbolic tree; never refuses a global.
    Inspect,
}

impl From<PolicyArg> for Policy {
    fn from(value: PolicyArg) -> Self {
        match value {
            PolicyArg::Strict => Policy::Strict,
            PolicyArg::Data => Policy::Data,
            PolicyArg::Inspect => Policy::Inspect,
        }
    }
}

/// `--to` / `--from` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum EncodingArg {
    /// Lossless tagged JSON.
    Json,
    /// msgpack with ext types.
    Msgpack,
    /// Plain JSON exactly as Python's `json.dumps` writes it (refused for values plain JSON cannot hold).
    JsonPlain,
}

impl From<EncodingArg> for ValueEncoding {
    fn from(value: EncodingArg) -> Self {
        match value {
            EncodingArg::Json => ValueEncoding::Json,
            EncodingArg::Msgpack => ValueEncoding::Msgpack,
            EncodingArg::JsonPlain => ValueEncoding::JsonPlain,
        }
    }
}

/// Runs the command; returns the exit code.
pub fn run(sandbox: &Sandbox, args: &DecodeArgs) -> u8 {
    let name = args.file.display().to_string();
    let payload = match read_capped(&args.file, sandbox.limits().memory_bytes as u64) {
        Ok(payload) => payload,
        Err((code, message)) => {
            eprintln!("wandguard decode: {name}: [{code}] {message}");
            return EXIT_USAGE;
        }
    };
    let options = DecodeOptions {
        format: match args.format {
            FormatArg::Auto => PayloadFormat::Auto,
            FormatArg::Pickle => PayloadFormat::Pickle,
            FormatArg::Joblib => PayloadFormat::Joblib,
            FormatArg::Msgpack => PayloadFormat::Msgpack,
            FormatArg::Json => PayloadFormat::Json,
        },
        policy: args.policy.into(),
        output: args.to.into(),
        allow_trailing: args.allow_trailing,
        limits: None,
    };
    match sandbox.decode(&payload, &options) {
        Ok(Ok(decoded)) => {
            // Recognized types are reported as `info` findings; only what deserves attention goes to stderr.
            for finding in decoded.findings.iter().filter(|f| f.severity != FindingSeverity::Info) {
                eprintln!("{name}: {}", finding_line(finding));
            }
            match emit(args.output.as_deref(), &decoded.value) {
                Ok(()) => EXIT_OK,
                Err(err) => {
                    eprintln!("wandguard decode: cannot write the output: {err}");
                    EXIT_USAGE
                }
            }
        }
        Ok(Err(error)) => {
            eprint!("{}", refusal(&name, &error));
            EXIT_FINDINGS
        }
        Err(error) => sandbox_failure(&name, &error),
    }
}

/// Limits and deadlines refuse the payload (exit 1); a fault or a setup failure is exit 2.
pub fn sandbox_failure(name: &str, error: &SandboxError) -> u8 {
    eprintln!("{name}: refused [{}]: {error}", error.code());
    match error {
        SandboxError::ResourceLimit { .. } | SandboxError::Timeout { .. } => EXIT_FINDINGS,
        SandboxError::GuestFault { .. } | SandboxError::Setup(_) => EXIT_USAGE,
    }
}
