"""Group E of pickle-threats.md §2.2: callables that denylists have missed, one file each, by family.

Each file is `module.qualname(*inert_args)` (STACK_GLOBAL under protocol 4, or GLOBAL under protocol 2), plus a
few composites where the danger is in the combination (a resolver feeding a call). For the decoder these names are
only labels: the file must be refused because the global is not recognized, whatever the denylist says.
"""

from __future__ import annotations

import marshal

from .asm import Asm
from .hostile import HostileCase, os_system_pickle

__all__ = ["denylist_gap_cases", "FAMILIES"]

# Code and function constructors (dill, cloudpickle, marshal, types, compile) are refused as `code-object`, every
# other callable as `unsafe`: both are refusals, and which label applies is the engine's classification.
REFUSED = ["unsafe", "code-object"]

_INERT_CODE = marshal.dumps(compile("None", "<wandguard-corpus>", "eval"))
_NESTED = os_system_pickle(4)

# family -> [(module, qualname, args)]
FAMILIES: dict[str, list[tuple[str, str, tuple]]] = {
    "code-execution": [
        ("builtins", "eval", ("None",)),
        ("builtins", "exec", ("pass",)),
        ("builtins", "compile", ("None", "<corpus>", "eval")),
        ("builtins", "__import__", ("os",)),
        ("builtins", "getattr", ("os", "system")),
        ("runpy", "_run_code", ("pass", {})),
        ("runpy", "run_path", ("/dev/null",)),
        ("code", "InteractiveInterpreter.runcode", (None, "pass")),
        ("timeit", "timeit", ("pass", "pass", None, 1)),
        ("cProfile", "run", ("pass",)),
        ("profile", "runctx", ("pass", {}, {})),
        ("trace", "Trace.run", (None, "pass")),
        ("pdb", "run", ("pass",)),
        ("bdb", "Bdb.run", (None, "pass")),
        ("doctest", "debug_script", ("pass",)),
        ("numpy.testing._private.utils", "runstring", ("None", {})),
        ("numpy.f2py.crackfortran", "getlincoef", ("1", {})),
        ("lib2to3.pgen2.grammar", "Grammar.loads", (None, b"")),
        ("idlelib.pyshell", "ModifiedInterpreter.runcode", (None, "pass")),
        ("ensurepip", "_run_pip", (["--version"],)),
        ("pip", "main", (["--version"],)),
        ("venv", "create", ("/dev/null/wandguard-corpus",)),
        ("torch._inductor.codecache", "compile_file", ("/dev/null", "/dev/null", ["true"])),
        ("torch.utils.collect_env", "run", ("true",)),
        ("torch.jit.unsupported_tensor_ops", "execWrapper", ("pass",)),
        ("torch._dynamo.guards", "GuardBuilder.get", (None, "None")),
        ("mlflow.projects.backend.local", "_run_entry_point", ("true", "/dev/null", "0", {})),
        ("_xxsubinterpreters", "run_string", (0, "pass")),
    ],
    "processes": [
        ("os", "system", ("true",)),
        ("os", "popen", ("true",)),
        ("os", "execv", ("/bin/true", ["true"])),
        ("os", "spawnlp", (0, "true", "true")),
        ("subprocess", "Popen", (["true"],)),
        ("subprocess", "run", (["true"],)),
        ("subprocess", "check_output", (["true"],)),
        ("subprocess", "getoutput", ("true",)),
        ("_posixsubprocess", "fork_exec", (["true"], [b"/bin/true"], True, (), None, None, -1, -1, -1, -1, -1, -1,
                                           -1, -1, False, False, -1, None, None, None, -1, None, False)),
        ("pty", "spawn", ("true",)),
        ("multiprocessing.util", "spawnv_passfds", ("/bin/true", ["true"], ())),
        ("uuid", "_get_command_stdout", ("true",)),
        ("_osx_support", "_read_output", ("true",)),
        ("_aix_support", "_read_cmd_output", ("true",)),
        ("imaplib", "IMAP4_stream", ("true",)),
        ("_pyrepl.pager", "pipe_pager", ("", "true")),
        ("pydoc", "pipepager", ("", "true")),
        ("webbrowser", "get", ("true",)),
        ("test.support.script_helper", "assert_python_ok", ("-c", "pass")),
    ],
    "resolvers": [
        ("importlib", "import_module", ("os",)),
        ("pkgutil", "resolve_name", ("os:getpid",)),
        ("pydoc", "locate", ("os.getpid",)),
        ("operator", "attrgetter", ("system",)),
        ("operator", "itemgetter", ("eval",)),
        ("operator", "methodcaller", ("system", "true")),
        ("functools", "partial", ("true",)),
        ("functools", "reduce", ([1], [])),
        ("copyreg", "_reconstructor", (None, None, None)),
        ("pickle", "_getattribute", (None, "system")),
    ],
    "code-objects": [
        ("types", "CodeType", (0,)),
        ("types", "FunctionType", (None, {})),
        ("marshal", "loads", (_INERT_CODE,)),
        ("cloudpickle.cloudpickle", "_make_function", (None, {}, "f", None, None)),
        ("cloudpickle.cloudpickle", "_builtin_type", ("CodeType",)),
        ("cloudpickle.cloudpickle", "subimport", ("os",)),
        ("dill._dill", "_create_code", (0, 0, 0, 0, 0, 0, b"", (), (), (), "f", "f", "f", 1, b"", b"", (), ())),
        ("dill._dill", "_create_function", (None, {}, "f", None, None)),
        ("dill._dill", "_load_type", ("CodeType",)),
    ],
    "nested-deserialization": [
        ("pickle", "loads", (_NESTED,)),
        ("_pickle", "loads", (_NESTED,)),
        ("torch", "load", ("/dev/null",)),
        ("torch.serialization", "load", ("/dev/null",)),
        ("torch.storage", "_load_from_bytes", (b"",)),
        ("torch.utils._config_module", "ConfigModule.load_config", (None, _NESTED)),
        ("torch.utils.data.datapipes.utils.decoder", "basichandlers", ("pickle", _NESTED)),
        ("numpy", "load", ("/dev/null",)),
        ("pandas", "read_pickle", ("/dev/null",)),
        ("joblib", "load", ("/dev/null",)),
        ("dill", "loads", (_NESTED,)),
    ],
    "files-and-network": [
        ("builtins", "open", ("/dev/null",)),
        ("_io", "FileIO", ("/dev/null",)),
        ("shutil", "copyfile", ("/dev/null", "/dev/null")),
        ("distutils.file_util", "write_file", ("/dev/null", [])),
        ("logging", "FileHandler", ("/dev/null",)),
        ("linecache", "getline", ("/dev/null", 1)),
        ("ssl", "get_server_certificate", (("127.0.0.1", 9),)),
        ("socket", "create_connection", (("127.0.0.1", 9),)),
        ("urllib.request", "urlopen", ("http://127.0.0.1:9/",)),
        ("requests", "get", ("http://127.0.0.1:9/",)),
        ("aiohttp", "request", ("GET", "http://127.0.0.1:9/")),
        ("http.client", "HTTPConnection", ("127.0.0.1", 9)),
        ("smtplib", "SMTP", ("127.0.0.1", 9)),
        ("ctypes", "CDLL", (None,)),
    ],
}


def _composites() -> list[HostileCase]:
    marshal_function = (
        Asm().proto(4).stack_global("types", "FunctionType").call("marshal", "loads", _INERT_CODE)
        .op(b"}").tuple_(2).reduce().op(b")").reduce().stop().build()
    )
    methodcaller = (
        Asm().proto(4).call("operator", "methodcaller", "system", "true").call("importlib", "import_module", "os")
        .tuple_(1).reduce().stop().build()
    )
    resolve_call = Asm().proto(4).call("pkgutil", "resolve_name", "os:system").value(("true",)).reduce().stop().build()
    locate_call = Asm().proto(4).call("pydoc", "locate", "os.system").value(("true",)).reduce().stop().build()
    partial = (
        Asm().proto(4).stack_global("functools", "partial").stack_global("os", "system").unicode("true").tuple_(2)
        .reduce().op(b")").reduce().stop().build()
    )
    getattr_import = (
        Asm().proto(2).global_("builtins", "getattr").global_("builtins", "__import__").value(("os",)).reduce()
        .unicode("system").tuple_(2).reduce().value(("true",)).reduce().stop().build()
    )
    return [
        HostileCase("marshal_loads_function_type", "E", marshal_function, "unsafe", "unsafe",
                    "code-objects: types.FunctionType(marshal.loads(code), {})()", expect_any=REFUSED,
                    globals=[("types", "FunctionType"), ("marshal", "loads")], protocol=4),
        HostileCase("methodcaller_import_module", "E", methodcaller, "unsafe", "unsafe",
                    "resolvers: methodcaller('system','true')(importlib.import_module('os'))",
                    globals=[("operator", "methodcaller"), ("importlib", "import_module")], protocol=4),
        HostileCase("resolve_name_os_system_call", "E", resolve_call, "unsafe", "unsafe",
                    "resolvers: pkgutil.resolve_name('os:system')('true') (GHSA-vvpj-8cmc-gx39)",
                    globals=[("pkgutil", "resolve_name")], protocol=4),
        HostileCase("pydoc_locate_call", "E", locate_call, "unsafe", "unsafe",
                    "resolvers: pydoc.locate('os.system')('true')", globals=[("pydoc", "locate")], protocol=4),
        HostileCase("functools_partial_os_system", "E", partial, "unsafe", "unsafe",
                    "resolvers: functools.partial(os.system, 'true')()",
                    globals=[("functools", "partial"), ("os", "system")], protocol=4),
        HostileCase("getattr_dunder_import", "E", getattr_import, "unsafe", "unsafe",
                    "code-execution: getattr(__import__('os'), 'system')('true')",
                    globals=[("builtins", "getattr"), ("builtins", "__import__")], protocol=2),
    ]


def denylist_gap_cases() -> list[HostileCase]:
    """One file per listed callable (group E), plus the composites."""
    cases = []
    for family, entries in FAMILIES.items():
        for index, (module, qualname, args) in enumerate(entries):
            protocol = 2 if index % 4 == 3 and "." not in qualname else 4
            asm = Asm().proto(protocol).call(module, qualname, *args, stack=protocol >= 4)
            slug = f"{module}.{qualname}".replace(".", "_")
            cases.append(HostileCase(f"{family}_{slug}", "E", asm.stop().build(), "unsafe", "unsafe",
                                     f"{family}: {module}.{qualname}", scan_any=["unsafe", "unknown-globals"],
                                     expect_any=REFUSED,
                                     globals=[(module, qualname)], protocol=protocol))
    return cases + _composites()
