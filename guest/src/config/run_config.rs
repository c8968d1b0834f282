//! A whole Dagster run config: each resource and op block whose key is bound to a kind (the defaults, plus
//! the caller's `--resource KEY=KIND` / `--op NAME=KIND`) is validated as that kind. Resource and op keys are
//! user-chosen in Dagster, so unrelated resources and ops are left alone.

use serde_json::Value;

use super::document::pointer_push;
use super::kind::{Kind, Options};
use super::{Findings, check_kind};

/// Resource keys the integration's documentation uses, and their kinds.
pub const DEFAULT_RESOURCES: [(&str, Kind); 4] = [
    ("io_manager", Kind::IoManager),
    ("wandb_artifacts_manager", Kind::IoManager),
    ("wandb_resource", Kind::WandbResource),
    ("wandb_config", Kind::WandbConfig),
];

/// Op names of the integration's launch ops, and their kinds.
pub const DEFAULT_OPS: [(&str, Kind); 2] =
    [("run_launch_agent", Kind::LaunchAgent), ("run_launch_job", Kind::LaunchJob)];

/// Validates the bound blocks of a run config.
pub fn check(value: &Value, options: &Options, findings: &mut Findings) {
    let Some(root) = value.as_object() else {
        findings.error("wrong-type", "", "a Dagster run config must be a mapping (resources:, ops:, ...)");
        return;
    };
    for section in ["execution", "loggers"] {
        if root.get(section).is_some_and(|value| !value.is_object()) {
            findings.error("wrong-type", pointer_push("", section), format!("'{section}' must be a mapping"));
        }
    }
    if let Some(resources) = root.get("resources") {
        let bindings = bindings(&DEFAULT_RESOURCES, &options.resources);
        check_section(resources, "/resources", &bindings, options, findings);
    }
    if let Some(ops) = root.get("ops") {
        let bindings = bindings(&DEFAULT_OPS, &options.ops);
        check_ops(ops, "/ops", &bindings, options, findings);
    }
}

fn bindings(defaults: &[(&str, Kind)], extra: &[(String, Kind)]) -> Vec<(String, Kind)> {
    let mut all: Vec<(String, Kind)> = extra.to_vec();
    for (key, kind) in defaults {
        if !all.iter().any(|(k, _)| k == key) {
            all.push(((*key).to_owned(), *kind));
        }
    }
    all
}

fn kind_for(bindings: &[(String, Kind)], key: &str) -> Option<Kind> {
    bindings.iter().find(|(k, _)| k == key).map(|(_, kind)| *kind)
}

/// `resources:` — `KEY: {config: {...}}` for every bound key.
fn check_section(
    section: &Value,
    pointer: &str,
    bindings: &[(String, Kind)],
    options: &Options,
    findings: &mut Findings,
) {
    let Some(entries) = section.as_object() else {
        findings.error("wrong-type", pointer, "'resources' must be a mapping of resource keys");
        return;
    };
    for (key, entry) in entries {
        if let Some(kind) = kind_for(bindings, key) {
            check_block(kind, entry, &pointer_push(pointer, key), options, findings);
        }
    }
}

/// `ops:` — like resources, but a graph's ops nest under their own `ops:` key.
fn check_ops(section: &Value, pointer: &str, bindings: &[(String, Kind)], options: &Options, findings: &mut Findings) {
    let mut pending = vec![(section, pointer.to_owned())];
    while let Some((section, pointer)) = pending.pop() {
        let Some(entries) = section.as_object() else {
            findings.error("wrong-type", pointer, "'ops' must be a mapping of op names");
            continue;
        };
        for (name, entry) in entries {
            let entry_pointer = pointer_push(&pointer, name);
            if let Some(kind) = kind_for(bindings, name) {
                check_block(kind, entry, &entry_pointer, options, findings);
            } else if let Some(nested) = entry.get("ops") {
                pending.push((nested, pointer_push(&entry_pointer, "ops")));
            }
        }
    }
}

/// One bound block: `{config: {...}}`; a block without `config` is fine where every key is optional.
fn check_block(kind: Kind, entry: &Value, pointer: &str, options: &Options, findings: &mut Findings) {
    let Some(block) = entry.as_object() else {
        findings.error(
            "wrong-type",
            pointer,
            format!("this {} block must be a mapping with a 'config' key", kind.name()),
        );
        return;
    };
    match block.get("config") {
        Some(config) => check_kind(kind, config, &pointer_push(pointer, "config"), options, findings),
        None if matches!(kind, Kind::WandbResource | Kind::WandbConfig) => {
            findings
                .error("missing-key", pointer, format!("the {} resource needs a 'config' block", kind.name()))
                .hint("add 'config:' with the required keys");
        }
        None => {}
    }
}
