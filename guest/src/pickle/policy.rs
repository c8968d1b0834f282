//! Policies: how much of a payload's vocabulary is accepted. None of them executes anything; they only
//! decide whether a decoded graph is handed back or refused.

/// Which globals and calls a decode accepts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Policy {
    /// Plain builtin data only: the opcodes' own values plus the builtin containers and scalars that
    /// older protocols spell as calls (set, frozenset, bytearray, bytes via `_codecs.encode`, complex).
    Strict,
    /// Plain data plus everything a recognizer turns into a typed value (the default).
    #[default]
    Data,
    /// Never fails on a global or call: returns the symbolic tree plus findings (used by `scan`).
    Inspect,
}

impl Policy {
    /// Stable string form: "strict", "data", "inspect".
    pub fn as_str(self) -> &'static str {
        match self {
            Policy::Strict => "strict",
            Policy::Data => "data",
            Policy::Inspect => "inspect",
        }
    }

    /// Parses the string form.
    pub fn parse(text: &str) -> Option<Policy> {
        match text {
            "strict" => Some(Policy::Strict),
            "data" => Some(Policy::Data),
            "inspect" => Some(Policy::Inspect),
            _ => None,
        }
    }
}

/// Constructors that build code objects, functions or classes by value (dill, cloudpickle, stdlib):
/// `(module, qualname, what it builds)`.
const CODE_CONSTRUCTORS: &[(&str, &str, &str)] = &[
    ("dill._dill", "_create_code", "a code object (dill)"),
    ("dill._dill", "_create_function", "a function (dill)"),
    ("dill._dill", "_create_type", "a class by value (dill)"),
    ("dill._dill", "_load_type", "a type lookup (dill)"),
    ("dill._dill", "_create_cell", "a closure cell (dill)"),
    ("dill._dill", "_create_lock", "a lock (dill)"),
    ("dill._dill", "_import_module", "a module import (dill)"),
    ("dill._dill", "_get_attr", "an attribute lookup (dill)"),
    ("dill._dill", "_create_namedtuple", "a class by value (dill)"),
    ("dill._dill", "_setattr", "an attribute assignment (dill)"),
    ("cloudpickle.cloudpickle", "_make_function", "a function (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_builtin_type", "a builtin type lookup (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_make_skeleton_class", "a class by value (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_make_skeleton_enum", "an enum class by value (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_class_setstate", "a class body (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_function_setstate", "a function body (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_make_empty_cell", "a closure cell (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_make_cell", "a closure cell (cloudpickle)"),
    ("cloudpickle.cloudpickle", "subimport", "a module import (cloudpickle)"),
    ("cloudpickle.cloudpickle", "dynamic_subimport", "a dynamic module (cloudpickle)"),
    ("cloudpickle.cloudpickle", "_make_code", "a code object (cloudpickle)"),
    ("types", "CodeType", "a code object"),
    ("types", "FunctionType", "a function"),
    ("types", "LambdaType", "a function"),
    ("types", "MethodType", "a bound method"),
    ("types", "ModuleType", "a module"),
    ("marshal", "loads", "code from marshalled bytes"),
    ("builtins", "compile", "a code object"),
];

/// What a code-object constructor builds, if `(module, qualname)` is one. cloudpickle's private module
/// is matched under both its current (`cloudpickle.cloudpickle`) and older (`cloudpickle.cloudpickle_fast`)
/// names, and dill's under `dill._dill` and `dill.dill`.
pub(crate) fn code_constructor(module: &str, qualname: &str) -> Option<&'static str> {
    let module = match module {
        "cloudpickle.cloudpickle_fast" | "cloudpickle" => "cloudpickle.cloudpickle",
        "dill.dill" | "dill" => "dill._dill",
        other => other,
    };
    CODE_CONSTRUCTORS.iter().find(|(m, q, _)| *m == module && *q == qualname).map(|(_, _, what)| *what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_names_round_trip() {
        for p in [Policy::Strict, Policy::Data, Policy::Inspect] {
            assert_eq!(Policy::parse(p.as_str()), Some(p));
        }
        assert_eq!(Policy::default(), Policy::Data);
    }

    #[test]
    fn code_constructors_found_under_aliases() {
        assert!(code_constructor("dill._dill", "_create_code").is_some());
        assert!(code_constructor("cloudpickle.cloudpickle_fast", "_make_function").is_some());
        assert!(code_constructor("types", "CodeType").is_some());
        assert!(code_constructor("collections", "OrderedDict").is_none());
    }
}
