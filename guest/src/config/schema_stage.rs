//! The structural stage: the kind's JSON Schema, compiled once per instance, with its errors turned into
//! diagnostics that have stable codes, readable messages and "did you mean" hints. Messages never echo a
//! value from the document (it may be a secret).

use std::sync::OnceLock;

use jsonschema::Validator;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use serde_json::Value;

use super::diagnostic::Findings;
use super::document::pointer_push;
use super::kind::Kind;
use super::suggest::closest;

/// Codes the schema stage emits; rules never use these, so a report says which stage found what.
pub const SCHEMA_CODES: [&str; 7] =
    ["unknown-key", "wrong-type", "invalid-value", "missing-key", "out-of-range", "invalid-format", "schema-mismatch"];

/// Checks `value` against the schema of `kind` (not `RunConfig`), reporting under `base` pointer.
pub fn check(kind: Kind, value: &Value, base: &str, findings: &mut Findings) {
    let Some(validator) = validator(kind) else {
        findings.error("schema-mismatch", base, format!("the embedded {} schema failed to compile", kind.name()));
        return;
    };
    for error in validator.iter_errors(value) {
        let pointer = format!("{base}{}", error.instance_path().as_str());
        report(error.kind(), &pointer, base, kind, findings);
    }
}

/// The parsed schema of `kind`, for tooling that needs its property names.
pub fn schema(kind: Kind) -> Option<&'static Value> {
    static SCHEMAS: [OnceLock<Option<Value>>; 8] = [const { OnceLock::new() }; 8];
    let slot = &SCHEMAS[kind_index(kind)];
    slot.get_or_init(|| serde_json::from_str(kind.schema_text()).ok()).as_ref()
}

fn validator(kind: Kind) -> Option<&'static Validator> {
    static VALIDATORS: [OnceLock<Option<Validator>>; 8] = [const { OnceLock::new() }; 8];
    let slot = &VALIDATORS[kind_index(kind)];
    slot.get_or_init(|| {
        let schema = schema(kind)?;
        jsonschema::draft202012::options().should_validate_formats(true).build(schema).ok()
    })
    .as_ref()
}

fn kind_index(kind: Kind) -> usize {
    Kind::ALL.iter().position(|k| *k == kind).unwrap_or(0)
}

/// Reports one schema error found at `pointer`; `base` is where the checked block sits in the document.
fn report(error: &ValidationErrorKind, pointer: &str, base: &str, kind: Kind, findings: &mut Findings) {
    match error {
        ValidationErrorKind::AdditionalProperties { unexpected }
        | ValidationErrorKind::UnevaluatedProperties { unexpected } => {
            for key in unexpected {
                unknown_key(pointer, key, kind, findings);
            }
        }
        ValidationErrorKind::Type { kind: expected } => {
            findings.error("wrong-type", pointer, format!("{} must be {}", describe(pointer), type_names(expected)));
        }
        ValidationErrorKind::Enum { options } => {
            let allowed: Vec<String> = options.as_array().into_iter().flatten().map(|o| o.to_string()).collect();
            findings
                .error("invalid-value", pointer, format!("{} must be one of {}", describe(pointer), allowed.join(", ")))
                .hint(format!("allowed values: {}", allowed.join(", ")));
        }
        ValidationErrorKind::Constant { expected_value } => {
            findings.error("invalid-value", pointer, format!("{} must be {expected_value}", describe(pointer)));
        }
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().unwrap_or_default();
            findings
                .error("missing-key", pointer, format!("required key '{name}' is missing"))
                .hint(format!("add '{name}'"));
        }
        ValidationErrorKind::Minimum { limit } | ValidationErrorKind::ExclusiveMinimum { limit } => {
            findings.error("out-of-range", pointer, format!("{} is below the minimum {limit}", describe(pointer)));
        }
        ValidationErrorKind::Maximum { limit } | ValidationErrorKind::ExclusiveMaximum { limit } => {
            findings.error("out-of-range", pointer, format!("{} is above the maximum {limit}", describe(pointer)));
        }
        ValidationErrorKind::MinLength { limit } => {
            let what =
                if *limit == 1 { "must not be empty".to_owned() } else { format!("needs at least {limit} characters") };
            findings.error("out-of-range", pointer, format!("{} {what}", describe(pointer)));
        }
        ValidationErrorKind::MaxLength { limit } => {
            findings.error("out-of-range", pointer, format!("{} is longer than {limit} characters", describe(pointer)));
        }
        ValidationErrorKind::MinItems { limit } => {
            findings.error("out-of-range", pointer, format!("{} needs at least {limit} item(s)", describe(pointer)));
        }
        ValidationErrorKind::MaxItems { limit } => {
            findings.error("out-of-range", pointer, format!("{} has more than {limit} item(s)", describe(pointer)));
        }
        ValidationErrorKind::MinProperties { limit } => {
            findings.error("out-of-range", pointer, format!("{} needs at least {limit} key(s)", describe(pointer)));
        }
        ValidationErrorKind::Pattern { pattern } => {
            findings.error(
                "invalid-format",
                pointer,
                format!("{} does not match the pattern {pattern}", describe(pointer)),
            );
        }
        ValidationErrorKind::Format { format } => {
            findings.error("invalid-format", pointer, format!("{} is not a valid {format}", describe(pointer)));
        }
        ValidationErrorKind::AnyOf { context } | ValidationErrorKind::OneOfNotValid { context } => {
            // A branch's errors carry their own (absolute) instance paths, e.g. `/api_key/env` below `/api_key`.
            let branches = context
                .iter()
                .map(|branch| {
                    branch.iter().map(|e| (e.kind(), format!("{base}{}", e.instance_path().as_str()))).collect()
                })
                .collect();
            any_of(branches, pointer, base, kind, findings);
        }
        _ => {
            findings.error(
                "schema-mismatch",
                pointer,
                format!("{} does not match the {} schema", describe(pointer), kind.name()),
            );
        }
    }
}

/// For `anyOf`/`oneOf` (e.g. "a string or {env: VAR}"), report the branch that got furthest: the one with
/// the fewest errors, preferring one whose type matched at `pointer`. Each branch error keeps its own pointer, so
/// `{env: 5}` is reported at `.../env`, not at the `anyOf` value.
fn any_of(branches: Vec<Vec<Located<'_>>>, pointer: &str, base: &str, kind: Kind, findings: &mut Findings) {
    let type_only = |branch: &Vec<Located<'_>>| {
        branch.iter().all(|(e, at)| matches!(e, ValidationErrorKind::Type { .. }) && at.as_str() == pointer)
    };
    let best = branches.iter().filter(|b| !type_only(b)).min_by_key(|b| b.len());
    match best {
        Some(branch) => {
            for (error, at) in branch {
                report(error, at, base, kind, findings);
            }
        }
        None => {
            let mut expected: Vec<String> = branches
                .iter()
                .flatten()
                .filter_map(|(e, _)| match e {
                    ValidationErrorKind::Type { kind } => Some(type_names(kind)),
                    _ => None,
                })
                .collect();
            expected.dedup();
            findings.error("wrong-type", pointer, format!("{} must be {}", describe(pointer), expected.join(" or ")));
        }
    }
}

/// A schema error with the JSON pointer of the value it is about.
type Located<'a> = (&'a ValidationErrorKind, String);

fn unknown_key(object_pointer: &str, key: &str, kind: Kind, findings: &mut Findings) {
    let member = pointer_push(object_pointer, key);
    let known = known_keys(kind, object_pointer);
    let finding = findings
        .error("unknown-key", member, format!("unknown key '{key}' in {}", describe_object(object_pointer, kind)))
        .on_key();
    match closest(key, known.iter().map(String::as_str)) {
        Some(suggestion) => finding.hint(format!("did you mean '{suggestion}'?")),
        None if !known.is_empty() => finding.hint(format!("supported keys: {}", known.join(", "))),
        None => finding,
    };
}

/// Property names the schema allows at `object_pointer` (found by walking `properties` by name).
fn known_keys(kind: Kind, object_pointer: &str) -> Vec<String> {
    let Some(mut node) = schema(kind) else {
        return Vec::new();
    };
    for token in object_pointer.split('/').skip(1) {
        let next = node
            .get("properties")
            .and_then(|p| p.get(token))
            .or_else(|| node.get("additionalProperties").filter(|a| a.is_object()))
            .or_else(|| node.get("items"));
        match next.map(|n| resolve_local_ref(kind, n)) {
            Some(found) => node = found,
            None => return Vec::new(),
        }
    }
    node.get("properties").and_then(Value::as_object).map(|p| p.keys().cloned().collect()).unwrap_or_default()
}

fn resolve_local_ref(kind: Kind, node: &'static Value) -> &'static Value {
    let target = node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#'));
    match (target, schema(kind)) {
        (Some(path), Some(root)) => root.pointer(path).unwrap_or(node),
        _ => node,
    }
}

fn describe(pointer: &str) -> String {
    let unescape = |token: &str| token.replace("~1", "/").replace("~0", "~");
    let mut tokens = pointer.rsplit('/');
    match (tokens.next(), tokens.next()) {
        (Some(last), Some(parent)) if !parent.is_empty() && last.bytes().all(|b| b.is_ascii_digit()) => {
            format!("item {last} of '{}'", unescape(parent))
        }
        (Some(last), _) if !pointer.is_empty() => format!("'{}'", unescape(last)),
        _ => "the document".to_owned(),
    }
}

fn describe_object(pointer: &str, kind: Kind) -> String {
    if pointer.is_empty() { format!("the {} configuration", kind.name()) } else { describe(pointer) }
}

fn type_names(kind: &TypeKind) -> String {
    let article = |t: String| match t.as_str() {
        "object" => "an object".to_owned(),
        "array" => "a list".to_owned(),
        "integer" => "an integer".to_owned(),
        "null" => "null".to_owned(),
        other => format!("a {other}"),
    };
    match kind {
        TypeKind::Single(t) => article(t.to_string()),
        TypeKind::Multiple(set) => set.iter().map(|t| article(t.to_string())).collect::<Vec<_>>().join(" or "),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::document::Document;
    use super::*;

    fn found(kind: Kind, value: Value) -> Vec<(&'static str, String)> {
        let mut findings = Findings::default();
        check(kind, &value, "/base", &mut findings);
        findings.locate(&Document::default(), usize::MAX).0.into_iter().map(|d| (d.code, d.pointer)).collect()
    }

    #[test]
    fn any_of_branch_errors_keep_their_own_pointer() {
        let resource = |api_key: Value| found(Kind::WandbResource, json!({ "api_key": api_key }));
        assert_eq!(resource(json!({"env": 5})), [("wrong-type", "/base/api_key/env".to_owned())]);
        assert_eq!(resource(json!(5)), [("wrong-type", "/base/api_key".to_owned())]);
        assert_eq!(resource(json!({})), [("missing-key", "/base/api_key".to_owned())]);
        assert_eq!(resource(json!({"env": "K", "nv": 1})), [("unknown-key", "/base/api_key/nv".to_owned())]);
    }
}
