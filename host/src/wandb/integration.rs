//! What dagster-wandb decides for an output, reproduced: the artifact name (`name.partition`, `|` → `-`),
//! the aliases (user aliases + `dagster-run-<id8>` + `latest`, built fresh each time so nothing
//! accumulates), the `output.<module>` file name and the `source_*` metadata keys.

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

/// The serialization modules the integration accepts, in its read precedence.
pub const SERIALIZATION_MODULES: [&str; 4] = ["dill", "cloudpickle", "joblib", "pickle"];

/// The artifact name for `name` and an optional partition key.
pub fn artifact_name(name: &str, partition: Option<&str>) -> String {
    match partition {
        Some(key) => format!("{name}.{key}").replace('|', "-"),
        None => name.replace('|', "-"),
    }
}

/// The aliases the integration logs with.
pub fn aliases(user: &[String], dagster_run_id: Option<&str>) -> Vec<String> {
    let mut aliases = user.to_vec();
    if let Some(run) = dagster_run_id {
        aliases.push(format!("dagster-run-{}", run.chars().take(8).collect::<String>()));
    }
    if !aliases.iter().any(|alias| alias == "latest") {
        aliases.push("latest".to_owned());
    }
    aliases
}

/// `output.<module>`, the file the integration writes the value to.
pub fn output_file_name(module: &str) -> String {
    format!("output.{module}")
}

/// The integration's metadata keys for an output written by this tool (`source_integration` names
/// wandguard; the serialization keys only when a value was serialized).
pub fn metadata(dagster_run_id: Option<&str>, serialization: Option<(&str, u8)>) -> Map<String, Value> {
    let mut metadata = Map::new();
    metadata.insert("source_integration".to_owned(), Value::from("wandguard"));
    metadata.insert("source_integration_version".to_owned(), Value::from(env!("CARGO_PKG_VERSION")));
    if let Some(run) = dagster_run_id {
        metadata.insert("source_dagster_run_id".to_owned(), Value::from(run));
    }
    metadata.insert("source_created_at".to_owned(), Value::from(utc_now_iso()));
    if let Some((module, protocol)) = serialization {
        metadata.insert("source_serialization_module".to_owned(), Value::from(module));
        if module != "pickle" {
            let encoder = format!("wandguard {} encoder", env!("CARGO_PKG_VERSION"));
            metadata.insert(format!("source_{module}_version_used"), Value::from(encoder));
        }
        metadata.insert("source_pickle_protocol_used".to_owned(), Value::from(protocol));
    }
    metadata
}

/// Now as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`, like Python's `datetime.now(timezone.utc).isoformat()`.
pub fn utc_now_iso() -> String {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let seconds = now.as_secs();
    let (days, rest) = (seconds / 86_400, seconds % 86_400);
    let (year, month, day) = crate::utc::civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        now.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partition_names_follow_the_integration() {
        assert_eq!(artifact_name("multi", Some("red|2023-01-02")), "multi.red-2023-01-02");
        assert_eq!(artifact_name("my_asset", Some("2023-01-01")), "my_asset.2023-01-01");
        assert_eq!(artifact_name("plain", None), "plain");
    }

    #[test]
    fn aliases_are_user_then_run_then_latest_and_do_not_accumulate() {
        let user = vec!["best".to_owned()];
        let first = aliases(&user, Some("0123456789abcdef"));
        let second = aliases(&user, Some("fedcba9876543210"));
        assert_eq!(first, ["best", "dagster-run-01234567", "latest"]);
        assert_eq!(second, ["best", "dagster-run-fedcba98", "latest"]);
        assert_eq!(aliases(&["latest".to_owned()], None), ["latest"]);
    }

    #[test]
    fn pickled_output_metadata_has_the_integration_keys() {
        let mut keys: Vec<String> = metadata(Some("run"), Some(("pickle", 5))).keys().cloned().collect();
        keys.sort_unstable();
        let mut expected = vec![
            "source_integration",
            "source_integration_version",
            "source_dagster_run_id",
            "source_created_at",
            "source_serialization_module",
            "source_pickle_protocol_used",
        ];
        expected.sort_unstable();
        assert_eq!(keys, expected);
    }
}
