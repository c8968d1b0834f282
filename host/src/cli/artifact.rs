//! `wandguard artifact log|get`: the integration's artifact IO done by the host (reqwest/tokio), with every
//! configuration validated and every payload encoded or decoded inside the sandbox.

use std::path::PathBuf;
use std::time::Duration;

use clap::{Args, Subcommand};
use wandguard::Sandbox;
use wandguard::wandb::{
    ArtifactCache, Progress, Settings, SettingsOverrides, TransferOptions, WandbClient, WandbError,
};

use super::artifact_get::GetArgs;
use super::artifact_log::LogArgs;
use super::{EXIT_FINDINGS, EXIT_USAGE};

/// `wandguard artifact` subcommands.
#[derive(Subcommand)]
pub enum ArtifactCommand {
    /// Log an artifact version (files, directories, references, a value serialized in the sandbox).
    Log(Box<LogArgs>),
    /// Fetch a version into a directory through the verified cache; optionally decode its payload.
    Get(Box<GetArgs>),
}

/// Connection, transfer and cache options shared by `log` and `get`.
#[derive(Args, Clone)]
pub struct ConnectionArgs {
    /// W&B API base URL (default: $WANDB_BASE_URL, else https://api.wandb.ai).
    #[arg(long, value_name = "URL")]
    pub base_url: Option<String>,
    /// Environment variable that holds the API key.
    #[arg(long, default_value = "WANDB_API_KEY", value_name = "VAR")]
    pub api_key_env: String,
    /// Entity (default: $WANDB_ENTITY, else the key's default entity).
    #[arg(long)]
    pub entity: Option<String>,
    /// Project (default: $WANDB_PROJECT, else `uncategorized`).
    #[arg(long)]
    pub project: Option<String>,
    /// Files transferred at the same time.
    #[arg(long, default_value_t = 8, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,
    /// Retries of a failed request (429, 5xx, timeouts, connection errors; never other 4xx).
    #[arg(long, default_value_t = 5)]
    pub max_retries: u32,
    /// First retry delay in milliseconds (doubled after each retry, at most 30 s).
    #[arg(long, default_value_t = 500, value_name = "MS")]
    pub retry_delay_ms: u64,
    /// Seconds a request may wait for the server before it counts as timed out.
    #[arg(long, default_value_t = 60.0, value_name = "SECONDS")]
    pub read_timeout: f64,
    /// Artifact cache directory (default: $WANDGUARD_ARTIFACT_CACHE, else the user cache dir).
    #[arg(long, value_name = "DIR")]
    pub artifact_cache: Option<PathBuf>,
    /// After the command, delete cache files not used for this many minutes (0: all not in use), like the
    /// integration's `cache_duration_in_minutes`. Files another process is using are never deleted.
    #[arg(long, value_name = "MINUTES", allow_negative_numbers = true)]
    pub cache_duration_in_minutes: Option<i64>,
    /// No progress bars (they are only shown on a terminal anyway).
    #[arg(long)]
    pub quiet: bool,
    /// Output format.
    #[arg(long, value_enum, default_value = "text")]
    pub format: OutputFormat,
}

/// `--format` of the artifact commands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum OutputFormat {
    /// Human-readable lines.
    Text,
    /// One JSON document.
    Json,
}

impl ConnectionArgs {
    /// The client, from these flags over the `WANDB_*` environment.
    pub fn client(&self) -> Result<WandbClient, WandbError> {
        let overrides = SettingsOverrides {
            base_url: self.base_url.clone(),
            api_key_env: Some(self.api_key_env.clone()),
            entity: self.entity.clone(),
            project: self.project.clone(),
        };
        if !(self.read_timeout.is_finite() && self.read_timeout > 0.0) {
            return Err(WandbError::Usage("--read-timeout must be a positive number of seconds".to_owned()));
        }
        let options = TransferOptions {
            parallel: usize::from(self.parallel),
            max_retries: self.max_retries,
            initial_backoff: Duration::from_millis(self.retry_delay_ms),
            read_timeout: Duration::from_secs_f64(self.read_timeout),
            progress: !self.quiet,
            ..TransferOptions::default()
        };
        WandbClient::new(Settings::from_env(&overrides)?, options)
    }

    /// The artifact cache.
    pub fn cache(&self) -> Result<ArtifactCache, WandbError> {
        ArtifactCache::open(self.artifact_cache.clone().unwrap_or_else(ArtifactCache::default_root))
    }

    /// Progress bars as asked.
    pub fn progress(&self) -> Progress {
        Progress::new(!self.quiet)
    }

    /// Applies `--cache-duration-in-minutes`, reporting what the purge did on stderr.
    pub fn purge(&self, cache: &ArtifactCache) -> Result<(), WandbError> {
        if let Some(minutes) = self.cache_duration_in_minutes {
            let report = cache.purge(minutes)?;
            eprintln!(
                "cache purge: {} file(s) removed, {} in use by another process kept",
                report.removed, report.in_use
            );
        }
        Ok(())
    }
}

/// Runs an artifact subcommand; returns the exit code.
pub fn run(sandbox: &Sandbox, command: &ArtifactCommand) -> u8 {
    match command {
        ArtifactCommand::Log(args) => super::artifact_log::run(sandbox, args),
        ArtifactCommand::Get(args) => super::artifact_get::run(sandbox, args),
    }
}

/// A runtime for one command.
pub fn runtime() -> Result<tokio::runtime::Runtime, WandbError> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|err| WandbError::Usage(format!("cannot start the async runtime: {err}")))
}

/// Prints a client error with its code; returns the exit code (1 when the data is at fault, else 2).
pub fn report_error(command: &str, error: &WandbError) -> u8 {
    eprintln!("wandguard artifact {command}: error[{}]: {error}", error.code());
    match error {
        WandbError::DigestMismatch { .. } | WandbError::Truncated { .. } | WandbError::UnsafePath { .. } => {
            EXIT_FINDINGS
        }
        _ => EXIT_USAGE,
    }
}
