//! Semantic rules: what the JSON Schemas cannot say because it depends on context (asset vs op,
//! partitions, an Artifact output) or on W&B's own naming rules. Each rule has a stable code.

use serde_json::Value;

use super::diagnostic::Findings;
use super::kind::{Kind, Options};

/// Applies the rules of `kind` to the configuration block `value` found at `pointer`.
pub fn check(kind: Kind, value: &Value, pointer: &str, options: &Options, findings: &mut Findings) {
    let _ = (kind, value, pointer, options, findings);
}
