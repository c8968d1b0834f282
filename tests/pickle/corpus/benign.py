"""Writers for the benign corpus: every value × protocols 0–5 through CPython's pickle, numpy arrays with the
numpy 1.x module paths, joblib dumps (plain and with every compressor), dill and cloudpickle dumps of data,
and hand-assembled streams exercising CPython's protocol 0/1 quirks that stay benign.
"""

from __future__ import annotations

import io
import pickle
import pickletools
import types

from differential import is_json_plain

from .arrays import joblib_payloads, numpy_values
from .asm import Asm, u64
from .compress import COMPRESSORS
from .manifest import Entry, ManifestWriter
from .values import BenignValue, benign_values

__all__ = ["write_benign", "HANDMADE", "Numpy1Pickler"]


def _entry(id_: str, group: str, note: str, *, producer: str, protocol: int | None, python: str,
           json_equal: bool, compress: str | None = None, category: str = "benign", expect: str = "decode",
           scan: str = "clean", expect_any: list[str] | None = None, scan_any: list[str] | None = None) -> Entry:
    return Entry(file="", producer=producer, protocol=protocol, compress=compress, category=category, expect=expect,
                 scan=scan, json_equal=json_equal, python=python, id=id_, group=group, note=note,
                 expect_any=expect_any or [expect], scan_any=scan_any or [scan])


class Numpy1Pickler(pickle._Pickler):
    """The pure-Python pickler, writing numpy 2's `numpy._core.*` globals under their numpy 1.x names
    (`numpy.core.*`), which is what pickles made with numpy 1.x contain (numpy 2 still loads them)."""

    def save_global(self, obj, name=None):
        qualname = name or getattr(obj, "__qualname__", None) or obj.__name__
        module = pickle.whichmodule(obj, qualname)
        if not module.startswith("numpy._core"):
            return super().save_global(obj, name)
        module = "numpy.core" + module[len("numpy._core"):]
        if self.proto >= 4:
            self.save(module)
            self.save(qualname)
            self.write(pickle.STACK_GLOBAL)
        else:
            self.write(pickle.GLOBAL + module.encode("utf-8") + b"\n" + qualname.encode("utf-8") + b"\n")
        self.memoize(obj)
        return None

    # The base class's dispatch table holds its own save_global for Python functions (numpy's `_frombuffer`).
    dispatch = dict(pickle._Pickler.dispatch)
    dispatch[types.FunctionType] = save_global


def _numpy1_dumps(value: object, protocol: int) -> bytes:
    sink = io.BytesIO()
    Numpy1Pickler(sink, protocol=protocol).dump(value)
    return sink.getvalue()


def _write_pickles(writer: ManifestWriter, values: list[BenignValue]) -> None:
    for item in values:
        plain = is_json_plain(item.value)
        for protocol in item.protocols:
            data = pickle.dumps(item.value, protocol=protocol)
            writer.add(f"benign/pickle/p{protocol}/{item.name}.pkl", data,
                       _entry(f"pickle-p{protocol}-{item.name}", item.group, f"pickle.dumps({item.name}, protocol="
                              f"{protocol})", producer="pickle", protocol=protocol, python="pickle", json_equal=plain))


NUMPY1_NAMES = ("nd_le_f8_1d", "nd_f8_3d_f", "nd_be_i4_1d", "nd_f8_0d", "nd_i2_empty_0x3", "nd_object", "nd_structured",
                "nd_datetime64_ns", "nd_unicode_le", "np_float64", "np_int64_m1", "np_datetime64_ns", "dtype_structured")


def _write_numpy1(writer: ManifestWriter, values: list[BenignValue]) -> None:
    for item in values:
        if item.name not in NUMPY1_NAMES:
            continue
        for protocol in (0, 2, 3, 4, 5):
            data = _numpy1_dumps(item.value, protocol)
            writer.add(f"benign/numpy1/p{protocol}/{item.name}.pkl", data,
                       _entry(f"numpy1-p{protocol}-{item.name}", "numpy1", f"{item.name} with numpy 1.x module paths "
                              "(numpy.core.*)", producer="pickle", protocol=protocol, python="pickle", json_equal=False))


def _joblib_dump(value: object, compress, protocol: int | None) -> bytes:
    import joblib

    sink = io.BytesIO()
    joblib.dump(value, sink, compress=compress, protocol=protocol)
    return sink.getvalue()


def _write_joblib(writer: ManifestWriter, seed: int) -> None:
    payloads = dict(joblib_payloads(seed))
    runs: list[tuple[str, object, int | None, str | None]] = []
    for protocol in (2, 3, 4, 5):
        runs.append(("model", 0, protocol, None))
    for method in COMPRESSORS:
        for level in (1, 9):
            runs.append(("model", (method, level), None, f"{method}:{level}"))
    runs += [("big", 0, None, None), ("big", ("zlib", 3), None, "zlib:3"), ("big", ("lz4", 3), None, "lz4:3"),
             ("plain", 0, None, None), ("plain", ("gzip", 3), None, "gzip:3")]
    for name, compress, protocol, label in runs:
        data = _joblib_dump(payloads[name], compress, protocol)
        effective = protocol if protocol is not None else pickle.DEFAULT_PROTOCOL
        suffix = "" if label is None else "." + label.replace(":", "-")
        writer.add(f"benign/joblib/{name}-p{effective}{suffix}.joblib", data,
                   _entry(f"joblib-{name}-p{effective}{suffix}", "joblib",
                          f"joblib.dump({name}, compress={compress!r}, protocol={effective})", producer="joblib",
                          protocol=effective, python="joblib", json_equal=is_json_plain(payloads[name]),
                          compress=label))


_LIBRARY_DATA = ("none", "int_2_1000", "float_nan", "str_astral", "str_lone_high_surrogate", "bytes_all_values",
                 "list_mixed", "dict_nonstr_keys", "set_mixed", "frozenset_mixed", "list_1001", "dict_1001",
                 "shared_list_twice", "recursive_list", "recursive_through_tuple", "decimal_nan", "fraction_third",
                 "uuid_fixed", "datetime_named", "timedelta_min", "ordereddict", "counter", "deque_maxlen",
                 "dagster_like", "bytearray_small", "complex_simple", "range_step", "slice_full", "defaultdict_list",
                 "nd_le_f8_1d", "nd_f8_3d_f", "nd_object", "np_float64", "nd_in_container")


def _library_globals(data: bytes) -> list[str]:
    return sorted({str(arg) for _, arg, _ in pickletools.genops(data)
                   if isinstance(arg, str) and ("dill" in arg or "cloudpickle" in arg)})


def _write_library_data(writer: ManifestWriter, values: list[BenignValue]) -> None:
    """dill/cloudpickle dumps of data. Where the library routes data through its own helpers (dill's
    `_load_type`, `_eval_repr`, `_create_array`), the file joins the `code` category: those helpers are
    code-running gadgets, refused like code."""
    import cloudpickle
    import dill

    by_name = {v.name: v for v in values}
    for name in _LIBRARY_DATA:
        item = by_name[name]
        for producer, module in (("dill", dill), ("cloudpickle", cloudpickle)):
            data = module.dumps(item.value)
            protocol = data[1] if data[:1] == pickle.PROTO else 0
            helpers = _library_globals(data)
            if helpers:
                entry = _entry(f"{producer}-data-{name}", "library-helper",
                               f"{producer}.dumps({name}) routes data through {', '.join(helpers)}", producer=producer,
                               protocol=protocol, python=producer, json_equal=False, category="code",
                               expect="code-object", scan="unsafe", expect_any=["code-object", "unsafe"],
                               scan_any=["unsafe", "unknown-globals"])
                writer.add(f"code/{producer}/data-{name}.pkl", data, entry)
            else:
                entry = _entry(f"{producer}-data-{name}", "library-data", f"{producer}.dumps({name})", producer=producer,
                               protocol=protocol, python=producer, json_equal=is_json_plain(item.value))
                writer.add(f"benign/{producer}/{name}.pkl", data, entry)


# Hand-assembled benign streams: CPython quirks a decoder must reproduce (each loads in CPython, no call of
# anything but datetime.timedelta).
HANDMADE: dict[str, tuple[bytes, str]] = {
    "proto0_int_bool_long": (b"(I01\nI00\nI-5\nL12L\nL-3\nI2147483648\nt.", "INT 01/00 are booleans, LONG with and "
                             "without the trailing L, INT beyond 32 bits"),
    "proto0_float_text": (b"(F1.5\nF-0.0\nFnan\nFinf\nF1e308\nt.", "protocol-0 FLOAT text, nan/inf included"),
    "proto0_string_escapes": (b"(S'a\\nb'\nS\"dq\"\nS'\\x41\\'q'\nt.", "STRING escapes and both quote styles"),
    "proto0_unicode_raw_escape": (b"V\\u20ac\\U0001f600\\u005c\n.", "UNICODE raw-unicode-escape, astral and "
                                  "backslash"),
    "proto1_binstrings": (b"U\x03abcT\x03\x00\x00\x00def\x86.", "SHORT_BINSTRING and BINSTRING decode to str"),
    "obj_class_first": (b"(cdatetime\ntimedelta\nK\x01o.", "OBJ takes the class as the first item after MARK: "
                        "timedelta(1)"),
    "inst_timedelta": (b"(I2\nidatetime\ntimedelta\n.", "INST datetime timedelta: timedelta(2)"),
    "pop_mark": (b"N(I1\nI2\n1.", "POP_MARK drops everything back to the MARK"),
    "pop_on_mark_pops_mark": (b"N(0.", "POP with only a MARK above the stack pops the MARK"),
    "stop_with_leftovers": (b"NI1\n.", "STOP returns the top and ignores what is below"),
    "dup": (b"\x80\x02K\x012\x86.", "DUP: (1, 1)"),
    "text_memo_recursive_list": (b"(lp0\nI1\nag0\na.", "PUT/GET text memo: a list containing itself"),
    "long1_zero_length": (b"\x80\x02\x8a\x00.", "LONG1 of zero bytes is 0"),
    "bytearray8": (b"\x80\x05\x96" + u64(3) + b"abc.", "BYTEARRAY8 in-band"),
    "frames_well_formed": (Asm().proto(4).frame(2).op(b"]").memoize().frame(6).mark().int_(1).int_(2).op(b"e")
                           .stop().build(), "two frames, STOP outside any frame"),
    "frame_empty": (Asm().proto(4).frame(0).none().stop().build(), "a zero-length FRAME"),
    "duplicate_proto_benign": (b"\x80\x04\x80\x02K\x05.", "a second PROTO is accepted by CPython"),
    "memo_binput_reuse": (b"\x80\x02K\x01q\x00K\x02q\x00h\x00\x86.", "BINPUT twice to one slot: the last wins: (2, 2)"),
}


def _write_handmade(writer: ManifestWriter) -> None:
    for name, (data, note) in HANDMADE.items():
        value = pickle.loads(data)  # our own benign bytes: no global but datetime.timedelta
        protocol = data[1] if data[:1] == pickle.PROTO else (1 if name.startswith("proto1") else 0)
        writer.add(f"benign/handmade/{name}.pkl", data,
                   _entry(f"handmade-{name}", "handmade", note, producer="pickle", protocol=protocol, python="pickle",
                          json_equal=is_json_plain(value)))


def write_benign(writer: ManifestWriter, seed: int) -> None:
    """Every benign file, plus the dill/cloudpickle data dumps that use code-running helpers."""
    values = benign_values(seed) + numpy_values(seed)
    _write_pickles(writer, values)
    _write_numpy1(writer, values)
    _write_joblib(writer, seed)
    _write_library_data(writer, values)
    _write_handmade(writer)
