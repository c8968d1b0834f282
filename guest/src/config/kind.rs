//! The configuration surfaces wandguard validates, and the options that give a document its context.

/// Which configuration surface a document describes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `wandb_artifact_configuration` on an output.
    ArtifactOutput,
    /// `wandb_artifact_configuration` on an input.
    ArtifactInput,
    /// Config of `wandb_artifacts_io_manager`.
    IoManager,
    /// Config of `wandb_resource`.
    WandbResource,
    /// The `wandb_config` values resource.
    WandbConfig,
    /// Config of the `run_launch_agent` op.
    LaunchAgent,
    /// Config of the `run_launch_job` op.
    LaunchJob,
    /// A whole Dagster run config.
    RunConfig,
}

impl Kind {
    /// Every kind, in the order the CLI lists them.
    pub const ALL: [Kind; 8] = [
        Kind::ArtifactOutput,
        Kind::ArtifactInput,
        Kind::IoManager,
        Kind::WandbResource,
        Kind::WandbConfig,
        Kind::LaunchAgent,
        Kind::LaunchJob,
        Kind::RunConfig,
    ];

    /// The kebab-case name used by the CLI, the WIT contract and the schema file names.
    pub fn name(self) -> &'static str {
        match self {
            Kind::ArtifactOutput => "artifact-output",
            Kind::ArtifactInput => "artifact-input",
            Kind::IoManager => "io-manager",
            Kind::WandbResource => "wandb-resource",
            Kind::WandbConfig => "wandb-config",
            Kind::LaunchAgent => "launch-agent",
            Kind::LaunchJob => "launch-job",
            Kind::RunConfig => "run-config",
        }
    }

    /// The kind with this kebab-case name.
    pub fn from_name(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|kind| kind.name() == name)
    }

    /// The JSON Schema (draft 2020-12) of this kind, as shipped in `schemas/`.
    pub fn schema_text(self) -> &'static str {
        match self {
            Kind::ArtifactOutput => include_str!("../../../schemas/artifact-output.schema.json"),
            Kind::ArtifactInput => include_str!("../../../schemas/artifact-input.schema.json"),
            Kind::IoManager => include_str!("../../../schemas/io-manager.schema.json"),
            Kind::WandbResource => include_str!("../../../schemas/wandb-resource.schema.json"),
            Kind::WandbConfig => include_str!("../../../schemas/wandb-config.schema.json"),
            Kind::LaunchAgent => include_str!("../../../schemas/launch-agent.schema.json"),
            Kind::LaunchJob => include_str!("../../../schemas/launch-job.schema.json"),
            Kind::RunConfig => include_str!("../../../schemas/run-config.schema.json"),
        }
    }
}

/// Where the configuration is attached in the Dagster definition.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Context {
    /// On an `@asset`.
    #[default]
    Asset,
    /// On a plain `@op` (no asset key).
    Op,
    /// On an `AssetOut` of a `@multi_asset`.
    MultiAsset,
}

impl Context {
    /// Whether the output or input has an asset key (its first component names the artifact).
    pub fn has_asset_key(self) -> bool {
        !matches!(self, Context::Op)
    }
}

/// The syntax of a source document.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Syntax {
    /// JSON when the content looks like JSON, YAML otherwise.
    #[default]
    Auto,
    /// Strict JSON.
    Json,
    /// YAML (PyYAML `safe_load` semantics).
    Yaml,
}

/// Everything the rules need to know that is not in the document.
#[derive(Clone, Debug)]
pub struct Options {
    /// The document's kind; `None` infers it from the top-level keys.
    pub kind: Option<Kind>,
    /// Asset, op or multi-asset.
    pub context: Context,
    /// The input or output is partitioned.
    pub partitioned: bool,
    /// The output value is already a `wandb.Artifact`.
    pub artifact_object: bool,
    /// Syntax of the source.
    pub syntax: Syntax,
    /// Extra run-config resource keys and their kinds.
    pub resources: Vec<(String, Kind)>,
    /// Extra run-config op names and their kinds.
    pub ops: Vec<(String, Kind)>,
    /// Most diagnostics to return.
    pub max_diagnostics: usize,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            kind: None,
            context: Context::Asset,
            partitioned: false,
            artifact_object: false,
            syntax: Syntax::Auto,
            resources: Vec::new(),
            ops: Vec::new(),
            max_diagnostics: 1000,
        }
    }
}
