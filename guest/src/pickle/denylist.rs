//! Labels for globals known to be dangerous (the union of picklescan's, fickling's and modelscan's lists
//! and the bypass research in `pickle-threats.md` §2.2 E). This only *labels*: a global that is neither
//! recognized nor listed here is still refused by `data` and makes `scan` say `unknown-globals`.
//!
//! Matching normalizes C-module aliases (`posix`/`nt` → `os`, `_operator`, `_pickle`, `_io`,
//! `__builtin__`), covers submodules of listed modules, and looks at every segment of a dotted qualname
//! (so `("pathlib", "os.system")` and `("code", "InteractiveInterpreter.runcode")` are labelled). A dunder
//! escape hatch (`__builtins__`, `__globals__`, `__subclasses__`, …) in any segment of the qualname is
//! labelled in every module: `numpy.__builtins__` is the builtins dict, whatever numpy is.

/// Entries: module, name (`"*"` = the whole module and its submodules), label.
const ENTRIES: &[(&str, &str, &str)] = &[
    ("builtins", "eval", "code execution"),
    ("builtins", "exec", "code execution"),
    ("builtins", "execfile", "code execution"),
    ("builtins", "compile", "code execution"),
    ("builtins", "__import__", "module import"),
    ("builtins", "getattr", "attribute resolver"),
    ("builtins", "setattr", "attribute assignment"),
    ("builtins", "delattr", "attribute deletion"),
    ("builtins", "apply", "call gadget"),
    ("builtins", "open", "file access"),
    ("builtins", "input", "interactive input"),
    ("builtins", "breakpoint", "debugger"),
    ("builtins", "globals", "interpreter internals"),
    ("builtins", "locals", "interpreter internals"),
    ("builtins", "vars", "interpreter internals"),
    ("builtins", "memoryview", "raw memory access"),
    ("os", "*", "process / file-system access"),
    ("subprocess", "*", "process execution"),
    ("_posixsubprocess", "*", "process execution"),
    ("pty", "*", "process execution"),
    ("commands", "*", "process execution"),
    ("popen2", "*", "process execution"),
    ("multiprocessing", "*", "process execution"),
    ("asyncio", "*", "process / network access"),
    ("_osx_support", "*", "process execution"),
    ("_aix_support", "*", "process execution"),
    ("uuid", "_get_command_stdout", "process execution"),
    ("imaplib", "IMAP4_stream", "process execution"),
    ("_pyrepl", "*", "process execution"),
    ("pydoc", "*", "process execution / resolver"),
    ("webbrowser", "*", "process execution"),
    ("test", "*", "test helpers that run code"),
    ("runpy", "*", "code execution"),
    ("code", "*", "code execution"),
    ("codeop", "*", "code execution"),
    ("timeit", "*", "code execution"),
    ("cProfile", "*", "code execution"),
    ("profile", "*", "code execution"),
    ("trace", "*", "code execution"),
    ("pdb", "*", "debugger / code execution"),
    ("bdb", "*", "debugger / code execution"),
    ("doctest", "*", "code execution"),
    ("lib2to3", "*", "code execution"),
    ("idlelib", "*", "code execution"),
    ("ensurepip", "*", "package installation"),
    ("pip", "*", "package installation"),
    ("venv", "*", "environment creation"),
    ("importlib", "*", "module import"),
    ("pkgutil", "*", "module import / resolver"),
    ("imp", "*", "module import"),
    ("zipimport", "*", "module import"),
    ("sys", "*", "interpreter internals"),
    ("gc", "*", "interpreter internals"),
    ("ctypes", "*", "native code"),
    ("_ctypes", "*", "native code"),
    ("cffi", "*", "native code"),
    ("_interpreters", "*", "sub-interpreter code execution"),
    ("_xxsubinterpreters", "*", "sub-interpreter code execution"),
    ("signal", "*", "process control"),
    ("operator", "attrgetter", "attribute resolver"),
    ("operator", "itemgetter", "item resolver"),
    ("operator", "methodcaller", "method call gadget"),
    ("functools", "partial", "call gadget"),
    ("functools", "reduce", "call gadget"),
    ("copyreg", "*", "pickle internals"),
    ("pickle", "*", "nested deserialization"),
    ("shelve", "*", "nested deserialization"),
    ("dill", "*", "code objects / nested deserialization"),
    ("cloudpickle", "*", "code objects / nested deserialization"),
    ("joblib", "load", "nested deserialization"),
    ("numpy", "load", "nested deserialization"),
    ("numpy.lib.npyio", "*", "nested deserialization"),
    ("numpy.testing", "*", "code execution"),
    ("numpy.f2py", "*", "code execution"),
    ("numpy.distutils", "*", "code execution"),
    ("pandas", "read_pickle", "nested deserialization"),
    ("pandas.io.pickle", "*", "nested deserialization"),
    ("torch", "load", "nested deserialization"),
    ("torch.serialization", "*", "nested deserialization"),
    ("torch.storage", "_load_from_bytes", "nested deserialization"),
    ("torch._inductor", "*", "code execution"),
    ("torch.utils.collect_env", "*", "process execution"),
    ("torch.utils.bottleneck", "*", "code execution"),
    ("torch.utils._config_module", "*", "nested deserialization"),
    ("torch.utils.data.datapipes", "*", "nested deserialization"),
    ("torch.jit", "*", "code execution"),
    ("torch._dynamo", "*", "code execution"),
    ("torch.fx", "*", "code execution"),
    ("mlflow", "*", "code execution"),
    ("types", "*", "code objects"),
    ("marshal", "*", "code objects"),
    ("io", "FileIO", "file access"),
    ("io", "open", "file access"),
    ("io", "open_code", "file access"),
    ("shutil", "*", "file-system access"),
    ("tempfile", "*", "file-system access"),
    ("distutils", "*", "file-system access / code execution"),
    ("logging", "FileHandler", "file creation"),
    ("logging.handlers", "*", "file / network access"),
    ("linecache", "*", "file access"),
    ("fileinput", "*", "file access"),
    ("glob", "*", "file-system access"),
    ("tarfile", "*", "file-system access"),
    ("zipfile", "*", "file-system access"),
    ("ssl", "*", "network access"),
    ("socket", "*", "network access"),
    ("_socket", "*", "network access"),
    ("urllib", "*", "network access"),
    ("http", "*", "network access"),
    ("ftplib", "*", "network access"),
    ("smtplib", "*", "network access"),
    ("poplib", "*", "network access"),
    ("telnetlib", "*", "network access"),
    ("xmlrpc", "*", "network access"),
    ("requests", "*", "network access"),
    ("aiohttp", "*", "network access"),
    ("httpx", "*", "network access"),
];

/// Names dangerous wherever they appear as a dotted-qualname segment (attribute chains such as
/// `numpy.__builtins__.eval` or `pathlib.os.system`).
const DANGEROUS_SEGMENTS: &[&str] = &[
    "eval",
    "exec",
    "execfile",
    "compile",
    "__import__",
    "__builtins__",
    "system",
    "popen",
    "spawn",
    "fork_exec",
    "getattr",
    "setattr",
    "__reduce__",
    "__reduce_ex__",
    "__getattribute__",
    "__globals__",
    "__code__",
    "__subclasses__",
    "import_module",
    "run",
    "runcode",
    "loads",
    "load",
];

/// Dunder attributes that reach interpreter internals from any object (builtins, globals, code, class
/// hierarchy, attribute machinery, import machinery). Dangerous as any qualname segment, in any module.
const DUNDER_ESCAPES: &[&str] = &[
    "__builtins__",
    "__import__",
    "__globals__",
    "__getattribute__",
    "__subclasses__",
    "__class__",
    "__dict__",
    "__code__",
    "__reduce__",
    "__reduce_ex__",
    "__setattr__",
    "__delattr__",
    "__loader__",
    "__spec__",
];

fn alias(module: &str) -> &str {
    match module {
        "posix" | "nt" => "os",
        "_operator" => "operator",
        "_pickle" => "pickle",
        "_io" => "io",
        "__builtin__" => "builtins",
        "copy_reg" => "copyreg",
        "_functools" => "functools",
        "_codecs" => "codecs",
        "_thread" => "threading",
        other => other,
    }
}

/// `module` and each parent: "a.b.c", "a.b", "a".
fn module_chain(module: &str) -> impl Iterator<Item = &str> {
    let mut current = Some(module);
    std::iter::from_fn(move || {
        let m = current?;
        current = m.rfind('.').map(|i| &m[..i]);
        Some(m)
    })
}

fn lookup(module: &str, qualname: &str) -> Option<&'static str> {
    for m in module_chain(module) {
        let top = alias(m);
        for &(em, name, label) in ENTRIES {
            if em != top {
                continue;
            }
            if name == "*" || name == qualname || qualname.split('.').any(|seg| seg == name) {
                return Some(label);
            }
        }
    }
    None
}

/// The danger label of `(module, qualname)`, if it is known dangerous.
pub(crate) fn label(module: &str, qualname: &str) -> Option<&'static str> {
    if qualname.split('.').any(|seg| DUNDER_ESCAPES.contains(&seg)) {
        return Some("dunder escape hatch to interpreter internals");
    }
    let first = module.split('.').next().unwrap_or(module);
    let normalized: String;
    let module = if alias(first) != first {
        normalized = format!("{}{}", alias(first), &module[first.len()..]);
        normalized.as_str()
    } else {
        module
    };
    if let Some(l) = lookup(module, qualname) {
        return Some(l);
    }
    if qualname.contains('.') {
        let segments: Vec<&str> = qualname.split('.').collect();
        for (i, seg) in segments.iter().enumerate() {
            if DANGEROUS_SEGMENTS.contains(seg) {
                return Some("attribute chain reaching a dangerous name");
            }
            // A leading part of the qualname used as a module path: ("pathlib", "os.system").
            let as_module = segments[..=i].join(".");
            if let Some(l) = lookup(&as_module, segments.get(i + 1).copied().unwrap_or("")) {
                return Some(l);
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::label;

    #[test]
    fn labels_direct_alias_submodule_and_dotted() {
        assert!(label("os", "system").is_some());
        assert!(label("posix", "system").is_some());
        assert!(label("nt", "system").is_some());
        assert!(label("__builtin__", "eval").is_some());
        assert!(label("builtins", "getattr").is_some());
        assert!(label("_operator", "methodcaller").is_some());
        assert!(label("_io", "FileIO").is_some());
        assert!(label("asyncio.unix_events", "_UnixSubprocessTransport._start").is_some());
        assert!(label("pathlib", "os.system").is_some());
        assert!(label("code", "InteractiveInterpreter.runcode").is_some());
        assert!(label("numpy", "__builtins__.eval").is_some());
        assert!(label("uuid", "_get_command_stdout").is_some());
        assert!(label("importlib", "import_module").is_some());
    }

    #[test]
    fn dunder_escape_hatches_are_labelled_in_any_module() {
        for name in [
            "__builtins__",
            "__import__",
            "__globals__",
            "__getattribute__",
            "__subclasses__",
            "__class__",
            "__dict__",
            "__code__",
            "__reduce__",
            "__reduce_ex__",
            "__setattr__",
            "__delattr__",
            "__loader__",
            "__spec__",
        ] {
            for module in ["numpy", "collections", "my_package.sub", "builtins"] {
                assert!(label(module, name).is_some(), "{module}.{name}");
                assert!(label(module, &format!("Thing.{name}")).is_some(), "{module}.Thing.{name}");
                assert!(label(module, &format!("{name}.get")).is_some(), "{module}.{name}.get");
            }
        }
        // Other dunders are not escape hatches by themselves.
        assert!(label("collections", "OrderedDict.__init__").is_none());
        assert!(label("numpy", "__version__").is_none());
    }

    #[test]
    fn benign_names_unlabelled() {
        assert!(label("uuid", "UUID").is_none());
        assert!(label("collections", "OrderedDict").is_none());
        assert!(label("numpy", "ndarray").is_none());
        assert!(label("builtins", "set").is_none());
        assert!(label("datetime", "datetime").is_none());
        assert!(label("sklearn.linear_model._logistic", "LogisticRegression").is_none());
    }
}
