//! Semantic rules: what the JSON Schemas cannot say because it depends on context (asset vs op,
//! partitions, an Artifact output) or on W&B's own naming rules. Each rule has a stable code.
//!
//! Conventions shared by every rule module:
//! - structure is the schema stage's job: a value of the wrong type is skipped silently, and a value the schema
//!   already flagged with an error is not reported again ([`flagged`]);
//! - a member set to `null` counts as absent, as it does upstream (`parameters.get(key) is not None`);
//! - messages name keys and offending characters but never echo a whole value (it may be a secret or a signed URL).

mod input;
mod io_manager;
mod launch;
mod naming;
mod output;
mod resource;
mod serialization;

use serde_json::{Map, Value};

use super::diagnostic::{Findings, Severity};
use super::document::{pointer_index, pointer_push};
use super::kind::{Kind, Options};

/// A configuration mapping.
type Object = Map<String, Value>;

/// Every code the rules report, with its severity; stable, and documented in `docs/diagnostics.md`. None of them
/// is a schema-stage code, so a report always says which stage found what.
pub const CODES: [(&str, Severity); 49] = [
    // artifact-output
    ("name-with-asset-key", Severity::Error),
    ("name-required", Severity::Error),
    ("name-with-artifact-object", Severity::Error),
    ("type-with-artifact-object", Severity::Error),
    ("description-with-artifact-object", Severity::Warning),
    ("serialization-with-artifact-object", Severity::Warning),
    ("invalid-artifact-name", Severity::Error),
    ("reserved-artifact-type", Severity::Error),
    ("invalid-artifact-type", Severity::Error),
    ("invalid-alias", Severity::Error),
    ("duplicate-alias", Severity::Warning),
    ("reserved-alias", Severity::Warning),
    ("partitions-on-write", Severity::Warning),
    ("empty-path", Severity::Error),
    ("invalid-reference-uri", Severity::Error),
    ("untracked-reference", Severity::Warning),
    ("unknown-serialization-parameter", Severity::Error),
    ("invalid-protocol", Severity::Error),
    ("invalid-compress", Severity::Error),
    ("deprecated-serialization-parameter", Severity::Warning),
    // artifact-input
    ("version-alias-conflict", Severity::Error),
    ("get-get-path-conflict", Severity::Error),
    ("partitions-not-partitioned", Severity::Error),
    ("get-in-partitioned-read", Severity::Error),
    ("ignored-in-partitioned-read", Severity::Warning),
    ("empty-partition-config", Severity::Error),
    ("invalid-version", Severity::Warning),
    ("empty-value", Severity::Warning),
    // io-manager
    ("invalid-run-id", Severity::Error),
    ("discouraged-run-id-character", Severity::Warning),
    ("invalid-run-tag", Severity::Error),
    ("duplicate-run-tag", Severity::Warning),
    ("cache-disabled", Severity::Warning),
    // wandb-resource
    ("literal-api-key", Severity::Warning),
    ("empty-env-var", Severity::Error),
    ("invalid-env-var", Severity::Error),
    ("invalid-host", Severity::Error),
    ("insecure-host", Severity::Warning),
    ("host-trailing-slash", Severity::Warning),
    // wandb-config
    ("empty-entity", Severity::Error),
    ("empty-project", Severity::Error),
    ("invalid-entity-name", Severity::Error),
    ("invalid-project-name", Severity::Error),
    // launch-agent, launch-job
    ("invalid-max-jobs", Severity::Error),
    ("empty-queue-name", Severity::Error),
    ("duplicate-queue", Severity::Warning),
    ("missing-launch-source", Severity::Error),
    ("invalid-job-name", Severity::Error),
    ("invalid-entry-point", Severity::Error),
];

/// Applies the rules of `kind` to the configuration block `value` found at `pointer`.
pub fn check(kind: Kind, value: &Value, pointer: &str, options: &Options, findings: &mut Findings) {
    // Not a mapping: the schema stage reports the type; there is nothing for the rules to look at.
    let Some(object) = value.as_object() else {
        return;
    };
    match kind {
        Kind::ArtifactOutput => output::check(object, pointer, options, findings),
        Kind::ArtifactInput => input::check(object, pointer, options, findings),
        Kind::IoManager => io_manager::check(object, pointer, findings),
        Kind::WandbResource => resource::check_resource(object, pointer, findings),
        Kind::WandbConfig => resource::check_config(object, pointer, findings),
        Kind::LaunchAgent => launch::check_agent(object, pointer, findings),
        Kind::LaunchJob => launch::check_job(object, pointer, findings),
        // A run config is split into its bound blocks by `run_config.rs`, which calls back here per block.
        Kind::RunConfig => {}
    }
}

/// The member `key` of `object`, unless it is absent or `null`.
fn member<'a>(object: &'a Object, key: &str) -> Option<&'a Value> {
    object.get(key).filter(|value| !value.is_null())
}

/// The member `key` of `object` when it is a string.
fn string<'a>(object: &'a Object, key: &str) -> Option<&'a str> {
    object.get(key).and_then(Value::as_str)
}

/// The pointer of member `key` inside the block at `pointer`.
fn at(pointer: &str, key: &str) -> String {
    pointer_push(pointer, key)
}

/// Whether the schema stage (or an earlier rule) already reported an error at exactly `pointer`.
fn flagged(findings: &Findings, pointer: &str) -> bool {
    findings.has_error_at(pointer)
}

/// Whether `text` is empty or only whitespace.
fn is_blank(text: &str) -> bool {
    text.trim().is_empty()
}

/// The string items of the list member `key`, with their pointers (other items are the schema's business).
fn string_items<'a>(object: &'a Object, key: &str, pointer: &str) -> Vec<(String, &'a str)> {
    let list_pointer = at(pointer, key);
    object
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, item)| item.as_str().map(|text| (pointer_index(&list_pointer, index), text)))
        .collect()
}

/// The object items of the list member `key`, with their pointers.
fn object_items<'a>(object: &'a Object, key: &str, pointer: &str) -> Vec<(String, &'a Object)> {
    let list_pointer = at(pointer, key);
    object
        .get(key)
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .enumerate()
        .filter_map(|(index, item)| item.as_object().map(|entry| (pointer_index(&list_pointer, index), entry)))
        .collect()
}

/// Reports `code` when both `first` and `second` are set in `object`; the finding points at whichever key comes
/// later in the document, since that is the one most likely added by mistake.
fn conflict(
    object: &Object,
    pointer: &str,
    (first, second): (&str, &str),
    code: &'static str,
    message: &str,
    findings: &mut Findings,
) {
    if member(object, first).is_none() || member(object, second).is_none() {
        return;
    }
    let later = object.keys().rev().find(|key| *key == first || *key == second).map_or(second, String::as_str);
    findings.error(code, at(pointer, later), message).on_key().hint(format!("keep either '{first}' or '{second}'"));
}

/// Reports `code` (a warning) for every item of `items` that repeats an earlier one.
fn duplicates(items: &[(String, &str)], code: &'static str, what: &str, findings: &mut Findings) {
    for (index, (pointer, text)) in items.iter().enumerate() {
        if items[..index].iter().any(|(_, earlier)| earlier == text) {
            findings
                .warning(code, pointer.as_str(), format!("this {what} is listed more than once"))
                .hint("remove the repetition");
        }
    }
}

/// The shared unit-test harness: runs the rules of one kind on a JSON value and returns the codes.
#[cfg(test)]
mod harness {
    use serde_json::Value;

    use super::super::diagnostic::Findings;
    use super::super::document::Document;
    use super::super::kind::{Context, Kind, Options};

    /// Options for an asset (or op / multi-asset) context.
    pub fn options(context: Context, partitioned: bool, artifact_object: bool) -> Options {
        Options { context, partitioned, artifact_object, ..Options::default() }
    }

    /// The codes the rules of `kind` report for `value` under `options`; every one must be listed in
    /// [`super::CODES`] with the severity it was reported with.
    pub fn codes(kind: Kind, value: &Value, options: &Options) -> Vec<&'static str> {
        let mut findings = Findings::default();
        super::check(kind, value, "", options, &mut findings);
        let codes = findings.codes();
        for diagnostic in findings.locate(&Document::default(), usize::MAX).0 {
            let listed = super::CODES.iter().find(|(code, _)| *code == diagnostic.code);
            assert_eq!(
                listed.map(|(_, severity)| *severity),
                Some(diagnostic.severity),
                "{diagnostic:?} is not listed in CODES"
            );
        }
        codes
    }

    /// The codes for the default options (asset context, not partitioned, not an Artifact object).
    pub fn default_codes(kind: Kind, value: &Value) -> Vec<&'static str> {
        codes(kind, value, &Options::default())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::diagnostic::Findings;
    use super::super::schema_stage::SCHEMA_CODES;
    use super::harness::default_codes;
    use super::*;

    #[test]
    fn non_mappings_and_run_configs_are_left_to_other_stages() {
        for kind in Kind::ALL {
            assert!(default_codes(kind, &json!(["not", "a", "mapping"])).is_empty());
            assert!(default_codes(kind, &Value::Null).is_empty());
        }
        assert!(default_codes(Kind::RunConfig, &json!({"resources": {}})).is_empty());
    }

    #[test]
    fn codes_are_unique_kebab_case_and_not_the_schema_stages() {
        for (index, (code, _)) in CODES.iter().enumerate() {
            assert!(code.chars().all(|c| c.is_ascii_lowercase() || c == '-'), "{code}");
            assert!(!SCHEMA_CODES.contains(code), "{code} belongs to the schema stage");
            assert!(!CODES[..index].iter().any(|(earlier, _)| earlier == code), "{code} is listed twice");
        }
    }

    #[test]
    fn every_code_is_documented() {
        let docs = include_str!("../../../../docs/diagnostics.md");
        let input_errors = ["not-utf8", "parse-error", "too-deep", "too-large", "ambiguous-kind", "empty-document"];
        for code in CODES.iter().map(|(code, _)| *code).chain(SCHEMA_CODES).chain(input_errors) {
            assert!(docs.contains(&format!("`{code}`")), "{code} is missing from docs/diagnostics.md");
        }
    }

    #[test]
    fn conflicts_point_at_the_later_key() {
        let object = json!({"get": "Table", "alias": "a", "get_path": "x"});
        let mut findings = Findings::default();
        conflict(object.as_object().expect("object"), "/p", ("get", "get_path"), "c", "m", &mut findings);
        assert!(findings.has_error_at("/p/get_path"));
    }

    #[test]
    fn schema_errors_silence_the_rules_at_the_same_pointer() {
        let mut findings = Findings::default();
        findings.error("out-of-range", "/project", "'project' must not be empty");
        check(Kind::WandbConfig, &json!({"entity": "e", "project": ""}), "", &Options::default(), &mut findings);
        assert_eq!(findings.codes(), ["out-of-range"]);
    }
}
