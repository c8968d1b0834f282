//! Command-line parsing and dispatch. Exit codes: 0 success, 1 findings (errors in a config, a refused
//! payload), 2 usage or unreadable/unparseable input.

mod artifact;
mod artifact_get;
mod artifact_log;
mod decode;
mod encode;
mod files;
mod kinds;
mod payload_text;
mod render;
mod sandbox_info;
mod scan;
mod schema;
mod serve;
mod sign;
mod validate;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use wandguard::{CacheLocation, Limits, Sandbox};

/// Exit code for "nothing wrong".
pub const EXIT_OK: u8 = 0;
/// Exit code for "the input has problems" (config errors, refused payloads).
pub const EXIT_FINDINGS: u8 = 1;
/// Exit code for usage errors and unreadable or unparseable input.
pub const EXIT_USAGE: u8 = 2;

/// wandguard: safe W&B <-> Dagster artifacts — sandboxed decoding and config validation.
#[derive(Parser)]
#[command(name = "wandguard", version, about, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    sandbox: SandboxArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Validate configuration files (JSON or YAML) of the W&B <-> Dagster integration.
    Validate(validate::ValidateArgs),
    /// Print the JSON Schema of a configuration kind, or export all of them.
    Schema(schema::SchemaArgs),
    /// Decode an untrusted pickle / dill / cloudpickle / joblib payload into plain data, in the sandbox.
    Decode(decode::DecodeArgs),
    /// Scan payloads and report what they would do under CPython.
    Scan(scan::ScanArgs),
    /// Encode a JSON or msgpack value into a pickle or joblib payload.
    Encode(encode::EncodeArgs),
    /// Sign a payload with HMAC-SHA256 (key from an environment variable).
    Sign(sign::SignArgs),
    /// Verify a payload's HMAC-SHA256 signature.
    Verify(sign::VerifyArgs),
    /// Print the sandbox's limits and the interfaces the guest imports.
    SandboxInfo,
    /// Run a W&B-compatible artifact server on loopback (the wandb SDK and `wandguard artifact` talk to it).
    Serve(serve::ServeArgs),
    /// Log or fetch W&B artifacts (configs validated and payloads encoded/decoded in the sandbox).
    #[command(subcommand)]
    Artifact(Box<artifact::ArtifactCommand>),
}

/// Limits of the sandbox every call runs in.
#[derive(Args)]
struct SandboxArgs {
    /// Memory cap of the sandbox, in MiB.
    #[arg(long, global = true, default_value_t = 512, value_name = "MIB")]
    memory_mb: usize,
    /// Deadline of one sandbox call, in seconds.
    #[arg(long, global = true, default_value_t = 30.0, value_name = "SECONDS")]
    timeout: f64,
    /// Largest result one sandbox call may return, in MiB.
    #[arg(long, global = true, default_value_t = 256, value_name = "MIB")]
    max_output_mb: usize,
    /// Directory for the precompiled sandbox (default: $WANDGUARD_CACHE_DIR or the user cache dir).
    #[arg(long, global = true, value_name = "DIR")]
    cache_dir: Option<PathBuf>,
}

impl SandboxArgs {
    fn open(&self) -> Result<Sandbox, String> {
        if !(self.timeout.is_finite() && self.timeout > 0.0) {
            return Err("--timeout must be a positive number of seconds".to_owned());
        }
        let limits = Limits {
            memory_bytes: self.memory_mb.saturating_mul(1 << 20),
            timeout: Duration::from_secs_f64(self.timeout),
            output_bytes: self.max_output_mb.saturating_mul(1 << 20),
            ..Limits::default()
        };
        let cache = self.cache_dir.clone().map_or(CacheLocation::Default, CacheLocation::Dir);
        Sandbox::with_cache(limits, &cache).map_err(|err| err.to_string())
    }
}

/// Parses the command line, runs the command and returns its exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    if let Command::Serve(args) = &cli.command {
        // The server never runs guest code, so it needs no sandbox.
        return ExitCode::from(serve::run(args));
    }
    let sandbox = match cli.sandbox.open() {
        Ok(sandbox) => sandbox,
        Err(message) => {
            eprintln!("wandguard: {message}");
            return ExitCode::from(EXIT_USAGE);
        }
    };
    let code = match cli.command {
        Command::Validate(args) => validate::run(&sandbox, &args),
        Command::Schema(args) => schema::run(&sandbox, &args),
        Command::Decode(args) => decode::run(&sandbox, &args),
        Command::Scan(args) => scan::run(&sandbox, &args),
        Command::Encode(args) => encode::run(&sandbox, &args),
        Command::Sign(args) => sign::run_sign(&sandbox, &args),
        Command::Verify(args) => sign::run_verify(&sandbox, &args),
        Command::SandboxInfo => sandbox_info::run(&sandbox),
        Command::Serve(args) => serve::run(&args),
        Command::Artifact(command) => artifact::run(&sandbox, &command),
    };
    ExitCode::from(code)
}
