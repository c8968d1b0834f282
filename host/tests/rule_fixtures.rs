//! Every diagnostic code, proved through the real sandboxed component: each case of
//! `tests/config-fixtures/rules.json` names a source file under `tests/config-fixtures/rules/`, the options to
//! validate it with, and exactly the diagnostics (or the input error) it must produce. A case passes only if the
//! reported set of (code, severity, pointer, line, column) equals the expected one, so every fixture also proves
//! that nothing else fires. The bundled guide examples must validate with no diagnostics at all.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use serde::Deserialize;
use serde_json::Value;
use wandguard::config::{Binding, DefinitionContext, Kind, Options, Severity, Syntax};
use wandguard::{Limits, Sandbox};
use wandguard_guest::config::rules::CODES;
use wandguard_guest::config::schema_stage::SCHEMA_CODES;

/// Schema-stage codes that no embedded schema can produce: no schema uses `pattern` or `format`
/// (`invalid-format`), and every keyword the schemas use maps to another code (`schema-mismatch`, the fallback).
/// `unreachable_schema_codes_stay_unreachable` fails as soon as a schema changes that, and a fixture is due.
const UNREACHABLE_SCHEMA_CODES: [&str; 2] = ["invalid-format", "schema-mismatch"];

/// Schema keywords the schema stage maps to a code of its own, plus annotations (which never fail).
const MAPPED_KEYWORDS: [&str; 18] = [
    "type",
    "properties",
    "additionalProperties",
    "required",
    "enum",
    "minimum",
    "anyOf",
    "items",
    "$ref",
    "$defs",
    "$schema",
    "$id",
    "title",
    "description",
    "markdownDescription",
    "markdownEnumDescriptions",
    "examples",
    "default",
];

/// Every kind with its kebab-case name, as used in `rules.json` and the example file names.
const KINDS: [(&str, Kind); 8] = [
    ("artifact-output", Kind::ArtifactOutput),
    ("artifact-input", Kind::ArtifactInput),
    ("io-manager", Kind::IoManager),
    ("wandb-resource", Kind::WandbResource),
    ("wandb-config", Kind::WandbConfig),
    ("launch-agent", Kind::LaunchAgent),
    ("launch-job", Kind::LaunchJob),
    ("run-config", Kind::RunConfig),
];

/// One entry of `rules.json`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    file: String,
    kind: Option<String>,
    context: String,
    partitioned: bool,
    artifact_object: bool,
    #[serde(default)]
    resources: BTreeMap<String, String>,
    #[serde(default)]
    ops: BTreeMap<String, String>,
    expect: Vec<Diag>,
    input_error: Option<ExpectedInputError>,
}

/// A located diagnostic, as a case expects it and as the sandbox reports it (the message aside).
#[derive(Deserialize, Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
#[serde(deny_unknown_fields)]
struct Diag {
    code: String,
    severity: String,
    pointer: String,
    line: u32,
    column: u32,
}

/// The input error a case must produce instead of a report.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExpectedInputError {
    code: String,
    line: u32,
    column: Option<u32>,
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/config-fixtures")
}

/// The one sandbox every case runs through.
fn sandbox() -> &'static Sandbox {
    static SANDBOX: OnceLock<Sandbox> = OnceLock::new();
    SANDBOX.get_or_init(|| Sandbox::new(Limits::default()).expect("the sandbox loads"))
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(fixtures().join("rules.json")).expect("rules.json is readable");
    serde_json::from_str(&text).expect("rules.json is a list of cases")
}

fn kind(name: &str) -> Kind {
    KINDS.iter().find(|(n, _)| *n == name).map(|(_, kind)| *kind).unwrap_or_else(|| panic!("unknown kind {name}"))
}

fn bindings(map: &BTreeMap<String, String>) -> Vec<Binding> {
    map.iter().map(|(key, name)| Binding { key: key.clone(), kind: kind(name) }).collect()
}

/// What the CLI does with `--syntax auto`: the syntax follows the file extension.
fn syntax(path: &Path) -> Syntax {
    match path.extension().and_then(|ext| ext.to_str()) {
        Some("json") => Syntax::Json,
        Some("yaml" | "yml") => Syntax::Yaml,
        _ => Syntax::Auto,
    }
}

fn options(path: &Path, kind: Option<Kind>, context: DefinitionContext) -> Options {
    Options {
        kind,
        context,
        partitioned: false,
        artifact_object: false,
        syntax: syntax(path),
        resources: Vec::new(),
        ops: Vec::new(),
        max_diagnostics: 1000,
    }
}

fn context(name: &str) -> DefinitionContext {
    match name {
        "asset" => DefinitionContext::Asset,
        "op" => DefinitionContext::Op,
        "multi-asset" => DefinitionContext::MultiAsset,
        other => panic!("unknown context {other}"),
    }
}

/// Validates `path`; returns the located diagnostics (sorted, with their messages) or the input error as text.
fn validate(path: &Path, options: &Options) -> Result<Vec<(Diag, String)>, (String, u32, u32)> {
    let source = std::fs::read(path).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let outcome = sandbox().validate(&source, options).unwrap_or_else(|err| panic!("{}: {err}", path.display()));
    let report = outcome.map_err(|error| (error.code, error.line, error.column))?;
    assert!(!report.truncated, "{}: the report was truncated", path.display());
    let mut found: Vec<(Diag, String)> = report
        .diagnostics
        .into_iter()
        .map(|d| {
            let severity = if d.severity == Severity::Error { "error" } else { "warning" }.to_owned();
            (Diag { code: d.code, severity, pointer: d.pointer, line: d.line, column: d.column }, d.message)
        })
        .collect();
    found.sort();
    Ok(found)
}

/// Runs one case; returns a description of every way it failed.
fn check_case(case: &Case) -> Option<String> {
    let path = fixtures().join(&case.file);
    let mut options = options(&path, case.kind.as_deref().map(kind), context(&case.context));
    options.partitioned = case.partitioned;
    options.artifact_object = case.artifact_object;
    options.resources = bindings(&case.resources);
    options.ops = bindings(&case.ops);
    let show = |items: &[&Diag]| items.iter().map(|e| format!("\n    {e:?}")).collect::<String>();
    match (validate(&path, &options), &case.input_error) {
        (Ok(found), None) => {
            let mut expected = case.expect.clone();
            expected.sort();
            let missing: Vec<&Diag> = expected.iter().filter(|e| !found.iter().any(|(f, _)| f == *e)).collect();
            let unexpected: Vec<&(Diag, String)> = found.iter().filter(|(f, _)| !expected.contains(f)).collect();
            if missing.is_empty() && unexpected.is_empty() && found.len() == expected.len() {
                return None;
            }
            let extra: String = unexpected.iter().map(|(e, message)| format!("\n    {e:?}: {message}")).collect();
            Some(format!("{}:\n  missing:{}\n  unexpected:{extra}", case.file, show(&missing)))
        }
        (Err((code, line, column)), Some(want)) => {
            let column_ok = want.column.is_none_or(|want_column| want_column == column);
            (code != want.code || line != want.line || !column_ok).then(|| {
                format!(
                    "{}: input error {code} at {line}:{column}, expected {} at line {}",
                    case.file, want.code, want.line
                )
            })
        }
        (Ok(found), Some(want)) => {
            Some(format!("{}: expected input error {}, got report {found:?}", case.file, want.code))
        }
        (Err((code, line, column)), None) => {
            Some(format!("{}: unexpected input error {code} at {line}:{column}", case.file))
        }
    }
}

#[test]
fn every_fixture_produces_exactly_its_expected_diagnostics() {
    let cases = cases();
    assert!(cases.len() >= CODES.len() + SCHEMA_CODES.len() - UNREACHABLE_SCHEMA_CODES.len());
    let failures: Vec<String> = cases.iter().filter_map(check_case).collect();
    assert!(failures.is_empty(), "{} of {} fixtures failed:\n{}", failures.len(), cases.len(), failures.join("\n"));
}

#[test]
fn every_rule_code_has_a_fixture() {
    let cases = cases();
    let expected: Vec<&Diag> = cases.iter().flat_map(|case| &case.expect).collect();
    let schema =
        SCHEMA_CODES.iter().filter(|code| !UNREACHABLE_SCHEMA_CODES.contains(code)).map(|code| (*code, "error"));
    let rules = CODES.iter().map(|(code, severity)| (*code, severity.name()));
    for (code, severity) in rules.chain(schema) {
        let uses: Vec<&&Diag> = expected.iter().filter(|e| e.code == code).collect();
        assert!(!uses.is_empty(), "no fixture expects '{code}'");
        assert!(uses.iter().all(|e| e.severity == severity), "'{code}' is a {severity} in CODES");
    }
    for case in &cases {
        assert!(fixtures().join(&case.file).is_file(), "{} does not exist", case.file);
        let name = case.file.trim_start_matches("rules/");
        let prefix = name.split("--").next().unwrap_or_default();
        let named =
            case.expect.iter().any(|e| e.code == prefix) || case.input_error.as_ref().is_some_and(|e| e.code == prefix);
        assert!(named, "{}: the file is named after a code it does not expect", case.file);
    }
}

#[test]
fn unreachable_schema_codes_stay_unreachable() {
    /// Fails on any keyword of `node` (a schema) or its subschemas outside [`MAPPED_KEYWORDS`].
    fn walk(node: &Value, file: &str) {
        let Some(object) = node.as_object() else { return };
        for (keyword, value) in object {
            assert!(MAPPED_KEYWORDS.contains(&keyword.as_str()), "{file} uses '{keyword}': add a fixture for its code");
            match keyword.as_str() {
                "properties" | "$defs" => value.as_object().into_iter().flatten().for_each(|(_, sub)| walk(sub, file)),
                "anyOf" => value.as_array().into_iter().flatten().for_each(|sub| walk(sub, file)),
                "items" | "additionalProperties" => walk(value, file),
                _ => {}
            }
        }
    }
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    for entry in std::fs::read_dir(&schemas).expect("schemas/ is readable") {
        let path = entry.expect("a directory entry").path();
        let text = std::fs::read_to_string(&path).expect("a schema is readable");
        walk(&serde_json::from_str(&text).expect("a schema is JSON"), &path.display().to_string());
    }
}

#[test]
fn every_guide_example_validates_clean() {
    let examples = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples");
    let mut checked = 0;
    for entry in std::fs::read_dir(&examples).expect("examples/ is readable") {
        let path = entry.expect("a directory entry").path();
        let name = path.file_name().and_then(|n| n.to_str()).expect("a UTF-8 file name").to_owned();
        let Some((kind_name, _)) = name.split_once("--") else { continue };
        if kind_name == "broken" {
            continue;
        }
        let context = if name.contains("--op-") {
            DefinitionContext::Op
        } else if name.contains("--multi-asset-") {
            DefinitionContext::MultiAsset
        } else {
            DefinitionContext::Asset
        };
        let mut options = options(&path, Some(kind(kind_name)), context);
        options.partitioned = name.contains("--partitioned-");
        // The guide aliases the launch-job op as `my_launched_job` (examples/README.md); check that block too.
        options.ops = vec![Binding { key: "my_launched_job".to_owned(), kind: Kind::LaunchJob }];
        let found = validate(&path, &options).unwrap_or_else(|error| panic!("{name}: input error {error:?}"));
        assert!(found.is_empty(), "{name} is a guide example and must validate clean, got {found:#?}");
        checked += 1;
    }
    assert!(checked >= 30, "only {checked} examples found");
}
