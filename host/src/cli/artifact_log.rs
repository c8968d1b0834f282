//! `wandguard artifact log`: builds the equivalent `wandb_artifact_configuration`, validates it in the
//! sandbox before anything is sent, encodes `--value` in the sandbox into `output.<module>`, then logs the
//! version with the integration's name, aliases and metadata.

use std::path::{Path, PathBuf};

use clap::Args;
use serde_json::{Map, Value, json};
use wandguard::Sandbox;
use wandguard::codec::{Compression, CompressionMethod, EncodeOptions, Layout, ValueEncoding};
use wandguard::config::{Kind, Options, Severity, Syntax};
use wandguard::wandb::integration::{self, SERIALIZATION_MODULES};
use wandguard::wandb::{ArtifactSpec, LocalFile, Reference, SavedArtifact, WandbError};

use super::artifact::{ConnectionArgs, OutputFormat, report_error, runtime};
use super::decode::sandbox_failure;
use super::files::read_capped;
use super::kinds::ContextArg;
use super::payload_text::refusal;
use super::render::{self, FileOutcome, FileResult, Format};
use super::{EXIT_FINDINGS, EXIT_OK, EXIT_USAGE};

/// Largest `--config` file read.
const MAX_CONFIG_BYTES: u64 = 16 << 20;

/// Arguments of `wandguard artifact log`.
#[derive(Args)]
pub struct LogArgs {
    /// Artifact name (for `--context asset`, the first component of the asset key).
    #[arg(long)]
    name: String,
    /// Artifact type.
    #[arg(long = "type", default_value = "artifact")]
    artifact_type: String,
    /// Alias (repeatable); `latest` is always added.
    #[arg(long = "alias")]
    aliases: Vec<String>,
    /// Description.
    #[arg(long)]
    description: Option<String>,
    /// File to add, optionally with its name in the artifact (repeatable).
    #[arg(long = "add-file", value_name = "PATH[:NAME]")]
    add_files: Vec<String>,
    /// Directory to add (recursively), optionally under a prefix (repeatable).
    #[arg(long = "add-dir", value_name = "PATH[:NAME]")]
    add_dirs: Vec<String>,
    /// Reference to add (http, https, file, s3, gs), optionally with a name (repeatable).
    #[arg(long = "add-reference", value_name = "URI[:NAME]")]
    add_references: Vec<String>,
    /// A value-model document (JSON, or msgpack for .msgpack/.mpk) to serialize into `output.<module>`.
    #[arg(long, value_name = "FILE")]
    value: Option<PathBuf>,
    /// Serialization module for `--value`.
    #[arg(long, value_parser = clap::builder::PossibleValuesParser::new(SERIALIZATION_MODULES), default_value = "pickle")]
    serialization_module: String,
    /// Serialization parameter (repeatable): `protocol=0..5`, and `compress=0..9` for joblib.
    #[arg(long = "param", value_name = "K=V")]
    params: Vec<String>,
    /// A `wandb_artifact_configuration` JSON file; the flags add to it.
    #[arg(long, value_name = "CFG.json")]
    config: Option<PathBuf>,
    /// Where the configuration is attached (decides whether `name` belongs in it).
    #[arg(long, value_enum, default_value = "op")]
    context: ContextArg,
    /// Partition key: the artifact becomes `NAME.KEY` (`|` replaced by `-`).
    #[arg(long)]
    partition: Option<String>,
    /// Dagster run id: adds the `dagster-run-<id8>` alias and `source_dagster_run_id`.
    #[arg(long)]
    dagster_run_id: Option<String>,
    #[command(flatten)]
    connection: ConnectionArgs,
}

/// Runs the command; returns the exit code.
pub fn run(sandbox: &Sandbox, args: &LogArgs) -> u8 {
    let config = match configuration(sandbox, args) {
        Ok(config) => config,
        Err(code) => return code,
    };
    let staging = match tempfile::tempdir() {
        Ok(dir) => dir,
        Err(err) => return report_error("log", &WandbError::io(std::env::temp_dir(), err)),
    };
    let spec = match build_spec(sandbox, args, &config, staging.path()) {
        Ok(spec) => spec,
        Err(code) => return code,
    };
    let outcome = runtime().and_then(|runtime| {
        let client = args.connection.client()?;
        let progress = args.connection.progress();
        let saved = runtime.block_on(client.log_artifact(&spec, &progress))?;
        args.connection.purge(&args.connection.cache()?)?;
        Ok(saved)
    });
    match outcome {
        Ok(saved) => {
            print_saved(&saved, args.connection.format);
            EXIT_OK
        }
        Err(error) => report_error("log", &error),
    }
}

/// The configuration document the flags (and `--config`) amount to, validated in the sandbox. Nothing is
/// parsed in the host before the sandbox accepted it.
fn configuration(sandbox: &Sandbox, args: &LogArgs) -> Result<Map<String, Value>, u8> {
    let mut document = Map::new();
    if let Some(path) = &args.config {
        let source = read_capped(path, MAX_CONFIG_BYTES).map_err(|(code, message)| {
            eprintln!("wandguard artifact log: {}: [{code}] {message}", path.display());
            EXIT_USAGE
        })?;
        validate(sandbox, args, &path.display().to_string(), source.clone())?;
        document = serde_json::from_slice(&source).map_err(|err| {
            eprintln!("wandguard artifact log: {}: not a JSON object: {err}", path.display());
            EXIT_USAGE
        })?;
    }
    merge_flags(&mut document, args);
    let merged = serde_json::to_vec_pretty(&document).unwrap_or_default();
    validate(sandbox, args, "<artifact log flags>", merged)?;
    Ok(document)
}

/// Adds what the flags say to the configuration, as the integration would see it.
fn merge_flags(document: &mut Map<String, Value>, args: &LogArgs) {
    if matches!(args.context, ContextArg::Op) {
        document.insert("name".to_owned(), Value::from(args.name.clone()));
    }
    document.insert("type".to_owned(), Value::from(args.artifact_type.clone()));
    if let Some(description) = &args.description {
        document.insert("description".to_owned(), Value::from(description.clone()));
    }
    let mut push = |key: &str, items: Vec<Value>| {
        if items.is_empty() {
            return;
        }
        let list = document.entry(key.to_owned()).or_insert_with(|| Value::Array(Vec::new()));
        if let Value::Array(list) = list {
            list.extend(items);
        }
    };
    push("aliases", args.aliases.iter().map(|alias| Value::from(alias.clone())).collect());
    let local = |spec: &String| {
        let (path, name) = split_name(spec, false);
        let mut item = json!({ "local_path": path });
        if let Some(name) = name {
            item["name"] = Value::from(name);
        }
        item
    };
    push("add_files", args.add_files.iter().map(local).collect());
    push("add_dirs", args.add_dirs.iter().map(local).collect());
    let references = args.add_references.iter().map(|spec| {
        let (uri, name) = split_name(spec, true);
        let mut item = json!({ "uri": uri });
        if let Some(name) = name {
            item["name"] = Value::from(name);
        }
        item
    });
    push("add_references", references.collect());
    if args.value.is_some() || !args.params.is_empty() {
        let parameters: Map<String, Value> = args.params.iter().map(|param| parse_param(param)).collect();
        document.insert(
            "serialization_module".to_owned(),
            json!({ "name": args.serialization_module, "parameters": parameters }),
        );
    }
}

/// `K=V` with V read as JSON when it is JSON (`protocol=4` → 4), else as a string.
fn parse_param(text: &str) -> (String, Value) {
    let (key, value) = text.split_once('=').unwrap_or((text, ""));
    let value = serde_json::from_str(value).unwrap_or_else(|_| Value::from(value));
    (key.to_owned(), value)
}

/// `PATH[:NAME]`. For URIs the scheme's colon and a port (`host:8080/...`) are not separators.
fn split_name(spec: &str, is_uri: bool) -> (String, Option<String>) {
    let Some((head, name)) = spec.rsplit_once(':') else { return (spec.to_owned(), None) };
    let digits = name.chars().take_while(char::is_ascii_digit).count();
    let is_port = digits > 0 && matches!(name[digits..].chars().next(), None | Some('/'));
    let separates = !name.is_empty() && !head.is_empty() && !(is_uri && (!head.contains("://") || is_port));
    if separates { (head.to_owned(), Some(name.to_owned())) } else { (spec.to_owned(), None) }
}

/// Validates one document as an artifact-output configuration; prints the diagnostics on failure.
fn validate(sandbox: &Sandbox, args: &LogArgs, label: &str, source: Vec<u8>) -> Result<(), u8> {
    let options = Options {
        kind: Some(Kind::ArtifactOutput),
        context: args.context.into(),
        partitioned: args.partition.is_some(),
        artifact_object: false,
        syntax: Syntax::Json,
        resources: Vec::new(),
        ops: Vec::new(),
        max_diagnostics: 50,
    };
    let outcome = match sandbox.validate(&source, &options) {
        Ok(Ok(report)) if report.diagnostics.iter().all(|d| d.severity != Severity::Error) => return Ok(()),
        Ok(Ok(report)) => FileOutcome::Report(report),
        Ok(Err(input)) => FileOutcome::Input(input),
        Err(error) => FileOutcome::Unreadable { code: error.code(), message: error.to_string() },
    };
    eprintln!("wandguard artifact log: the artifact configuration is invalid; nothing was sent");
    render::print(&[FileResult { path: label.to_owned(), source, outcome }], Format::Text);
    Err(EXIT_FINDINGS)
}

/// The spec to log: name, aliases, metadata, files (directories walked), references, and the encoded value.
fn build_spec(
    sandbox: &Sandbox,
    args: &LogArgs,
    config: &Map<String, Value>,
    staging: &Path,
) -> Result<ArtifactSpec, u8> {
    let fail = |error: WandbError| report_error("log", &error);
    let strings =
        |key: &str| -> Vec<&Value> { config.get(key).and_then(Value::as_array).into_iter().flatten().collect() };
    let field = |item: &Value, key: &str| item.get(key).and_then(Value::as_str).map(str::to_owned);
    let mut files = Vec::new();
    for item in strings("add_files") {
        let path = PathBuf::from(field(item, "local_path").unwrap_or_default());
        let name = field(item, "name").unwrap_or_else(|| base_name(&path));
        files.push(LocalFile { path, name });
    }
    for item in strings("add_dirs") {
        let path = PathBuf::from(field(item, "local_path").unwrap_or_default());
        walk_dir(&path, field(item, "name").as_deref(), &mut files).map_err(fail)?;
    }
    let references = strings("add_references")
        .into_iter()
        .map(|item| {
            let uri = field(item, "uri").unwrap_or_default();
            let name = field(item, "name").unwrap_or_else(|| reference_name(&uri));
            Reference { uri, name }
        })
        .collect();
    let mut serialization = None;
    if let Some(value) = &args.value {
        let serialization_module = config.get("serialization_module");
        let module = serialization_module.and_then(|s| s.get("name")).and_then(Value::as_str).unwrap_or("pickle");
        let parameters = serialization_module.and_then(|s| s.get("parameters")).and_then(Value::as_object);
        let (file, protocol) = encode_value(sandbox, value, module, parameters, staging)?;
        files.push(LocalFile { path: file, name: integration::output_file_name(module) });
        serialization = Some((module.to_owned(), protocol));
    }
    let user_aliases: Vec<String> =
        strings("aliases").into_iter().filter_map(|v| v.as_str().map(str::to_owned)).collect();
    let artifact_type = config.get("type").and_then(Value::as_str).unwrap_or("artifact").to_owned();
    Ok(ArtifactSpec {
        name: integration::artifact_name(&args.name, args.partition.as_deref()),
        artifact_type,
        description: config.get("description").and_then(Value::as_str).map(str::to_owned),
        metadata: integration::metadata(
            args.dagster_run_id.as_deref(),
            serialization.as_ref().map(|(m, p)| (m.as_str(), *p)),
        ),
        aliases: integration::aliases(&user_aliases, args.dagster_run_id.as_deref()),
        files,
        references,
    })
}

/// Encodes `--value` in the sandbox with the module's layout; returns the file and the protocol used.
fn encode_value(
    sandbox: &Sandbox,
    value: &Path,
    module: &str,
    parameters: Option<&Map<String, Value>>,
    staging: &Path,
) -> Result<(PathBuf, u8), u8> {
    let name = value.display().to_string();
    let document = read_capped(value, sandbox.limits().memory_bytes as u64).map_err(|(code, message)| {
        eprintln!("wandguard artifact log: {name}: [{code}] {message}");
        EXIT_USAGE
    })?;
    let parameter = |key: &str| parameters.and_then(|map| map.get(key)).and_then(Value::as_u64);
    let unsupported: Vec<&String> = parameters
        .into_iter()
        .flat_map(|map| map.keys())
        .filter(|key| !matches!(key.as_str(), "protocol" | "compress"))
        .collect();
    if !unsupported.is_empty() || (module != "joblib" && parameter("compress").is_some()) {
        eprintln!(
            "wandguard artifact log: the sandbox encoder supports `protocol` (and `compress` for joblib), not {unsupported:?}"
        );
        return Err(EXIT_USAGE);
    }
    let protocol = u8::try_from(parameter("protocol").unwrap_or(5)).unwrap_or(u8::MAX).min(5);
    let extension = value.extension().and_then(|ext| ext.to_str()).unwrap_or_default();
    let options = EncodeOptions {
        input: if matches!(extension, "msgpack" | "mpk") { ValueEncoding::Msgpack } else { ValueEncoding::Json },
        layout: if module == "joblib" { Layout::Joblib } else { Layout::Pickle },
        protocol,
        compress: parameter("compress").map(|level| Compression {
            method: CompressionMethod::Zlib,
            level: u8::try_from(level.min(9)).unwrap_or(9),
        }),
    };
    let payload = match sandbox.encode(&document, &options) {
        Ok(Ok(payload)) => payload,
        Ok(Err(error)) => {
            eprint!("{}", refusal(&name, &error));
            return Err(EXIT_FINDINGS);
        }
        Err(error) => return Err(sandbox_failure(&name, &error)),
    };
    let path = staging.join(integration::output_file_name(module));
    std::fs::write(&path, payload).map_err(|err| report_error("log", &WandbError::io(&path, err)))?;
    Ok((path, protocol))
}

/// Every file under `dir`, named `prefix/relative` (symlinks are not followed out of the tree).
fn walk_dir(dir: &Path, prefix: Option<&str>, files: &mut Vec<LocalFile>) -> Result<(), WandbError> {
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let listing = std::fs::read_dir(&current).map_err(|err| WandbError::io(&current, err))?;
        for item in listing {
            let item = item.map_err(|err| WandbError::io(&current, err))?;
            let kind = item.file_type().map_err(|err| WandbError::io(item.path(), err))?;
            if kind.is_dir() {
                pending.push(item.path());
            } else if kind.is_file() {
                let relative =
                    item.path().strip_prefix(dir).map(|p| p.to_string_lossy().replace('\\', "/")).unwrap_or_default();
                let name = match prefix {
                    Some(prefix) => format!("{}/{relative}", prefix.trim_end_matches('/')),
                    None => relative,
                };
                files.push(LocalFile { path: item.path(), name });
            }
        }
    }
    Ok(())
}

fn base_name(path: &Path) -> String {
    path.file_name().map(|name| name.to_string_lossy().into_owned()).unwrap_or_default()
}

/// The SDK names a reference after the last path segment of its URI.
fn reference_name(uri: &str) -> String {
    let path = uri.split(['?', '#']).next().unwrap_or(uri);
    path.trim_end_matches('/').rsplit('/').next().filter(|s| !s.is_empty()).unwrap_or("reference").to_owned()
}

fn print_saved(saved: &SavedArtifact, format: OutputFormat) {
    for note in &saved.notes {
        eprintln!("note: {note}");
    }
    match format {
        OutputFormat::Json => println!("{}", serde_json::to_string_pretty(saved).unwrap_or_default()),
        OutputFormat::Text => {
            let verb = if saved.deduplicated { "already logged (same content)" } else { "logged" };
            println!(
                "{verb} {}/{}/{}:{} ({})",
                saved.entity, saved.project, saved.name, saved.version, saved.artifact_type
            );
            println!("  id       {}", saved.id);
            println!("  size     {} bytes ({} file(s) uploaded)", saved.size, saved.uploaded_files);
            println!("  digest   {}", saved.digest);
            println!("  url      {}", saved.url);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::split_name;

    #[test]
    fn names_split_at_the_last_colon_but_not_inside_uris() {
        let split = |spec, uri| split_name(spec, uri);
        assert_eq!(split("data/a.txt:docs/a.txt", false), ("data/a.txt".to_owned(), Some("docs/a.txt".to_owned())));
        assert_eq!(split("data/a.txt", false), ("data/a.txt".to_owned(), None));
        assert_eq!(split("https://host/x.csv", true), ("https://host/x.csv".to_owned(), None));
        assert_eq!(split("https://host:8080/x.csv", true), ("https://host:8080/x.csv".to_owned(), None));
        assert_eq!(split("https://host:8080", true), ("https://host:8080".to_owned(), None));
        assert_eq!(
            split("file:///tmp/a.txt:copy/a.txt", true),
            ("file:///tmp/a.txt".to_owned(), Some("copy/a.txt".to_owned()))
        );
        assert_eq!(split("s3://bucket/k:renamed", true), ("s3://bucket/k".to_owned(), Some("renamed".to_owned())));
    }
}
