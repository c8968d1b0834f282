//! `wandguard artifact get`: resolves a version, downloads every file through the verified cache,
//! materializes them under `--root`, and with `--decode` decodes `output.<module>` in the sandbox.

use std::path::{Path, PathBuf};

use clap::Args;
use wandguard::Sandbox;
use wandguard::codec::{DecodeOptions, FindingSeverity, PayloadFormat, ValueEncoding};
use wandguard::wandb::integration::{SERIALIZATION_MODULES, output_file_name};
use wandguard::wandb::{ArtifactPath, Fetched, WandbError};

use super::artifact::{ConnectionArgs, OutputFormat, report_error, runtime};
use super::decode::{PolicyArg, sandbox_failure};
use super::files::read_capped;
use super::payload_text::{finding_line, refusal};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Arguments of `wandguard artifact get`.
#[derive(Args)]
pub struct GetArgs {
    /// `[ENTITY/][PROJECT/]NAME[:ALIAS|:vN]` (`latest` by default).
    #[arg(value_name = "ARTIFACT")]
    artifact: String,
    /// Download root (default: `<base-dir>/storage/wandb_artifacts_manager/artifacts/NAME.vN` with
    /// `--base-dir`, else `$WANDB_ARTIFACT_DIR` or `./artifacts`, then `/NAME:vN`).
    #[arg(long, value_name = "DIR")]
    root: Option<PathBuf>,
    /// The integration's `base_dir`: the default root follows its layout.
    #[arg(long, value_name = "DIR")]
    base_dir: Option<PathBuf>,
    /// Fetch only this file of the artifact and print its path.
    #[arg(long, value_name = "FILE")]
    get_path: Option<String>,
    /// Decode `output.{dill,cloudpickle,joblib,pickle}` in the sandbox and print it as JSON.
    #[arg(long)]
    decode: bool,
    /// Decoding policy for `--decode`.
    #[arg(long, value_enum, default_value = "data")]
    policy: PolicyArg,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs the command; returns the exit code.
pub fn run(sandbox: &Sandbox, args: &GetArgs) -> u8 {
    let fetched = runtime().and_then(|runtime| {
        let path = ArtifactPath::parse(&args.artifact)?;
        let client = args.connection.client()?;
        let cache = args.connection.cache()?;
        let progress = args.connection.progress();
        let fetched = runtime.block_on(async {
            let artifact = client.resolve(&path).await?;
            let root = args
                .root
                .clone()
                .unwrap_or_else(|| default_root(args.base_dir.as_deref(), &artifact.name, &artifact.version));
            client.fetch(artifact, &root, args.get_path.as_deref(), &cache, &progress).await
        })?;
        args.connection.purge(&cache)?;
        Ok(fetched)
    });
    let fetched = match fetched {
        Ok(fetched) => fetched,
        Err(error) => return report_error("get", &error),
    };
    for note in &fetched.notes {
        eprintln!("note: {note}");
    }
    if args.decode {
        return decode_payload(sandbox, &fetched, args.policy);
    }
    print_fetched(&fetched, args);
    EXIT_OK
}

/// The integration's download directories.
fn default_root(base_dir: Option<&Path>, name: &str, version: &str) -> PathBuf {
    match base_dir {
        Some(base) => {
            let storage = if base.file_name().is_some_and(|n| n == "storage") {
                base.to_path_buf()
            } else {
                base.join("storage")
            };
            storage.join("wandb_artifacts_manager").join("artifacts").join(format!("{name}.{version}"))
        }
        None => {
            let dir = std::env::var_os("WANDB_ARTIFACT_DIR")
                .filter(|d| !d.is_empty())
                .map_or_else(|| PathBuf::from("artifacts"), PathBuf::from);
            dir.join(format!("{name}:{version}"))
        }
    }
}

/// Decodes the first `output.<module>` in the integration's read precedence and prints the value.
fn decode_payload(sandbox: &Sandbox, fetched: &Fetched, policy: PolicyArg) -> u8 {
    let payload = SERIALIZATION_MODULES
        .iter()
        .find_map(|module| fetched.files.iter().find(|file| file.name == output_file_name(module)));
    let Some(payload) = payload else {
        let error = WandbError::NotFound(format!(
            "no output.{{dill,cloudpickle,joblib,pickle}} in {}:{}",
            fetched.artifact.name, fetched.artifact.version
        ));
        return report_error("get", &error);
    };
    let name = payload.name.clone();
    let bytes = match read_capped(&payload.path, sandbox.limits().memory_bytes as u64) {
        Ok(bytes) => bytes,
        Err((code, message)) => {
            eprintln!("wandguard artifact get: {name}: [{code}] {message}");
            return EXIT_USAGE;
        }
    };
    let options = DecodeOptions {
        format: PayloadFormat::Auto,
        policy: policy.into(),
        output: ValueEncoding::Json,
        allow_trailing: false,
        limits: None,
    };
    match sandbox.decode(&bytes, &options) {
        Ok(Ok(decoded)) => {
            for finding in decoded.findings.iter().filter(|f| f.severity != FindingSeverity::Info) {
                eprintln!("{name}: {}", finding_line(finding));
            }
            println!("{}", String::from_utf8_lossy(&decoded.value));
            EXIT_OK
        }
        Ok(Err(error)) => {
            eprint!("{}", refusal(&name, &error));
            EXIT_FINDINGS
        }
        Err(error) => sandbox_failure(&name, &error),
    }
}

fn print_fetched(fetched: &Fetched, args: &GetArgs) {
    if args.connection.format == OutputFormat::Json {
        println!("{}", serde_json::to_string_pretty(fetched).unwrap_or_default());
        return;
    }
    if args.get_path.is_some() {
        for file in &fetched.files {
            println!("{}", file.path.display());
        }
        return;
    }
    let artifact = &fetched.artifact;
    let hits = fetched.files.iter().filter(|file| file.cache_hit).count();
    println!(
        "fetched {}/{}/{}:{} ({}) into {}: {} file(s), {} from the cache, md5 verified",
        artifact.entity,
        artifact.project,
        artifact.name,
        artifact.version,
        artifact.artifact_type,
        fetched.root.display(),
        fetched.files.len(),
        hits
    );
    for file in &fetched.files {
        println!("  {}", file.name);
    }
}
