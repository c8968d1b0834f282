//! `wandb_artifact_configuration` on an input (reference §6): R2–R8, R10, R12 and the name/version/alias rules of
//! the artifact URI `<entity>/<project>/<name>:<alias or version>` the integration builds.
//!
//! Upstream takes the partitioned branch on `context.has_asset_partitions`, which only inputs with an asset key
//! have. A partitioned *op* input (an op-level partitioned job) takes the non-partitioned branch, with
//! `.<partition_key>` appended to the configured name; so "partitioned read" here means partitioned and asset-keyed.

use super::super::diagnostic::Findings;
use super::super::kind::Options;
use super::naming::{check_alias_chars, check_artifact_name, is_version};
use super::{Object, at, conflict, flagged, member, string};

const VERSION_ALIAS: &str = "'version' and 'alias' cannot both be set; the artifact is looked up by one identifier";
const GET_GET_PATH: &str =
    "'get' and 'get_path' cannot both be set; an input receives either one object or one file path";
const PER_PARTITION_HINT: &str = "set it per partition under 'partitions', using the key '*' for every partition";

/// Checks an input configuration block.
pub(super) fn check(object: &Object, pointer: &str, options: &Options, findings: &mut Findings) {
    let partitioned_read = options.partitioned && options.context.has_asset_key();
    check_name(object, pointer, options, partitioned_read, findings);
    check_partitions(object, pointer, partitioned_read, findings);
    if partitioned_read {
        for key in ["get", "get_path"] {
            if member(object, key).is_some() {
                // R7
                findings
                    .error(
                        "get-in-partitioned-read",
                        at(pointer, key),
                        format!("'{key}' cannot be set at the top level of a partitioned read"),
                    )
                    .on_key()
                    .hint(PER_PARTITION_HINT);
            }
        }
        for key in ["alias", "version"] {
            if member(object, key).is_some() {
                findings
                    .warning(
                        "ignored-in-partitioned-read",
                        at(pointer, key),
                        format!("a top-level '{key}' is silently ignored in a partitioned read"),
                    )
                    .on_key()
                    .hint(PER_PARTITION_HINT);
            }
        }
    } else {
        conflict(object, pointer, ("version", "alias"), "version-alias-conflict", VERSION_ALIAS, findings); // R5
        conflict(object, pointer, ("get", "get_path"), "get-get-path-conflict", GET_GET_PATH, findings); // R6
        check_identifiers(object, pointer, findings);
    }
}

/// R3, R4 and the artifact-name rules.
fn check_name(object: &Object, pointer: &str, options: &Options, partitioned_read: bool, findings: &mut Findings) {
    let name_pointer = at(pointer, "name");
    if member(object, "name").is_some() {
        if options.context.has_asset_key() && !partitioned_read {
            // R3
            findings
                .error(
                    "name-with-asset-key",
                    name_pointer,
                    "'name' cannot be set on an input with an asset key, because the artifact is named after the asset",
                )
                .on_key()
                .hint("remove 'name'; only partitioned reads may override the name derived from the asset key");
        } else if let Some(name) = string(object, "name") {
            // Reads append '.<partition_key>' when partitioned, without the '|' replacement writes do.
            check_artifact_name(name, &name_pointer, options.partitioned, findings);
        }
    } else if !options.context.has_asset_key() && !object.contains_key("name") {
        // R4
        findings
            .error("name-required", pointer, "an input of a plain @op needs the 'name' of the artifact to read")
            .hint("add 'name', or give the input an asset key so the asset names the artifact");
    }
}

/// R2, then R8/R10/R12 and the identifier rules for each partition entry.
fn check_partitions(object: &Object, pointer: &str, partitioned_read: bool, findings: &mut Findings) {
    let Some(entries) = member(object, "partitions").and_then(|p| p.as_object()) else {
        return;
    };
    let partitions_pointer = at(pointer, "partitions");
    if !partitioned_read {
        if !entries.is_empty() {
            // R2 (an empty mapping is accepted upstream)
            findings
                .error(
                    "partitions-not-partitioned",
                    partitions_pointer,
                    "'partitions' can only be used when the input reads a partitioned asset",
                )
                .on_key()
                .hint("remove 'partitions', or set 'alias', 'version', 'get' or 'get_path' at the top level");
        }
        return;
    }
    for (key, entry) in entries {
        let entry_pointer = at(&partitions_pointer, key);
        let Some(entry) = entry.as_object() else {
            continue;
        };
        if entry.is_empty() {
            // R8
            findings
                .error(
                    "empty-partition-config",
                    entry_pointer,
                    format!("the configuration of partition '{key}' is empty"),
                )
                .on_key()
                .hint("remove the entry, or give it 'get', 'get_path', 'version' or 'alias'");
            continue;
        }
        conflict(entry, &entry_pointer, ("version", "alias"), "version-alias-conflict", VERSION_ALIAS, findings); // R10
        conflict(entry, &entry_pointer, ("get", "get_path"), "get-get-path-conflict", GET_GET_PATH, findings); // R12
        check_identifiers(entry, &entry_pointer, findings);
    }
}

/// `version` and `alias` become the `:<identifier>` of the artifact URI; an empty one falls through to the other,
/// then to `latest`. W&B resolves any identifier as a version or an alias, so a non-`vN` version still works if an
/// alias of that name exists — a warning, not an error.
fn check_identifiers(object: &Object, pointer: &str, findings: &mut Findings) {
    if let Some(version) = string(object, "version").filter(|_| !flagged(findings, &at(pointer, "version"))) {
        let version_pointer = at(pointer, "version");
        if version.is_empty() {
            empty_identifier("version", version_pointer, findings);
        } else if !is_version(version) {
            let hint = if version == "latest" {
                "'latest' is an alias: write 'alias: latest', or leave both out to read the latest version".to_owned()
            } else {
                "versions look like v0, v1, v2…; put other names in 'alias'".to_owned()
            };
            findings
                .warning(
                    "invalid-version",
                    version_pointer,
                    "the version is not of the form 'v<number>', so W&B will look it up as an alias",
                )
                .hint(hint);
        }
    }
    if let Some(alias) = string(object, "alias").filter(|_| !flagged(findings, &at(pointer, "alias"))) {
        let alias_pointer = at(pointer, "alias");
        if alias.is_empty() {
            empty_identifier("alias", alias_pointer, findings);
        } else {
            check_alias_chars(alias, &alias_pointer, findings);
        }
    }
}

fn empty_identifier(key: &str, pointer: String, findings: &mut Findings) {
    findings
        .warning("empty-value", pointer, format!("an empty '{key}' is treated as absent"))
        .hint(format!("remove '{key}', or give it a value"));
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::super::super::kind::{Context, Kind};
    use super::super::harness::{codes, default_codes, options};

    fn asset(value: Value) -> Vec<&'static str> {
        default_codes(Kind::ArtifactInput, &value)
    }

    fn op(value: Value) -> Vec<&'static str> {
        codes(Kind::ArtifactInput, &value, &options(Context::Op, false, false))
    }

    fn partitioned(value: Value) -> Vec<&'static str> {
        codes(Kind::ArtifactInput, &value, &options(Context::Asset, true, false))
    }

    #[test]
    fn guide_style_configs_are_clean() {
        assert!(asset(json!({"version": "v0", "get": "Table"})).is_empty());
        assert!(asset(json!({"alias": "my_alias", "get_path": "name_of_file"})).is_empty());
        assert!(asset(json!({})).is_empty());
        assert!(op(json!({"name": "my_artifact", "alias": "latest"})).is_empty());
        let windowed = json!({
            "partitions": {
                "*": {"get": "default_table_name"},
                "2023-01-01": {"version": "v0", "get_path": "x.txt"},
                "2023-01-02": {"alias": "best"}
            }
        });
        assert!(partitioned(windowed).is_empty());
        assert!(partitioned(json!({"name": "override"})).is_empty());
        assert!(asset(json!({"partitions": {}})).is_empty(), "an empty mapping is accepted upstream");
    }

    #[test]
    fn name_depends_on_context() {
        assert_eq!(asset(json!({"name": "x"})), ["name-with-asset-key"]);
        assert_eq!(
            codes(Kind::ArtifactInput, &json!({"name": "x"}), &options(Context::MultiAsset, false, false)),
            ["name-with-asset-key"]
        );
        assert_eq!(op(json!({"alias": "a"})), ["name-required"]);
        assert_eq!(codes(Kind::ArtifactInput, &json!({}), &options(Context::Op, true, false)), ["name-required"]);
        assert_eq!(op(json!({"name": "a:v1"})), ["invalid-artifact-name"]);
        assert_eq!(partitioned(json!({"name": "my name"})), ["invalid-artifact-name"]);
        assert_eq!(op(json!({"name": "red|blue"})), ["invalid-artifact-name"], "reads do not replace '|'");
    }

    #[test]
    fn top_level_conflicts() {
        assert_eq!(asset(json!({"version": "v1", "alias": "a"})), ["version-alias-conflict"]);
        assert_eq!(asset(json!({"get": "Table", "get_path": "f.txt"})), ["get-get-path-conflict"]);
        assert!(asset(json!({"version": "v1", "alias": null})).is_empty());
    }

    #[test]
    fn partitions_need_a_partitioned_read() {
        let value = json!({"partitions": {"*": {"get": "t"}}});
        assert_eq!(asset(value.clone()), ["partitions-not-partitioned"]);
        assert_eq!(
            codes(
                Kind::ArtifactInput,
                &json!({"name": "n", "partitions": {"*": {}}}),
                &options(Context::Op, true, false)
            ),
            ["partitions-not-partitioned"]
        );
        assert!(partitioned(value).is_empty());
    }

    #[test]
    fn top_level_keys_in_partitioned_reads() {
        assert_eq!(partitioned(json!({"get": "Table"})), ["get-in-partitioned-read"]);
        assert_eq!(partitioned(json!({"get_path": "f"})), ["get-in-partitioned-read"]);
        assert_eq!(partitioned(json!({"alias": "a"})), ["ignored-in-partitioned-read"]);
        assert_eq!(
            partitioned(json!({"version": "v1", "alias": "a"})),
            ["ignored-in-partitioned-read", "ignored-in-partitioned-read"]
        );
    }

    #[test]
    fn partition_entries() {
        assert_eq!(partitioned(json!({"partitions": {"a": {}}})), ["empty-partition-config"]);
        assert_eq!(
            partitioned(json!({"partitions": {"*": {"version": "v0", "alias": "x"}}})),
            ["version-alias-conflict"]
        );
        assert_eq!(partitioned(json!({"partitions": {"*": {"get": "t", "get_path": "p"}}})), ["get-get-path-conflict"]);
        assert_eq!(partitioned(json!({"partitions": {"b": {"version": "latest"}}})), ["invalid-version"]);
        assert_eq!(partitioned(json!({"partitions": {"b": {"alias": "a/b"}}})), ["invalid-alias"]);
    }

    #[test]
    fn identifiers() {
        assert_eq!(asset(json!({"version": "latest"})), ["invalid-version"]);
        assert_eq!(asset(json!({"version": "3"})), ["invalid-version"]);
        assert_eq!(asset(json!({"alias": "prod:eu"})), ["invalid-alias"]);
        assert_eq!(asset(json!({"alias": ""})), ["empty-value"]);
        assert_eq!(asset(json!({"version": ""})), ["empty-value"]);
        assert!(asset(json!({"version": "v12"})).is_empty());
    }
}
