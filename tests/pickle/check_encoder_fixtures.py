#!/usr/bin/env python3
"""Loads the encoder's fixtures with CPython and checks them against their expectations.

The Rust test `pickle::encode::tests_fixtures::writes_cpython_fixtures` writes `*.pickle` / `*.joblib` files
and `manifest.json` into `target/encoder-fixtures/` (or $WANDGUARD_ENCODER_FIXTURES). For every file this
script:
  - loads it with `pickle.loads` (or `joblib.load` for the joblib layout) with warnings as errors, so a
    deprecated global path (e.g. `numpy.core`) fails;
  - builds the expected value by evaluating the manifest's Python expression and compares the two strictly
    (when they differ, the fixture still passes if the loaded value equals CPython's own round trip of the
    expected value, `pickle.loads(pickle.dumps(x, protocol))` or `joblib.load(joblib.dump(x))` — e.g. numpy
    swaps non-native byte orders to native when it unpickles through `__setstate__`; such fixtures are
    listed as "equal to CPython's round trip"):
    same types everywhere (tuple vs list, bool vs int, OrderedDict vs dict, numpy scalar types), floats
    bit-exact (NaN payloads and signs included), dict order, deque maxlen, defaultdict factory, datetime
    fold and tzinfo, numpy dtype (str, descr, fields, flags, alignment), shape, C/F order and bytes;
  - compares `repr()` of both (unless the manifest says the value is too deep for repr);
  - evaluates the identity checks (`v[0] is v[1]`, cycles) on the loaded value;
  - for the pickle layout, checks with pickletools that every opcode belongs to the file's protocol and that
    no opcode crosses a FRAME boundary;
  - for the joblib layout, loads the file again with `mmap_mode='r'`: every memory-mapped array must start
    at a 16-byte aligned file offset and hold the same elements as the normal load.

Usage: python3 tests/pickle/check_encoder_fixtures.py [FIXTURE_DIR]   (needs numpy and joblib)
Exit status 0 when every fixture passes, 1 otherwise.
"""

import collections
import datetime
import decimal
import fractions
import functools
import io
import json
import os
import pickle
import pickletools
import struct
import sys
import uuid
import warnings

import joblib
import numpy as np

NAMESPACE = {
    "collections": collections, "datetime": datetime, "decimal": decimal, "fractions": fractions,
    "functools": functools, "np": np, "struct": struct, "uuid": uuid,
}


def float_bits(x):
    return struct.pack("<d", x)


def dtype_difference(a, b):
    facts = ("str", "descr", "itemsize", "alignment", "flags", "isalignedstruct", "names", "shape", "kind",
             "byteorder", "hasobject", "metadata")
    if a != b:
        return f"dtype {a!r} != {b!r}"
    for fact in facts:
        if getattr(a, fact) != getattr(b, fact):
            return f"dtype {a!r}: {fact} {getattr(a, fact)!r} != {getattr(b, fact)!r}"
    if a.fields != b.fields:
        return f"dtype fields {a.fields!r} != {b.fields!r}"
    if (a.subdtype is None) != (b.subdtype is None):
        return "dtype sub-array mismatch"
    if a.subdtype is not None:
        inner = dtype_difference(a.subdtype[0], b.subdtype[0])
        if inner or a.subdtype[1] != b.subdtype[1]:
            return inner or "sub-array shape mismatch"
    if a.fields:
        for name in a.names:
            inner = dtype_difference(a.fields[name][0], b.fields[name][0])
            if inner:
                return f"field {name}: {inner}"
    return None


def strict_difference(ours, expected):
    """First difference between two values (types included), or None. Iterative and cycle-safe."""
    stack = [(ours, expected, "v")]
    seen = set()
    while stack:
        x, y, path = stack.pop()
        if (id(x), id(y)) in seen:
            continue
        seen.add((id(x), id(y)))
        if type(x) is not type(y):
            return f"{path}: type {type(x).__name__} != {type(y).__name__}"
        t = type(x)
        if t is float:
            if float_bits(x) != float_bits(y):
                return f"{path}: float {x!r} ({float_bits(x).hex()}) != {y!r} ({float_bits(y).hex()})"
        elif t is complex:
            if float_bits(x.real) + float_bits(x.imag) != float_bits(y.real) + float_bits(y.imag):
                return f"{path}: {x!r} != {y!r}"
        elif t in (int, bool, str, bytes, bytearray, type(None)):
            if x != y:
                return f"{path}: {x!r:.80} != {y!r:.80}"
        elif t is range:
            if (x.start, x.stop, x.step) != (y.start, y.stop, y.step):
                return f"{path}: {x!r} != {y!r}"
        elif t in (list, tuple):
            if len(x) != len(y):
                return f"{path}: length {len(x)} != {len(y)}"
            stack.extend((a, b, f"{path}[{i}]") for i, (a, b) in enumerate(zip(x, y)))
        elif t in (dict, collections.OrderedDict, collections.Counter, collections.defaultdict):
            if len(x) != len(y):
                return f"{path}: {len(x)} entries != {len(y)}"
            if t is collections.defaultdict and x.default_factory is not y.default_factory:
                return f"{path}: factory {x.default_factory!r} != {y.default_factory!r}"
            for i, ((kx, vx), (ky, vy)) in enumerate(zip(x.items(), y.items())):
                stack.append((kx, ky, f"{path}.keys[{i}]"))
                stack.append((vx, vy, f"{path}[{kx!r:.40}]"))
        elif t in (set, frozenset):
            if x != y:
                return f"{path}: {x!r:.80} != {y!r:.80}"
            index = {e: e for e in y}
            stack.extend((e, index[e], f"{path}{{{e!r:.40}}}") for e in x)
        elif t is collections.deque:
            if x.maxlen != y.maxlen:
                return f"{path}: maxlen {x.maxlen} != {y.maxlen}"
            stack.append((list(x), list(y), path))
        elif t is slice:
            stack.extend([(x.start, y.start, path + ".start"), (x.stop, y.stop, path + ".stop"),
                          (x.step, y.step, path + ".step")])
        elif t is decimal.Decimal:
            if str(x) != str(y):
                return f"{path}: {x!r} != {y!r}"
        elif t is fractions.Fraction:
            if (x.numerator, x.denominator) != (y.numerator, y.denominator):
                return f"{path}: {x!r} != {y!r}"
        elif t is uuid.UUID:
            if x.int != y.int or x.is_safe != y.is_safe:
                return f"{path}: {x!r} != {y!r}"
        elif t in (datetime.date, datetime.datetime, datetime.time, datetime.timedelta, datetime.timezone):
            if repr(x) != repr(y):
                return f"{path}: {x!r} != {y!r}"
            if t in (datetime.datetime, datetime.time):
                if x.fold != y.fold:
                    return f"{path}: fold {x.fold} != {y.fold}"
                stack.append((x.tzinfo, y.tzinfo, path + ".tzinfo"))
        elif t is np.dtype or isinstance(x, np.dtype):
            diff = dtype_difference(x, y)
            if diff:
                return f"{path}: {diff}"
        elif t is np.ndarray:
            diff = dtype_difference(x.dtype, y.dtype)
            if diff:
                return f"{path}: {diff}"
            if x.shape != y.shape:
                return f"{path}: shape {x.shape} != {y.shape}"
            for flag in ("C_CONTIGUOUS", "F_CONTIGUOUS", "WRITEABLE"):
                if x.flags[flag] != y.flags[flag]:
                    return f"{path}: flag {flag} {x.flags[flag]} != {y.flags[flag]}"
            if x.dtype.hasobject:
                xs, ys = x.reshape(-1, order="C"), y.reshape(-1, order="C")
                for i in range(xs.size):
                    a, b = xs[i], ys[i]
                    if x.dtype.names:  # structured with objects: compare field by field
                        stack.extend((a[n], b[n], f"{path}[{i}].{n}") for n in x.dtype.names)
                    else:
                        stack.append((a, b, f"{path}.flat[{i}]"))
            elif x.tobytes(order="A") != y.tobytes(order="A"):
                return f"{path}: array bytes differ"
        elif isinstance(x, np.generic):
            diff = dtype_difference(x.dtype, y.dtype)
            if diff:
                return f"{path}: {diff}"
            if x.tobytes() != y.tobytes():
                return f"{path}: scalar bytes differ: {x!r} != {y!r}"
        else:
            return f"{path}: no comparison for type {t.__name__}"
    return None


def frame_and_protocol_problems(data, protocol):
    problems = []
    ops = list(pickletools.genops(data))
    ends = [pos for _, _, pos in ops[1:]] + [len(data)]
    frame_end = None
    for (opcode, arg, pos), end in zip(ops, ends):
        if opcode.proto > protocol:
            problems.append(f"opcode {opcode.name} (protocol {opcode.proto}) at {pos}")
        if frame_end is not None and pos < frame_end < end:
            problems.append(f"opcode {opcode.name} at {pos} crosses the frame end {frame_end}")
        if opcode.name == "FRAME":
            if frame_end is not None and pos < frame_end:
                problems.append(f"FRAME at {pos} inside a frame")
            frame_end = end + arg
    return problems


def check(directory, entry):
    path = os.path.join(directory, entry["file"])
    with open(path, "rb") as f:
        data = f.read()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        if entry["layout"] == "joblib":
            ours = joblib.load(path)
        else:
            ours = pickle.loads(data)
    if entry["layout"] == "pickle":
        problems = frame_and_protocol_problems(data, entry["protocol"])
        if problems:
            return "; ".join(problems[:3]), False
    else:
        problem = memmap_problem(path, ours)
        if problem:
            return problem, False
    for condition in entry["checks"]:
        if not eval(condition, dict(NAMESPACE), {"v": ours}):
            return f"check failed: {condition}", False
    expected = eval(entry["expr"], dict(NAMESPACE))
    problem = difference(ours, expected, entry["repr"])
    if problem is None:
        return None, False
    if difference(ours, cpython_round_trip(expected, entry), entry["repr"]) is None:
        return None, True
    return problem, False


def memmap_problem(path, ours):
    """Loads a joblib file with mmap_mode='r' and checks every mapped array's alignment and contents."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapped = joblib.load(path, mmap_mode="r")
    stack = [(mapped, ours)]
    while stack:
        m, o = stack.pop()
        if isinstance(m, np.memmap):
            if m.offset % 16:
                return f"memory-mapped array at unaligned offset {m.offset}"
            if not np.array_equal(np.asarray(m), o, equal_nan=m.dtype.kind in "fc"):
                return "memory-mapped array differs"
        elif isinstance(m, (list, tuple)):
            stack.extend(zip(m, o))
        elif isinstance(m, dict):
            stack.extend(zip(m.values(), o.values()))
    return None


def cpython_round_trip(value, entry):
    if entry["layout"] == "joblib":
        buffer = io.BytesIO()
        joblib.dump(value, buffer, protocol=entry["protocol"])
        buffer.seek(0)
        return joblib.load(buffer)
    return pickle.loads(pickle.dumps(value, entry["protocol"]))


def difference(ours, expected, compare_repr):
    diff = strict_difference(ours, expected)
    if diff:
        return diff
    if compare_repr and repr(ours) != repr(expected):
        return f"repr {repr(ours)[:120]} != {repr(expected)[:120]}"
    return None


def main():
    default = os.environ.get("WANDGUARD_ENCODER_FIXTURES") or os.path.join(
        os.environ.get("CARGO_TARGET_DIR", "target"), "encoder-fixtures")
    directory = sys.argv[1] if len(sys.argv) > 1 else default
    with open(os.path.join(directory, "manifest.json")) as f:
        manifest = json.load(f)
    failed = 0
    via_round_trip = []
    for entry in manifest:
        try:
            problem, round_trip = check(directory, entry)
        except Exception as e:  # a load error is a failure of that fixture, not of the run
            problem, round_trip = f"{type(e).__name__}: {e}", False
        if problem:
            failed += 1
            print(f"FAIL {entry['file']}: {problem}")
        elif round_trip:
            via_round_trip.append(entry["file"])
    if via_round_trip:
        print(f"equal to CPython's round trip (not to the source value): {' '.join(via_round_trip)}")
    print(f"{len(manifest) - failed} passed, {failed} failed")
    return 1 if failed or not manifest else 0


if __name__ == "__main__":
    sys.exit(main())
