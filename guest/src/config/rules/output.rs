//! `wandb_artifact_configuration` on an output (reference §4): W4–W7, W9, W-art, and W&B's naming rules for what
//! the integration passes to `wandb.Artifact`, `add_*` and `log_artifact`.

use super::super::diagnostic::Findings;
use super::super::kind::Options;
use super::naming::{check_alias_chars, check_artifact_name, check_artifact_type};
use super::{Object, at, duplicates, flagged, member, object_items, serialization, string, string_items};

/// Alias the integration adds to every logged version.
const LATEST: &str = "latest";
/// Prefix of the per-run alias the integration adds (`dagster-run-<first 8 characters of the run id>`).
const RUN_ALIAS_PREFIX: &str = "dagster-run-";
/// URI schemes the SDK's storage handlers recognise (Azure Blob Storage is `https://<account>.blob.core.windows.net`).
const REFERENCE_SCHEMES: [&str; 7] = ["http", "https", "s3", "gs", "file", "wandb-artifact", "wandb-client-artifact"];

/// Checks an output configuration block.
pub(super) fn check(object: &Object, pointer: &str, options: &Options, findings: &mut Findings) {
    check_name(object, pointer, options, findings);
    if options.artifact_object {
        artifact_object_keys(object, pointer, findings);
    } else {
        if let Some(artifact_type) = string(object, "type") {
            check_artifact_type(artifact_type, &at(pointer, "type"), findings);
        }
        if let Some(module) = object.get("serialization_module").and_then(|m| m.as_object()) {
            serialization::check(module, &at(pointer, "serialization_module"), findings);
        }
    }
    check_aliases(object, pointer, findings);
    if member(object, "partitions").is_some() {
        findings
            .warning(
                "partitions-on-write",
                at(pointer, "partitions"),
                "'partitions' is accepted on an output but has no effect when writing",
            )
            .on_key()
            .hint("per-partition settings belong to the input that reads the artifact; remove 'partitions' here");
    }
    for key in ["add_files", "add_dirs"] {
        for (entry_pointer, entry) in object_items(object, key, pointer) {
            let path_pointer = at(&entry_pointer, "local_path");
            if string(entry, "local_path").is_some_and(str::is_empty) && !flagged(findings, &path_pointer) {
                findings
                    .error("empty-path", path_pointer, format!("the 'local_path' of this '{key}' entry is empty"))
                    .hint("give the path of the file or directory to add");
            }
        }
    }
    for (entry_pointer, entry) in object_items(object, "add_references", pointer) {
        check_reference(entry, &entry_pointer, findings);
    }
}

/// W4, W6, W7 and the artifact-name rules.
fn check_name(object: &Object, pointer: &str, options: &Options, findings: &mut Findings) {
    let name_pointer = at(pointer, "name");
    if member(object, "name").is_some() {
        if options.artifact_object {
            // W4
            findings
                .error(
                    "name-with-artifact-object",
                    name_pointer,
                    "'name' cannot be set when the output is already a wandb.Artifact",
                )
                .on_key()
                .hint("name the Artifact when you construct it, and remove 'name' here");
        } else if options.context.has_asset_key() {
            // W6
            findings
                .error("name-with-asset-key", name_pointer, "'name' cannot be set on an output with an asset key, because the artifact is named after the asset")
                .on_key()
                .hint("remove 'name'; the artifact takes the first component of the asset key");
        } else if let Some(name) = string(object, "name") {
            // Written names have '|' replaced by '-' (reference §4.4), so '|' is not an error on the write side.
            check_artifact_name(&name.replace('|', "-"), &name_pointer, options.partitioned, findings);
        }
    } else if !options.artifact_object && !options.context.has_asset_key() && !object.contains_key("name") {
        // W7 (a present-but-null name is the schema's type error)
        findings
            .error("name-required", pointer, "an output of a plain @op needs a 'name' for its artifact")
            .hint("add 'name', or produce the output from an @asset so the asset key names the artifact");
    }
}

/// W5, W9 and W-art: keys that conflict with, or are ignored for, an output that is already a `wandb.Artifact`.
fn artifact_object_keys(object: &Object, pointer: &str, findings: &mut Findings) {
    if member(object, "type").is_some() {
        // W5
        findings
            .error(
                "type-with-artifact-object",
                at(pointer, "type"),
                "'type' cannot be set when the output is already a wandb.Artifact",
            )
            .on_key()
            .hint("set the type when you construct the Artifact, and remove 'type' here");
    }
    if member(object, "description").is_some() {
        // W9 can only be decided at run time, from the Artifact's own description.
        findings
            .warning(
                "description-with-artifact-object",
                at(pointer, "description"),
                "'description' fails at run time if the returned wandb.Artifact already has a description",
            )
            .on_key()
            .hint("set the description in one place: either here or when constructing the Artifact");
    }
    let serialization_set =
        object.get("serialization_module").and_then(|m| m.as_object()).is_some_and(|m| !m.is_empty());
    if serialization_set {
        // W-art
        findings
            .warning(
                "serialization-with-artifact-object",
                at(pointer, "serialization_module"),
                "'serialization_module' is ignored when the output is already a wandb.Artifact",
            )
            .on_key()
            .hint("remove 'serialization_module'");
    }
}

/// Aliases go to `log_artifact` next to the integration's own `dagster-run-<id>` and `latest`.
fn check_aliases(object: &Object, pointer: &str, findings: &mut Findings) {
    let aliases = string_items(object, "aliases", pointer);
    for (alias_pointer, alias) in &aliases {
        if flagged(findings, alias_pointer) {
            continue;
        }
        if alias.is_empty() {
            findings.error("invalid-alias", alias_pointer.as_str(), "the alias is empty").hint("remove it");
        } else if check_alias_chars(alias, alias_pointer, findings) {
            continue;
        } else if *alias == LATEST {
            findings
                .warning(
                    "reserved-alias",
                    alias_pointer.as_str(),
                    "the integration already gives every version it logs the alias 'latest'",
                )
                .hint("remove it");
        } else if alias.starts_with(RUN_ALIAS_PREFIX) {
            findings
                .warning("reserved-alias", alias_pointer.as_str(), "aliases starting with 'dagster-run-' look like the per-run alias the integration adds to every version")
                .hint("choose an alias with another prefix");
        }
    }
    duplicates(&aliases, "duplicate-alias", "alias", findings);
}

/// `add_references` entries go to `artifact.add_reference(uri=…, name=…, …)`; the SDK picks a storage handler by URI
/// scheme and falls back to a tracking handler that needs `name`, cannot checksum, and cannot download.
fn check_reference(entry: &Object, entry_pointer: &str, findings: &mut Findings) {
    let uri_pointer = at(entry_pointer, "uri");
    let Some(uri) = string(entry, "uri") else {
        return;
    };
    if flagged(findings, &uri_pointer) {
        return;
    }
    let schemes = format!("supported schemes: {} (Azure Blob Storage uses https)", REFERENCE_SCHEMES.join(", "));
    if uri.trim().is_empty() {
        findings.error("invalid-reference-uri", uri_pointer, "the reference URI is empty").hint(schemes);
        return;
    }
    // Like Python's urlparse: a scheme is a letter followed by letters, digits, '+', '-' or '.', before a ':'.
    let scheme = uri.split_once(':').map(|(scheme, _)| scheme).filter(|s| {
        s.starts_with(|c: char| c.is_ascii_alphabetic())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || "+-.".contains(c))
    });
    let Some(scheme) = scheme else {
        unknown_scheme(
            entry,
            uri_pointer,
            "the reference URI has no scheme, so W&B can only track it as an opaque string",
            schemes,
            findings,
        );
        return;
    };
    let lowered = scheme.to_ascii_lowercase();
    if !REFERENCE_SCHEMES.contains(&lowered.as_str()) {
        let message = format!(
            "the reference URI scheme '{scheme}' is not one W&B can store, so it can only be tracked as an opaque string"
        );
        unknown_scheme(entry, uri_pointer, &message, schemes, findings);
        return;
    }
    let rest = &uri[scheme.len() + 1..];
    let Some(after) = rest.strip_prefix("//") else {
        findings
            .error(
                "invalid-reference-uri",
                uri_pointer,
                format!("the reference URI must have the form '{lowered}://…'"),
            )
            .hint(format!("write '{lowered}://' followed by the location"));
        return;
    };
    let authority = after.split(['/', '?', '#']).next().unwrap_or_default();
    let missing = match lowered.as_str() {
        "file" => after.trim_start_matches('/').is_empty().then_some("path"),
        "s3" | "gs" => authority.is_empty().then_some("bucket"),
        "http" | "https" => authority.is_empty().then_some("host"),
        _ => authority.is_empty().then_some("artifact id"),
    };
    if let Some(part) = missing {
        findings
            .error(
                "invalid-reference-uri",
                uri_pointer,
                format!("the reference URI has no {part} after '{lowered}://'"),
            )
            .hint(format!("write '{lowered}://' followed by the {part}"));
    }
}

/// A URI no storage handler claims: the SDK's tracking handler requires `name` (else `ValueError`), and the entry
/// cannot be downloaded, so a downstream whole-artifact read by the IO manager fails.
fn unknown_scheme(entry: &Object, uri_pointer: String, message: &str, schemes: String, findings: &mut Findings) {
    if member(entry, "name").is_some() {
        findings
            .warning("untracked-reference", uri_pointer, message)
            .hint(format!("it is stored without checksum and cannot be downloaded, so reading the whole artifact back fails; {schemes}; local files need file://"));
    } else {
        findings
            .error("invalid-reference-uri", uri_pointer, format!("{message}, and such references need a 'name'"))
            .hint(format!("{schemes}; local files need file://"));
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::kind::{Context, Kind};
    use super::super::harness::{codes, default_codes, options};

    fn op(value: serde_json::Value) -> Vec<&'static str> {
        codes(Kind::ArtifactOutput, &value, &options(Context::Op, false, false))
    }

    fn artifact(value: serde_json::Value) -> Vec<&'static str> {
        codes(Kind::ArtifactOutput, &value, &options(Context::Asset, false, true))
    }

    #[test]
    fn guide_style_configs_are_clean() {
        let asset = json!({
            "type": "dataset",
            "description": "My first dataset",
            "aliases": ["first", "iris"],
            "add_files": [{"local_path": "data/iris.csv", "name": "iris"}],
            "add_dirs": [{"local_path": "data/images", "name": "images"}],
            "add_references": [
                {"uri": "https://picsum.photos/200/300", "name": "photo"},
                {"uri": "s3://my-bucket/datasets/mnist"},
                {"uri": "gs://my-bucket/datasets/mnist"},
                {"uri": "file:///mnt/datasets/mnist"},
                {"uri": "https://acct.blob.core.windows.net/container/path"}
            ],
            "serialization_module": {"name": "joblib", "parameters": {"compress": 3}}
        });
        assert!(default_codes(Kind::ArtifactOutput, &asset).is_empty());
        assert!(codes(Kind::ArtifactOutput, &asset, &options(Context::MultiAsset, true, false)).is_empty());
        assert!(op(json!({"name": "my_op_artifact", "type": "model"})).is_empty());
        assert!(artifact(json!({"aliases": ["prod"]})).is_empty());
        assert!(default_codes(Kind::ArtifactOutput, &json!({})).is_empty());
    }

    #[test]
    fn name_depends_on_context() {
        assert_eq!(default_codes(Kind::ArtifactOutput, &json!({"name": "x"})), ["name-with-asset-key"]);
        assert_eq!(
            codes(Kind::ArtifactOutput, &json!({"name": "x"}), &options(Context::MultiAsset, false, false)),
            ["name-with-asset-key"]
        );
        assert_eq!(op(json!({"type": "model"})), ["name-required"]);
        assert_eq!(artifact(json!({"name": "x"})), ["name-with-artifact-object"]);
        assert!(codes(Kind::ArtifactOutput, &json!({}), &options(Context::Op, false, true)).is_empty());
        assert!(default_codes(Kind::ArtifactOutput, &json!({"name": null})).is_empty());
        assert!(op(json!({"name": null})).is_empty(), "a null name is the schema's type error");
    }

    #[test]
    fn op_names_follow_wandb_rules() {
        assert_eq!(op(json!({"name": "my model"})), ["invalid-artifact-name"]);
        assert_eq!(op(json!({"name": ""})), ["invalid-artifact-name"]);
        assert!(op(json!({"name": "red|blue"})).is_empty(), "'|' becomes '-' when writing");
        let long = "a".repeat(127);
        assert!(op(json!({ "name": long })).is_empty());
        assert_eq!(
            codes(Kind::ArtifactOutput, &json!({ "name": long }), &options(Context::Op, true, false)),
            ["invalid-artifact-name"]
        );
    }

    #[test]
    fn artifact_object_outputs() {
        assert_eq!(artifact(json!({"type": "model"})), ["type-with-artifact-object"]);
        assert_eq!(artifact(json!({"description": "d"})), ["description-with-artifact-object"]);
        assert_eq!(artifact(json!({"serialization_module": {"name": "dill"}})), ["serialization-with-artifact-object"]);
        assert!(artifact(json!({"serialization_module": {}})).is_empty());
        let ignored = json!({"serialization_module": {"name": "joblib", "parameters": {"bogus": 1}}});
        assert_eq!(artifact(ignored), ["serialization-with-artifact-object"], "ignored parameters are not checked");
    }

    #[test]
    fn types() {
        assert_eq!(default_codes(Kind::ArtifactOutput, &json!({"type": "job"})), ["reserved-artifact-type"]);
        assert_eq!(default_codes(Kind::ArtifactOutput, &json!({"type": "a/b"})), ["invalid-artifact-type"]);
    }

    #[test]
    fn aliases() {
        let check = |aliases: serde_json::Value| default_codes(Kind::ArtifactOutput, &json!({ "aliases": aliases }));
        assert_eq!(check(json!(["a/b"])), ["invalid-alias"]);
        assert_eq!(check(json!(["a:b"])), ["invalid-alias"]);
        assert_eq!(check(json!([""])), ["invalid-alias"]);
        assert_eq!(check(json!(["x", "y", "x"])), ["duplicate-alias"]);
        assert_eq!(check(json!(["latest"])), ["reserved-alias"]);
        assert_eq!(check(json!(["dagster-run-1234abcd"])), ["reserved-alias"]);
        assert!(check(json!(["best", 3, "v-final"])).is_empty());
    }

    #[test]
    fn partitions_on_write_are_unused() {
        assert_eq!(
            default_codes(Kind::ArtifactOutput, &json!({"partitions": {"*": {"get": "x"}}})),
            ["partitions-on-write"]
        );
    }

    #[test]
    fn local_paths_must_not_be_empty() {
        assert_eq!(default_codes(Kind::ArtifactOutput, &json!({"add_files": [{"local_path": ""}]})), ["empty-path"]);
        assert_eq!(default_codes(Kind::ArtifactOutput, &json!({"add_dirs": [{"local_path": ""}]})), ["empty-path"]);
        assert!(default_codes(Kind::ArtifactOutput, &json!({"add_dirs": [{"local_path": "."}]})).is_empty());
    }

    #[test]
    fn reference_uris() {
        let check =
            |entry: serde_json::Value| default_codes(Kind::ArtifactOutput, &json!({ "add_references": [entry] }));
        for bad in [
            "",
            "   ",
            "s3://",
            "s3:/bucket/key",
            "https:///path",
            "file://",
            "ftp://host/file",
            "/mnt/data/file.csv",
            "C:\\data\\x",
        ] {
            assert_eq!(check(json!({ "uri": bad })), ["invalid-reference-uri"], "{bad}");
        }
        assert_eq!(check(json!({"uri": "/mnt/nfs/data", "name": "data"})), ["untracked-reference"]);
        assert_eq!(check(json!({"uri": "ftp://host/file", "name": "f"})), ["untracked-reference"]);
        for good in ["HTTPS://Example.com/x", "wandb-artifact://abc123/path", "file:///tmp/x", "s3://bucket"] {
            assert!(check(json!({ "uri": good })).is_empty(), "{good}");
        }
    }
}
