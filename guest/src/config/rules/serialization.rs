//! `serialization_module.parameters` of an artifact output. The integration splats them into the module's
//! `dump(obj, file, **parameters)` with `protocol` defaulting to 5 (reference §5.1), so a keyword the function does
//! not take, or a value it refuses, fails the write with the generic IO-manager error.
//!
//! Keyword arguments per module (only those expressible in configuration; `buffer_callback` is a callable):
//! - `pickle.dump(obj, file, protocol=None, *, fix_imports=True, buffer_callback=None)`
//! - `dill.dump(obj, file, protocol=None, byref=None, fmode=None, recurse=None, **kwds)`: `dill.Pickler` pops
//!   `byref`/`fmode`/`recurse` and hands the rest to `pickle.Pickler`, so `fix_imports` works and `ignore` (an
//!   `Unpickler` option) raises `TypeError`.
//! - `cloudpickle.dump(obj, file, protocol=None, buffer_callback=None)`
//! - `joblib.dump(value, filename, compress=0, protocol=None, cache_size=None)`; `cache_size` has no effect since
//!   joblib 0.10 and only triggers a `DeprecationWarning`.

use serde_json::Value;

use super::super::diagnostic::Findings;
use super::super::suggest::closest;
use super::{Object, at, flagged};

/// Compression methods joblib registers (`joblib.compressor._COMPRESSORS`).
const JOBLIB_METHODS: [&str; 6] = ["zlib", "gzip", "bz2", "lzma", "xz", "lz4"];
/// Highest pickle protocol of the supported Pythons (3.10–3.14).
const HIGHEST_PROTOCOL: i64 = 5;

/// The configurable keyword arguments of `module`'s dump function, or `None` for an unsupported module name.
fn keywords(module: &str) -> Option<&'static [&'static str]> {
    match module {
        "pickle" => Some(&["protocol", "fix_imports"]),
        "dill" => Some(&["protocol", "byref", "fmode", "recurse", "fix_imports"]),
        "cloudpickle" => Some(&["protocol"]),
        "joblib" => Some(&["compress", "protocol", "cache_size"]),
        _ => None,
    }
}

/// Checks the `serialization_module` block found at `pointer`.
pub(super) fn check(module: &Object, pointer: &str, findings: &mut Findings) {
    let name = match module.get("name") {
        None | Some(Value::Null) => "pickle",
        Some(Value::String(name)) => name.as_str(),
        // A non-string name is a type error for the schema stage.
        Some(_) => return,
    };
    // An unsupported name is W3, reported by the schema's enum; its parameters cannot be judged.
    let Some(allowed) = keywords(name) else {
        return;
    };
    let Some(parameters) = module.get("parameters").and_then(Value::as_object) else {
        return;
    };
    let parameters_pointer = at(pointer, "parameters");
    for (key, value) in parameters {
        let member = at(&parameters_pointer, key);
        if flagged(findings, &member) {
            continue;
        }
        if !allowed.contains(&key.as_str()) {
            unknown_parameter(name, key, allowed, &member, findings);
            continue;
        }
        match key.as_str() {
            "protocol" => check_protocol(value, &member, findings),
            "compress" => check_compress(value, &member, findings),
            "cache_size" if !value.is_null() => {
                findings
                    .warning("deprecated-serialization-parameter", member, "joblib ignores 'cache_size' (deprecated since joblib 0.10) and only emits a DeprecationWarning")
                    .on_key()
                    .hint("remove 'cache_size'");
            }
            _ => {}
        }
    }
}

fn unknown_parameter(module: &str, key: &str, allowed: &[&str], pointer: &str, findings: &mut Findings) {
    let hint = match (module, key) {
        (_, "buffer_callback") => {
            "'buffer_callback' takes a Python callable, which a configuration cannot hold".to_owned()
        }
        ("dill", "ignore") => {
            "'ignore' is a dill.load option; the integration only passes parameters to dill.dump".to_owned()
        }
        (_, "compress") => "only joblib compresses; use 'name: joblib' to write a compressed artifact".to_owned(),
        _ => match closest(key, allowed.iter().copied()) {
            Some(suggestion) => format!("did you mean '{suggestion}'?"),
            None => format!("{module}.dump accepts: {}", allowed.join(", ")),
        },
    };
    findings
        .error(
            "unknown-serialization-parameter",
            pointer,
            format!("{module}.dump does not take a '{key}' parameter, so serializing the output would fail"),
        )
        .on_key()
        .hint(hint);
}

/// `protocol`: an integer up to 5 (a negative one selects the highest protocol), or null for the default.
fn check_protocol(value: &Value, pointer: &str, findings: &mut Findings) {
    let valid = match value {
        Value::Null => true,
        Value::Number(number) => number.as_i64().is_some_and(|protocol| protocol <= HIGHEST_PROTOCOL),
        _ => false,
    };
    if !valid {
        findings
            .error(
                "invalid-protocol",
                pointer,
                format!("the pickle protocol must be an integer from 0 to {HIGHEST_PROTOCOL}"),
            )
            .hint("omit 'protocol' to use protocol 5, the integration's default");
    }
}

/// `compress` (joblib): a level 0–9, a boolean, a method name, or a `[method, level]` pair.
fn check_compress(value: &Value, pointer: &str, findings: &mut Findings) {
    let problem = match value {
        Value::Null | Value::Bool(_) => None,
        Value::Number(_) => {
            (!is_level(value)).then(|| "the joblib compression level must be an integer from 0 to 9".to_owned())
        }
        Value::String(method) => method_problem(method),
        Value::Array(pair) => match pair.as_slice() {
            [Value::String(method), level] => method_problem(method).or_else(|| {
                (!level.is_null() && !is_level(level))
                    .then(|| "the joblib compression level must be an integer from 0 to 9".to_owned())
            }),
            _ => Some("a joblib compression pair must be [method, level], e.g. [zlib, 3]".to_owned()),
        },
        Value::Object(_) => {
            Some("joblib 'compress' must be a level, a boolean, a method name or a [method, level] pair".to_owned())
        }
    };
    if let Some(message) = problem {
        findings
            .error("invalid-compress", pointer, message)
            .hint(format!("use 0–9, true, one of {} or a pair such as [zlib, 3]", JOBLIB_METHODS.join(", ")));
    }
}

fn is_level(value: &Value) -> bool {
    value.as_u64().is_some_and(|level| level <= 9)
}

fn method_problem(method: &str) -> Option<String> {
    if JOBLIB_METHODS.contains(&method) { None } else { Some(format!("'{method}' is not a joblib compression method")) }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::super::super::kind::Kind;
    use super::super::harness::default_codes;

    fn codes(module: serde_json::Value) -> Vec<&'static str> {
        default_codes(Kind::ArtifactOutput, &json!({ "serialization_module": module }))
    }

    #[test]
    fn known_parameters_pass() {
        assert!(codes(json!({"name": "pickle", "parameters": {"protocol": 4, "fix_imports": false}})).is_empty());
        assert!(codes(json!({"parameters": {"protocol": -1}})).is_empty());
        assert!(
            codes(json!({"name": "dill", "parameters": {"protocol": 5, "byref": true, "fmode": 1, "recurse": true}}))
                .is_empty()
        );
        assert!(codes(json!({"name": "cloudpickle", "parameters": {"protocol": null}})).is_empty());
        assert!(codes(json!({"name": "joblib", "parameters": {"compress": 3, "protocol": 4}})).is_empty());
        for compress in
            [json!(true), json!(false), json!(0), json!(9), json!("lzma"), json!(["gzip", 5]), json!(["zlib", null])]
        {
            assert!(codes(json!({"name": "joblib", "parameters": {"compress": compress}})).is_empty(), "{compress}");
        }
    }

    #[test]
    fn unknown_parameters_fail_per_module() {
        let unknown = ["unknown-serialization-parameter"];
        assert_eq!(codes(json!({"parameters": {"protocl": 4}})), unknown);
        assert_eq!(codes(json!({"name": "pickle", "parameters": {"compress": 3}})), unknown);
        assert_eq!(codes(json!({"name": "dill", "parameters": {"ignore": true}})), unknown);
        assert_eq!(codes(json!({"name": "cloudpickle", "parameters": {"fix_imports": true}})), unknown);
        assert_eq!(codes(json!({"name": "joblib", "parameters": {"byref": true}})), unknown);
    }

    #[test]
    fn protocol_values() {
        for bad in [json!(6), json!("5"), json!(4.5), json!(true), json!([5])] {
            assert_eq!(codes(json!({"parameters": {"protocol": bad}})), ["invalid-protocol"], "{bad}");
        }
    }

    #[test]
    fn compress_values() {
        for bad in [
            json!(10),
            json!(-1),
            json!(2.5),
            json!("zip"),
            json!(["zlib", 12]),
            json!(["zlib"]),
            json!(["brotli", 3]),
            json!({"m": 1}),
        ] {
            assert_eq!(
                codes(json!({"name": "joblib", "parameters": {"compress": bad}})),
                ["invalid-compress"],
                "{bad}"
            );
        }
    }

    #[test]
    fn joblib_cache_size_is_deprecated() {
        assert_eq!(
            codes(json!({"name": "joblib", "parameters": {"cache_size": 100}})),
            ["deprecated-serialization-parameter"]
        );
    }

    #[test]
    fn unsupported_or_mistyped_modules_are_left_to_the_schema() {
        assert!(codes(json!({"name": "marshal", "parameters": {"anything": 1}})).is_empty());
        assert!(codes(json!({"name": 3, "parameters": {"anything": 1}})).is_empty());
        assert!(codes(json!({"name": "pickle", "parameters": "protocol=4"})).is_empty());
    }
}
