//! Infers a document's kind from its top-level keys when the caller did not name one.

use serde_json::Value;

use super::InputError;
use super::kind::Kind;
use super::schema_stage::schema;

/// Keys that only a whole Dagster run config has at its top level.
const RUN_CONFIG_KEYS: [&str; 5] = ["resources", "ops", "execution", "loggers", "inputs"];

/// The one kind whose schema knows every top-level key of `value`, or `ambiguous-kind`.
pub fn kind_of(value: &Value) -> Result<Kind, InputError> {
    let Some(object) = value.as_object() else {
        return Err(InputError::whole(
            "ambiguous-kind",
            "the document is not a mapping, so its kind cannot be inferred; pass --kind",
        ));
    };
    if object.keys().any(|key| RUN_CONFIG_KEYS.contains(&key.as_str())) {
        return Ok(Kind::RunConfig);
    }
    let candidates: Vec<Kind> = Kind::ALL
        .into_iter()
        .filter(|kind| *kind != Kind::RunConfig)
        .filter(|kind| {
            let properties = schema(*kind).and_then(|s| s.get("properties")).and_then(Value::as_object);
            properties.is_some_and(|known| !object.is_empty() && object.keys().all(|key| known.contains_key(key)))
        })
        .collect();
    match candidates.as_slice() {
        [only] => Ok(*only),
        [] => Err(InputError::whole(
            "ambiguous-kind",
            "no configuration kind knows all of the document's top-level keys; pass --kind",
        )),
        several => {
            let names: Vec<&str> = several.iter().map(|k| k.name()).collect();
            Err(InputError::whole(
                "ambiguous-kind",
                format!("the document could be any of: {}; pass --kind", names.join(", ")),
            ))
        }
    }
}
