//! Config of `wandb_artifacts_io_manager` (reference §3): what `wandb.init` will be given, and the cache purge.

use serde_json::Value;

use super::super::diagnostic::Findings;
use super::naming::{check_run_id, check_run_tag};
use super::{Object, at, duplicates, flagged, string, string_items};

/// Checks an IO-manager configuration block.
pub(super) fn check(object: &Object, pointer: &str, findings: &mut Findings) {
    // Upstream uses `config.run_id or dagster_run_id` and `config.run_name or "dagster-run-…"`, so an empty string
    // never reaches W&B: it silently falls back to the default. That is worth a warning, not an error.
    for (key, fallback) in
        [("run_id", "the Dagster run id"), ("run_name", "'dagster-run-<first 8 characters of the run id>'")]
    {
        let Some(text) = string(object, key) else {
            continue;
        };
        let member_pointer = at(pointer, key);
        if flagged(findings, &member_pointer) {
            continue;
        }
        if text.is_empty() {
            findings
                .warning(
                    "empty-value",
                    member_pointer,
                    format!("an empty '{key}' is treated as absent, so {fallback} is used"),
                )
                .hint(format!("remove '{key}', or give it a value"));
        } else if key == "run_id" {
            check_run_id(text, &member_pointer, findings);
        }
    }
    let tags = string_items(object, "run_tags", pointer);
    for (tag_pointer, tag) in &tags {
        check_run_tag(tag, tag_pointer, findings);
    }
    duplicates(&tags, "duplicate-run-tag", "run tag", findings);
    check_cache_duration(object, pointer, findings);
}

/// `cache_duration_in_minutes` ≤ 0 purges every file under the storage root after every IO operation (§3.3).
fn check_cache_duration(object: &Object, pointer: &str, findings: &mut Findings) {
    let Some(minutes) = object.get("cache_duration_in_minutes").and_then(Value::as_i64) else {
        return;
    };
    let member_pointer = at(pointer, "cache_duration_in_minutes");
    if minutes > 0 || flagged(findings, &member_pointer) {
        return;
    }
    let why = if minutes == 0 { "0 disables the cache" } else { "a negative duration disables the cache like 0" };
    findings
        .warning(
            "cache-disabled",
            member_pointer,
            format!("{why}: every IO operation purges every cached file, including files returned by get_path before the op receives them"),
        )
        .hint("use a positive number of minutes (the default is 43200, 30 days)");
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::kind::Kind;
    use super::super::harness::default_codes;

    fn codes(value: Value) -> Vec<&'static str> {
        default_codes(Kind::IoManager, &value)
    }

    #[test]
    fn guide_style_config_is_clean() {
        let config = json!({
            "run_name": "my_job",
            "run_id": "my_resumable_run_id",
            "run_tags": ["tag1", "tag2"],
            "base_dir": "/tmp/dagster",
            "cache_duration_in_minutes": 60
        });
        assert!(codes(config).is_empty());
        assert!(codes(json!({})).is_empty());
    }

    #[test]
    fn run_ids() {
        assert_eq!(codes(json!({"run_id": "a/b"})), ["invalid-run-id"]);
        assert_eq!(codes(json!({"run_id": " padded"})), ["invalid-run-id"]);
        assert_eq!(codes(json!({"run_id": "100%"})), ["discouraged-run-id-character"]);
        assert_eq!(codes(json!({"run_id": ""})), ["empty-value"]);
        assert!(codes(json!({"run_id": 5})).is_empty(), "a wrong type is the schema's");
    }

    #[test]
    fn run_names() {
        assert_eq!(codes(json!({"run_name": ""})), ["empty-value"]);
        assert!(codes(json!({"run_name": "any name: really / anything"})).is_empty());
    }

    #[test]
    fn run_tags() {
        assert_eq!(codes(json!({"run_tags": [""]})), ["invalid-run-tag"]);
        assert_eq!(codes(json!({ "run_tags": ["x".repeat(65)] })), ["invalid-run-tag"]);
        assert_eq!(codes(json!({"run_tags": ["a", "b", "a"]})), ["duplicate-run-tag"]);
        assert!(codes(json!({"run_tags": ["dagster_wandb", 1]})).is_empty());
    }

    #[test]
    fn cache_duration() {
        assert_eq!(codes(json!({"cache_duration_in_minutes": 0})), ["cache-disabled"]);
        assert_eq!(codes(json!({"cache_duration_in_minutes": -5})), ["cache-disabled"]);
        assert!(codes(json!({"cache_duration_in_minutes": 1})).is_empty());
        assert!(codes(json!({"cache_duration_in_minutes": "0"})).is_empty());
    }
}
