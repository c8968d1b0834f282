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
    let (year, month, day) = civil_from_days(days as i64);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}+00:00",
        rest / 3600,
        rest % 3600 / 60,
        rest % 60,
        now.subsec_micros()
    )
}

/// Days since 1970-01-01 → (year, month, day) in the proleptic Gregorian calendar.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
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
    fn dates_are_civil() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(20_516), (2026, 3, 4));
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
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
