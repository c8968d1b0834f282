"""The hostile corpus, groups A–D and F of pickle-threats.md §2.2 (group E is in `denylist_gaps`, group G in
`bombs`). Every stream is hand-assembled bytes; none is ever loaded. Payloads are inert even if someone did load
them: `os.system('true')`, `builtins.print`, `eval('None')`, `/dev/null` paths, port 9 on loopback.
"""

from __future__ import annotations

import pickle
import struct
from dataclasses import dataclass, field

from .asm import Asm, u64

__all__ = ["HostileCase", "hostile_cases", "os_system_pickle"]

UNSAFE_OR_MALFORMED = ["unsafe", "malformed"]
NOT_CLEAN_PARTIAL = ["unsafe", "malformed", "incomplete"]


@dataclass
class HostileCase:
    """One hostile file: its bytes, the §2.2 group, and the expected decode code and scan verdict."""

    id: str
    group: str
    data: bytes
    expect: str
    scan: str
    note: str
    expect_any: list[str] = field(default_factory=list)
    scan_any: list[str] = field(default_factory=list)
    globals: list[tuple[str, str]] = field(default_factory=list)
    protocol: int | None = None
    producer: str = "pickle"
    python: str = "pickle"
    compress: str | None = None
    suffix: str = ".pkl"
    category: str = "hostile"


def os_system_pickle(protocol: int = 4, command: str = "true") -> bytes:
    """`os.system(command)` as a complete pickle (STACK_GLOBAL for protocol >= 4, GLOBAL below)."""
    asm = Asm()
    if protocol >= 2:
        asm.proto(protocol)
    if protocol >= 4:
        asm.call("os", "system", command)
    elif protocol >= 1:
        asm.global_("os", "system").value((command,)).reduce()
    else:
        asm.global_("os", "system").mark().string0(command.encode()).op(pickle.TUPLE).reduce()
    return asm.stop().build()


def _call(protocol: int, module: str, name: str, *args: object) -> Asm:
    asm = Asm().proto(protocol)
    return asm.call(module, name, *args, stack=protocol >= 4)


OS_SYSTEM = [("os", "system")]


# ------------------------------------------------------------------------------------------ A: stream differentials


def _frame_straddle_hidden() -> bytes:
    """BINBYTES whose 10-byte argument starts 2 bytes before the frame end. pickletools reads it straight on and
    then sees only bytes objects; a reader that drops the frame tail and takes the argument from after the frame
    lands on a hidden `os.system('true')`. Strict framing rejects the stream."""
    hidden = Asm().call("os", "system", "true").build()
    argument_len = 10
    frame_body = pickle.BINBYTES + struct.pack("<I", argument_len) + b"ab"
    after = b"A" * (argument_len - 2) + pickle.SHORT_BINBYTES + bytes([len(hidden)]) + hidden + pickle.TUPLE2 + pickle.STOP
    return Asm().proto(4).frame(len(frame_body)).raw(frame_body).raw(after).build()


def _frame_straddle_linear() -> bytes:
    """The frame ends in the middle of SHORT_BINUNICODE 'system'; read straight on, the call is visible."""
    body = Asm().call("os", "system", "true").stop().build()
    cut = body.index(b"system") + 3
    return Asm().proto(4).frame(cut).raw(body).build()


def _frame_inside_frame() -> bytes:
    inner = Asm().call("os", "system", "true").stop().build()
    outer_body = Asm().none().pop().frame(len(inner)).build()
    return Asm().proto(4).frame(len(outer_body) + 4).raw(outer_body).raw(inner).build()


def _truncation_source() -> bytes:
    return pickle.dumps({"a": [1, 2.5, "x", b"y"], "b": (None, True, 2**70), "c": {1, 2}}, protocol=4)


def _stream_cases() -> list[HostileCase]:
    from .views import linear_ops

    benign = pickle.dumps({"a": 1, "b": [2, 3]}, protocol=4)
    cases = [
        HostileCase("frame_straddle_hidden_call", "A1", _frame_straddle_hidden(), "malformed", "malformed",
                    "BINBYTES argument crosses the FRAME end; pickletools sees only bytes, a frame-dropping reader "
                    "runs os.system (gh-154848)", scan_any=NOT_CLEAN_PARTIAL, globals=OS_SYSTEM, protocol=4),
        HostileCase("frame_straddle_visible_call", "A1", _frame_straddle_linear(), "malformed", "malformed",
                    "FRAME ends inside the SHORT_BINUNICODE 'system' argument", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=NOT_CLEAN_PARTIAL, globals=OS_SYSTEM, protocol=4),
        HostileCase("frame_inside_frame", "A1", _frame_inside_frame(), "malformed", "malformed",
                    "a FRAME opened while the current frame still has bytes", scan_any=NOT_CLEAN_PARTIAL,
                    globals=OS_SYSTEM, protocol=4),
        HostileCase("garbage_after_stop", "A2", benign + b"\xde\xad\xbe\xef garbage", "trailing-data", "malformed",
                    "a benign pickle followed by bytes that are no pickle", scan_any=["malformed", "incomplete"],
                    protocol=4),
        HostileCase("payload_then_garbage", "A2",
                    Asm().proto(4).call("os", "system", "true").raw(b"\xff\xfe garbage, no STOP").build(),
                    "unsafe", "unsafe", "os.system runs in CPython before the parse error (nullifAI)",
                    expect_any=UNSAFE_OR_MALFORMED, scan_any=NOT_CLEAN_PARTIAL, globals=OS_SYSTEM, protocol=4),
        HostileCase("payload_missing_stop", "A2", Asm().proto(4).call("os", "system", "true").build(), "unsafe",
                    "unsafe", "os.system call and then end of data, no STOP", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=NOT_CLEAN_PARTIAL, globals=OS_SYSTEM, protocol=4),
        HostileCase("truncated_mid_argument", "A2", _truncation_source()[:-9], "malformed", "incomplete",
                    "benign protocol-4 pickle cut inside an argument", scan_any=["incomplete", "malformed"],
                    protocol=4),
        HostileCase("second_pickle_after_stop", "A3", benign + os_system_pickle(2), "trailing-data", "unsafe",
                    "a benign pickle, then a second one calling os.system (scan must decode every pickle)",
                    expect_any=["trailing-data", "unsafe"], scan_any=["unsafe"], globals=OS_SYSTEM, protocol=4),
        HostileCase("legacy_torch_stack", "A3", _legacy_torch_stack(), "trailing-data", "unsafe",
                    "legacy torch layout: magic number, protocol, sys_info pickles, then an os.system pickle",
                    expect_any=["trailing-data", "unsafe"], scan_any=["unsafe"], globals=OS_SYSTEM, protocol=2),
    ]
    source = _truncation_source()
    ops, _ = linear_ops(source)
    for pos, name, _ in ops:
        if pos == 0:
            continue  # the empty prefix is the `empty_input` bomb
        cases.append(HostileCase(f"truncated_at_{pos:03d}", "A2", source[:pos], "malformed", "incomplete",
                                 f"benign protocol-4 pickle cut before its {name} at byte {pos}",
                                 scan_any=["incomplete", "malformed"], protocol=4))
    return cases


def _legacy_torch_stack() -> bytes:
    magic = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    version = pickle.dumps(1001, protocol=2)
    sys_info = pickle.dumps({"protocol_version": 1001, "little_endian": True, "type_sizes": {"int": 4}}, protocol=2)
    return magic + version + sys_info + os_system_pickle(2)


def _quirk_cases() -> list[HostileCase]:
    proto0_escaped = (
        Asm().string0(rb"o\x73").string0(rb"sys\x74em").op(pickle.STACK_GLOBAL)
        .mark().string0(rb"tr\x75e").op(pickle.TUPLE).reduce().stop().build()
    )
    proto0_quirks = (
        Asm().mark().op(pickle.INT, b"01\n").op(pickle.INT, b"00\n").op(pickle.LONG, b"12L\n")
        .global_("os", "system").mark().string0(rb"tr\x75e").op(pickle.TUPLE).reduce()
        .op(pickle.TUPLE).stop().build()
    )
    binstring_operands = (
        Asm().proto(1).op(pickle.SHORT_BINSTRING, b"\x02os").op(pickle.BINSTRING, struct.pack("<i", 6) + b"system")
        .op(pickle.STACK_GLOBAL).op(pickle.SHORT_BINSTRING, b"\x04true").tuple_(1).reduce().stop().build()
    )
    bad_utf8 = Asm().proto(2).call("os", "system", "true", stack=False).op(pickle.GLOBAL, b"\xff\xfe\nx\n").stop().build()
    return [
        HostileCase("proto0_string_escapes_stack_global", "A4", proto0_escaped, "unsafe", "unsafe",
                    "protocol-0 STRING operands with \\x escapes ('o\\x73' = 'os') feed STACK_GLOBAL",
                    globals=OS_SYSTEM, protocol=0),
        HostileCase("proto0_int_bool_long_quirks", "A4", proto0_quirks, "unsafe", "unsafe",
                    "INT 01/00 booleans, LONG with trailing L, escaped STRING argument to os.system",
                    globals=OS_SYSTEM, protocol=0),
        HostileCase("proto1_binstring_operands", "A4", binstring_operands, "unsafe", "unsafe",
                    "SHORT_BINSTRING/BINSTRING operands (decoded as ASCII str) for STACK_GLOBAL", globals=OS_SYSTEM,
                    protocol=1),
        HostileCase("global_invalid_utf8", "A4", bad_utf8, "unsafe", "unsafe",
                    "os.system call, then a GLOBAL line that is not UTF-8", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=NOT_CLEAN_PARTIAL, globals=OS_SYSTEM, protocol=2),
        HostileCase("duplicate_proto_downgrade", "A5",
                    Asm().proto(4).proto(2).global_("__builtin__", "eval").value(("None",)).reduce().stop().build(),
                    "unsafe", "unsafe", "PROTO 4 then PROTO 2: fix_imports applies, __builtin__.eval is builtins.eval",
                    globals=[("builtins", "eval")], protocol=4),
        HostileCase("proto_misplaced", "A5",
                    Asm().proto(2).none().pop().proto(5).call("os", "system", "true").stop().build(), "unsafe",
                    "unsafe", "a second PROTO in the middle of the stream", globals=OS_SYSTEM, protocol=2),
    ]


def _fix_imports_cases() -> list[HostileCase]:
    def p2(module: str, name: str, *args: object) -> bytes:
        return _call(2, module, name, *args).stop().build()

    reconstructor = (
        Asm().proto(2).global_("copy_reg", "_reconstructor").global_("subprocess", "Popen")
        .global_("__builtin__", "object").none().tuple_(3).reduce().value({"args": ["true"]}).build_op().stop().build()
    )
    proto0_eval = Asm().global_("__builtin__", "eval").mark().string0(b"None").op(pickle.TUPLE).reduce().stop().build()
    return [
        HostileCase("fix_imports_builtin_eval_p2", "A6", p2("__builtin__", "eval", "None"), "unsafe", "unsafe",
                    "__builtin__.eval maps to builtins.eval for protocol < 3", globals=[("builtins", "eval")],
                    protocol=2),
        HostileCase("fix_imports_builtin_eval_p0", "A6", proto0_eval, "unsafe", "unsafe",
                    "protocol-0 __builtin__.eval", globals=[("builtins", "eval")], protocol=0),
        HostileCase("fix_imports_copy_reg_reconstructor", "A6", reconstructor, "unsafe", "unsafe",
                    "copy_reg._reconstructor(subprocess.Popen, object, None) + BUILD: an allowlisted reconstructor "
                    "with a dangerous class", globals=[("copyreg", "_reconstructor"), ("subprocess", "Popen"),
                                                      ("builtins", "object")], protocol=2),
        HostileCase("fix_imports_commands_getoutput", "A6", p2("commands", "getoutput", "true"), "unsafe", "unsafe",
                    "_compat_pickle maps commands to subprocess: subprocess.getoutput",
                    globals=[("subprocess", "getoutput")], protocol=2),
        HostileCase("fix_imports_cpickle_loads", "A6", p2("cPickle", "loads", os_system_pickle(2)), "unsafe", "unsafe",
                    "cPickle.loads is pickle.loads (nested pickle)", globals=[("pickle", "loads")], protocol=2),
        HostileCase("fix_imports_urllib2_urlopen", "A6", p2("urllib2", "urlopen", "http://127.0.0.1:9/"), "unsafe",
                    "unsafe", "urllib2.urlopen is urllib.request.urlopen", globals=[("urllib.request", "urlopen")],
                    protocol=2),
        HostileCase("fix_imports_builtin_reduce", "A6", p2("__builtin__", "reduce", ["a", "b"]), "unsafe", "unsafe",
                    "__builtin__.reduce is functools.reduce (NAME_MAPPING)", globals=[("functools", "reduce")],
                    protocol=2),
        HostileCase("no_fix_imports_commands_p4", "A6", _call(4, "commands", "getoutput", "true").stop().build(),
                    "unsafe", "unknown-globals", "protocol 4: no mapping, commands.getoutput stays as written",
                    scan_any=["unknown-globals", "unsafe"], globals=[("commands", "getoutput")], protocol=4),
    ]


# ------------------------------------------------------------------------------------------ B: name resolution


def _name_cases() -> list[HostileCase]:
    attrgetter = (
        Asm().proto(4).call("_operator", "attrgetter", "system").stack_global("pathlib", "os").tuple_(1).reduce()
        .value(("true",)).reduce().stop().build()
    )
    numpy_builtins = (
        Asm().proto(4).stack_global("_operator", "getitem").stack_global("numpy", "__builtins__").unicode("eval")
        .tuple_(2).reduce().value(("None",)).reduce().stop().build()
    )

    def p4(module: str, name: str, *args: object) -> bytes:
        return _call(4, module, name, *args).stop().build()

    return [
        HostileCase("alias_posix_system", "B1", p4("posix", "system", "true"), "unsafe", "unsafe",
                    "posix is os on Linux", globals=[("posix", "system")], protocol=4),
        HostileCase("alias_nt_system", "B1", p4("nt", "system", "true"), "unsafe", "unsafe",
                    "nt is os on Windows", globals=[("nt", "system")], protocol=4),
        HostileCase("alias_operator_attrgetter", "B1", attrgetter, "unsafe", "unsafe",
                    "_operator.attrgetter('system') applied to pathlib.os", globals=[("_operator", "attrgetter"),
                                                                              ("pathlib", "os")], protocol=4),
        HostileCase("alias_io_fileio", "B1", p4("_io", "FileIO", "/dev/null", "w"), "unsafe", "unsafe",
                    "_io.FileIO is open() without the builtins name", globals=[("_io", "FileIO")], protocol=4),
        HostileCase("alias_pickle_loads", "B1", p4("_pickle", "loads", os_system_pickle(4)), "unsafe", "unsafe",
                    "_pickle.loads of a nested os.system pickle", globals=[("_pickle", "loads")], protocol=4),
        HostileCase("submodule_asyncio_unix_events", "B2",
                    p4("asyncio.unix_events", "_UnixSubprocessTransport._start", "true", True, None, None, None, 0),
                    "unsafe", "unsafe", "submodule of a denylisted package (CVE-2025-10157)",
                    globals=[("asyncio.unix_events", "_UnixSubprocessTransport._start")], protocol=4),
        HostileCase("dotted_pathlib_os_system", "B3", p4("pathlib", "os.system", "true"), "unsafe", "unsafe",
                    "STACK_GLOBAL ('pathlib', 'os.system') resolves through pathlib's import of os",
                    globals=[("pathlib", "os.system")], protocol=4),
        HostileCase("dotted_code_runcode", "B3", p4("code", "InteractiveInterpreter.runcode", None, "None"), "unsafe",
                    "unsafe", "dotted qualname into a class method", globals=[("code", "InteractiveInterpreter.runcode")],
                    protocol=4),
        HostileCase("dotted_ordereddict_init", "B3", p4("collections", "OrderedDict.__init__", {}), "unsafe",
                    "unknown-globals", "a dotted name under an allowlisted class is not that class",
                    scan_any=["unknown-globals", "unsafe"], globals=[("collections", "OrderedDict.__init__")],
                    protocol=4),
        HostileCase("dotted_global_opcode_p4", "B3",
                    Asm().proto(4).global_("pathlib", "os.system").value(("true",)).reduce().stop().build(), "unsafe",
                    "unsafe", "GLOBAL (not STACK_GLOBAL) with a dotted name under protocol 4",
                    globals=[("pathlib", "os.system")], protocol=4),
        HostileCase("module_attribute_numpy_builtins", "B4", numpy_builtins, "unsafe", "unsafe",
                    "numpy.__builtins__['eval'] through _operator.getitem",
                    globals=[("_operator", "getitem"), ("numpy", "__builtins__")], protocol=4),
    ]


# ------------------------------------------------------------------------------------------ C: stack and memo


def _memo_cases() -> list[HostileCase]:
    memoize_after_pop = (
        Asm().proto(4).unicode("os").unicode("decoy").pop().memoize().pop()
        .unicode("system").memoize().pop().binget(0).binget(1).op(pickle.STACK_GLOBAL)
        .value(("true",)).reduce().stop().build()
    )
    mixed = (
        Asm().proto(4).unicode("collections").binput(0).pop().unicode("os").binput(5).pop()
        .unicode("system").memoize().pop().unicode("OrderedDict").memoize().pop()
        .binget(5).binget(2).op(pickle.STACK_GLOBAL).value(("true",)).reduce().stop().build()
    )
    unset_get = Asm().proto(2).call("os", "system", "true", stack=False).binget(7).stop().build()
    huge_key = (
        Asm().proto(4).unicode("os").binput(0xFFFFFFF0).pop().unicode("system").binput(0xFFFFFFF1).pop()
        .binget(0xFFFFFFF0).binget(0xFFFFFFF1).op(pickle.STACK_GLOBAL).value(("true",)).reduce().stop().build()
    )
    computed = (
        Asm().proto(4).call("builtins", "str.join", "", ["o", "s"]).unicode("system").op(pickle.STACK_GLOBAL)
        .value(("true",)).reduce().stop().build()
    )
    build_setattr = (
        Asm().proto(4).stack_global("fractions", "Fraction").none().stack_global("os", "system").memoize()
        .pop().op(pickle.EMPTY_DICT).unicode("limit").binget(4).op(pickle.SETITEM).tuple_(2).build_op().pop()
        .stack_global("fractions", "Fraction.limit").value(("true",)).reduce().stop().build()
    )
    dup_call = (
        Asm().proto(4).stack_global("os", "system").dup().value(("true",)).reduce().pop().value(("true",)).reduce()
        .stop().build()
    )
    dup_mark = Asm().proto(4).stack_global("os", "system").mark().dup().stop().build()
    cases = [
        HostileCase("memoize_after_pop", "C1", memoize_after_pop, "unsafe", "unsafe",
                    "MEMOIZE right after POP memoizes the item below: memo 0 = 'os', memo 1 = 'system'",
                    globals=OS_SYSTEM, protocol=4),
        HostileCase("mixed_put_memoize", "C2", mixed, "unsafe", "unsafe",
                    "BINPUT 0, BINPUT 5, then MEMOIZE numbers by memo size (2, 3): GET 5 + GET 2 = os.system",
                    globals=OS_SYSTEM, protocol=4),
        HostileCase("binget_unset_key", "C3", unset_get, "unsafe", "unsafe",
                    "os.system call, then BINGET of a key never PUT (KeyError in CPython after the call)",
                    expect_any=UNSAFE_OR_MALFORMED, scan_any=NOT_CLEAN_PARTIAL, globals=OS_SYSTEM, protocol=2),
        HostileCase("long_binput_huge_keys", "C4", huge_key, "unsafe", "unsafe",
                    "memo keys near 2^32 hold the STACK_GLOBAL operands", expect_any=["unsafe", "resource-limit"],
                    scan_any=["unsafe", "incomplete"], globals=OS_SYSTEM, protocol=4),
        HostileCase("stack_global_computed_operand", "C6", computed, "unsafe", "unsafe",
                    "the module name comes from builtins.str.join('', ['o','s']): an unresolvable global",
                    scan_any=["unsafe", "unknown-globals"], globals=[("builtins", "str.join")], protocol=4),
        HostileCase("build_setattr_on_class", "C7", build_setattr, "unsafe", "unsafe",
                    "BUILD (None, {'limit': os.system}) on the class fractions.Fraction, then "
                    "STACK_GLOBAL fractions Fraction.limit", globals=[("fractions", "Fraction"), ("os", "system"),
                                                                      ("fractions", "Fraction.limit")], protocol=4),
        HostileCase("dup_callable", "C8", dup_call, "unsafe", "unsafe", "DUP of os.system, called twice",
                    globals=OS_SYSTEM, protocol=4),
        HostileCase("dup_after_mark", "C8", dup_mark, "malformed", "malformed",
                    "DUP right after MARK (stack underflow in CPython)", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=NOT_CLEAN_PARTIAL, globals=OS_SYSTEM, protocol=4),
    ]
    operands = {
        "bytes": Asm().bytes_(b"os").bytes_(b"system"),
        "int": Asm().int_(1).int_(2),
        "tuple": Asm().value(("os",)).value(("system",)),
        "bytearray": Asm().op(pickle.BYTEARRAY8, u64(2) + b"os").op(pickle.BYTEARRAY8, u64(6) + b"system"),
    }
    for kind, pushed in operands.items():
        data = (
            Asm().proto(5).raw(pushed.build()).op(pickle.STACK_GLOBAL).value(("true",)).reduce().stop().build()
        )
        cases.append(HostileCase(f"stack_global_{kind}_operands", "C5", data, "malformed", "malformed",
                                 f"STACK_GLOBAL with {kind} operands (CPython: 'STACK_GLOBAL requires str')",
                                 expect_any=UNSAFE_OR_MALFORMED, scan_any=NOT_CLEAN_PARTIAL + ["unknown-globals"],
                                 protocol=5))
    return cases


# ------------------------------------------------------------------------------------------ D: call-capable opcodes


def _call_opcode_cases() -> list[HostileCase]:
    inst = Asm().mark().string0(b"true").inst("os", "system").stop().build()
    obj_pop = Asm().mark().global_("os", "system").string0(b"true").obj().pop().none().stop().build()
    newobj = (
        Asm().proto(2).global_("subprocess", "Popen").value((["true"],)).newobj().value({"returncode": 0})
        .build_op().stop().build()
    )
    newobj_ex = (
        Asm().proto(4).stack_global("subprocess", "Popen").value((["true"],)).value({"shell": False}).newobj_ex()
        .stop().build()
    )
    setitem_environ = (
        Asm().proto(4).stack_global("os", "environ").unicode("WANDGUARD_CORPUS_MARKER").unicode("true")
        .op(pickle.SETITEM).stop().build()
    )
    appends_object = (
        Asm().proto(2).global_("collections", "UserList").op(pickle.EMPTY_TUPLE).newobj().mark().int_(1).int_(2)
        .op(pickle.APPENDS).stop().build()
    )
    append_function = Asm().proto(4).stack_global("builtins", "print").unicode("x").op(pickle.APPEND).stop().build()
    additems_list = Asm().proto(4).op(pickle.EMPTY_LIST).mark().int_(1).op(pickle.ADDITEMS).stop().build()
    setitems_set = (
        Asm().proto(2).global_("__builtin__", "set").value(([1],)).reduce().mark().int_(1).int_(2)
        .op(pickle.SETITEMS).stop().build()
    )
    ext = {
        "ext1": pickle.EXT1 + b"\x01",
        "ext2": pickle.EXT2 + struct.pack("<H", 0x1234),
        "ext4": pickle.EXT4 + struct.pack("<i", 0x12345678),
    }
    cases = [
        HostileCase("inst_call", "D", inst, "unsafe", "unsafe", "INST os system with MARK args (picklescan #13)",
                    globals=OS_SYSTEM, protocol=0),
        HostileCase("obj_call_then_pop", "D", obj_pop, "unsafe", "unsafe",
                    "OBJ os.system('true') whose result is POPped: the call must not vanish",
                    globals=OS_SYSTEM, protocol=0),
        HostileCase("newobj_popen_build", "D", newobj, "unsafe", "unsafe", "NEWOBJ subprocess.Popen + BUILD",
                    globals=[("subprocess", "Popen")], protocol=2),
        HostileCase("newobj_ex_popen", "D", newobj_ex, "unsafe", "unsafe", "NEWOBJ_EX subprocess.Popen with kwargs",
                    globals=[("subprocess", "Popen")], protocol=4),
        HostileCase("setitem_on_os_environ", "D", setitem_environ, "unsafe", "unsafe",
                    "SETITEM on os.environ sets an environment variable", globals=[("os", "environ")], protocol=4),
        HostileCase("appends_on_object", "D", appends_object, "unsafe", "unknown-globals",
                    "APPENDS on a non-list object calls its extend/append", scan_any=["unknown-globals", "unsafe"],
                    globals=[("collections", "UserList")], protocol=2),
        HostileCase("append_on_function", "D", append_function, "unsafe", "unsafe",
                    "APPEND on builtins.print (a global, not a list)", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=["unsafe", "unknown-globals", "malformed"], globals=[("builtins", "print")], protocol=4),
        HostileCase("additems_on_list", "D", additems_list, "malformed", "malformed",
                    "ADDITEMS on a list (CPython: list has no add)", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=["malformed", "unsafe", "incomplete"], protocol=4),
        HostileCase("setitems_on_set", "D", setitems_set, "malformed", "malformed",
                    "SETITEMS on a set (CPython: no __setitem__)", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=["malformed", "unsafe", "incomplete"], protocol=2),
        HostileCase("persid_text", "D", Asm().op(pickle.PERSID, b"os.system\n").stop().build(), "unsafe", "unsafe",
                    "PERSID: a loader-defined reference, unresolvable without a container adapter",
                    expect_any=UNSAFE_OR_MALFORMED, scan_any=["unsafe", "unknown-globals", "malformed"], protocol=0),
        HostileCase("binpersid_storage", "D",
                    Asm().proto(2).value(("storage", "FloatStorage", "0", "cpu", 4)).op(pickle.BINPERSID).stop().build(),
                    "unsafe", "unsafe", "BINPERSID outside any container", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=["unsafe", "unknown-globals", "malformed"], protocol=2),
        HostileCase("next_buffer_without_buffers", "D", Asm().proto(5).op(pickle.NEXT_BUFFER).stop().build(),
                    "malformed", "malformed", "NEXT_BUFFER with no out-of-band buffers supplied",
                    expect_any=UNSAFE_OR_MALFORMED, scan_any=["malformed", "unsafe", "incomplete"], protocol=5),
        HostileCase("readonly_buffer_without_buffers", "D",
                    Asm().proto(5).op(pickle.NEXT_BUFFER).op(pickle.READONLY_BUFFER).stop().build(), "malformed",
                    "malformed", "NEXT_BUFFER + READONLY_BUFFER with no buffers", expect_any=UNSAFE_OR_MALFORMED,
                    scan_any=["malformed", "unsafe", "incomplete"], protocol=5),
        HostileCase("unknown_class_object", "D",
                    Asm().proto(4).stack_global("wandguard_corpus_unknown", "Thing").op(pickle.EMPTY_TUPLE).newobj()
                    .value({"x": 1}).build_op().stop().build(), "unsafe", "unknown-globals",
                    "a class no list knows: never clean, but not labelled dangerous either",
                    globals=[("wandguard_corpus_unknown", "Thing")], protocol=4),
    ]
    for name, opcode in ext.items():
        data = Asm().proto(2).raw(b"").op(opcode[:1], opcode[1:]).value(("true",)).reduce().stop().build()
        cases.append(HostileCase(f"{name}_reduce", "D", data, "unsafe", "unsafe",
                                 f"{name.upper()} extension code (empty registry) called with REDUCE",
                                 expect_any=UNSAFE_OR_MALFORMED, scan_any=["unsafe", "unknown-globals", "malformed"],
                                 protocol=2))
    return cases


def hostile_cases() -> list[HostileCase]:
    """Groups A–D (stream, names, memo/stack, call opcodes)."""
    return _stream_cases() + _quirk_cases() + _fix_imports_cases() + _name_cases() + _memo_cases() + _call_opcode_cases()
