//! Command-line names of the WIT enums (kinds, contexts, syntaxes).

use wandguard::config::{DefinitionContext, Kind, Syntax};

/// Every kind with its command-line name.
pub const KINDS: [(&str, Kind); 8] = [
    ("artifact-output", Kind::ArtifactOutput),
    ("artifact-input", Kind::ArtifactInput),
    ("io-manager", Kind::IoManager),
    ("wandb-resource", Kind::WandbResource),
    ("wandb-config", Kind::WandbConfig),
    ("launch-agent", Kind::LaunchAgent),
    ("launch-job", Kind::LaunchJob),
    ("run-config", Kind::RunConfig),
];

/// The kind named `name`.
pub fn parse_kind(name: &str) -> Result<Kind, String> {
    KINDS.iter().find(|(n, _)| *n == name).map(|(_, kind)| *kind).ok_or_else(|| {
        let names: Vec<&str> = KINDS.iter().map(|(n, _)| *n).collect();
        format!("unknown kind '{name}' (expected one of: {})", names.join(", "))
    })
}

/// The command-line name of `kind`.
pub fn kind_name(kind: Kind) -> &'static str {
    KINDS.iter().find(|(_, k)| *k == kind).map_or("unknown", |(name, _)| name)
}

/// `KEY=KIND`, as given to `--resource` and `--op`.
pub fn parse_binding(text: &str) -> Result<(String, Kind), String> {
    let (key, kind) = text.split_once('=').ok_or_else(|| format!("expected KEY=KIND, got '{text}'"))?;
    if key.is_empty() {
        return Err(format!("the key in '{text}' is empty"));
    }
    Ok((key.to_owned(), parse_kind(kind)?))
}

/// `--context` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum ContextArg {
    /// On an `@asset` (has an asset key).
    Asset,
    /// On a plain `@op` (no asset key).
    Op,
    /// On an `AssetOut` of a `@multi_asset`.
    MultiAsset,
}

impl From<ContextArg> for DefinitionContext {
    fn from(value: ContextArg) -> Self {
        match value {
            ContextArg::Asset => DefinitionContext::Asset,
            ContextArg::Op => DefinitionContext::Op,
            ContextArg::MultiAsset => DefinitionContext::MultiAsset,
        }
    }
}

/// `--syntax` values.
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
pub enum SyntaxArg {
    /// JSON when the file looks like JSON, YAML otherwise.
    Auto,
    /// Strict JSON.
    Json,
    /// YAML.
    Yaml,
}

impl From<SyntaxArg> for Syntax {
    fn from(value: SyntaxArg) -> Self {
        match value {
            SyntaxArg::Auto => Syntax::Auto,
            SyntaxArg::Json => Syntax::Json,
            SyntaxArg::Yaml => Syntax::Yaml,
        }
    }
}
