#!/usr/bin/env python3
"""Python package benchmark, everything measured in this run on the same bytes:

- P1 (list of 1e6 floats), P2 (1e5 small dicts), P3 (1e7-float64 ndarray, pickle and joblib) — the payload
  builders of scripts/bench_decode.py — through `wandguard.loads`, compared with `pickle.loads` /
  `joblib.load`, with picklescan's scan + `pickle.loads`, and with a `pickle.Unpickler` whose `find_class`
  allows the same types.
- Where the time of `wandguard.loads` goes: bytes -> base64 text, the component call (wasmtime's string
  conversions + the guest's decode), text -> msgpack bytes, msgpack -> objects.
- Why text: the same decode through `list<u8>` (`codec.decode`, with the package's strided copies) and
  through wasmtime-py's own `Func.__call__`, on a payload small enough for wasmtime-py's list result budget.
- `validate` of a typical output config, µs per call (warm instance).

Usage: python scripts/bench_python.py [--runs 5]   (with wandguard, numpy, joblib and picklescan installed)
"""

from __future__ import annotations

import argparse
import binascii
import io
import json
import pickle
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_decode import best_of, ensure, payloads  # noqa: E402  (the same payload builders)

ALLOWED_GLOBALS = {
    ("numpy.core.multiarray", "_reconstruct"), ("numpy._core.multiarray", "_reconstruct"),
    ("numpy.core.numeric", "_frombuffer"), ("numpy._core.numeric", "_frombuffer"),
    ("numpy", "ndarray"), ("numpy", "dtype"), ("joblib.numpy_pickle", "NumpyArrayWrapper"),
}  # fmt: skip
# The largest P1 whose decoded value still fits a list<u8> result in wasmtime-py (about 2.6 MiB).
LIST_RESULT_FLOATS = 250_000


def allowlist_loads(data: bytes, joblib_file: bool) -> Any:
    """A `find_class` allowlist over the same types wandguard recognizes in these payloads."""
    import joblib.numpy_pickle as numpy_pickle

    base: type = numpy_pickle.NumpyUnpickler if joblib_file else pickle.Unpickler

    class Allowlisted(base):  # type: ignore[misc, valid-type]
        def find_class(self, module: str, name: str) -> Any:
            if (module, name) not in ALLOWED_GLOBALS:
                raise pickle.UnpicklingError(f"{module}.{name} is not allowed")
            return super().find_class(module, name)

    if joblib_file:
        return Allowlisted("<bench>", io.BytesIO(data), ensure_native_byte_order=True).load()
    return Allowlisted(io.BytesIO(data)).load()


def compare(name: str, data: bytes, runs: int, joblib_file: bool) -> str:
    import joblib
    import wandguard
    from picklescan.scanner import scan_pickle_bytes

    reference = (lambda: joblib.load(io.BytesIO(data))) if joblib_file else (lambda: pickle.loads(data))
    try:
        ours = best_of(runs, lambda: wandguard.loads(data))
    except wandguard.ResourceLimitError as error:
        return f"{name:34} {len(data) / 1e6:7.2f}  refused: {error.code} ({str(error)[:70]}...)"
    cpython = best_of(runs, reference)
    scan = best_of(max(1, runs // 2), lambda: (scan_pickle_bytes(io.BytesIO(data), "bench"), reference()))
    allowlist = best_of(runs, lambda: allowlist_loads(data, joblib_file))
    megabytes = len(data) / 1e6
    return (
        f"{name:34} {megabytes:7.2f} {megabytes / ours:8.1f}MB/s {megabytes / cpython:8.1f}MB/s "
        f"{cpython / ours:7.3f}x {scan / ours:12.2f}x {allowlist / ours:11.3f}x"
    )


def pieces(name: str, data: bytes, runs: int) -> str:
    """Times each stage of `loads` separately on the same payload."""
    import wandguard
    from wandguard import _runtime, _values, codec

    runtime = _runtime.runtime()
    options = codec._record(format="auto", policy="data", output="msgpack", allow_trailing=False, limits=None)
    limits = _runtime.CallLimits()
    text = binascii.b2a_base64(data, newline=False).decode("ascii")
    value_text = runtime.call_fresh("codec.decode-base64", (text, options), limits).value["value"]
    document = binascii.a2b_base64(value_text)
    to_text = best_of(runs, lambda: binascii.b2a_base64(data, newline=False).decode("ascii"))
    call = best_of(runs, lambda: runtime.call_fresh("codec.decode-base64", (text, options), limits))
    from_text = best_of(runs, lambda: binascii.a2b_base64(value_text))
    to_objects = best_of(runs, lambda: _values.loads_value(document, False))
    total = best_of(runs, lambda: wandguard.loads(data))
    return (
        f"{name:34} bytes->base64 {to_text * 1e3:5.1f} ms | component call (string conversions + guest decode) "
        f"{call * 1e3:7.1f} ms | base64->msgpack {from_text * 1e3:5.1f} ms | msgpack->objects {to_objects * 1e3:6.1f} ms "
        f"| loads {total * 1e3:7.1f} ms"
    )


def byte_list_transport(runs: int) -> str:
    """The same decode through `list<u8>`: the package's strided copies, and wasmtime-py's `Func.__call__`."""
    from wandguard import _runtime, _wire, codec

    runtime = _runtime.runtime()
    data = pickle.dumps([i * 0.5 for i in range(LIST_RESULT_FLOATS)], protocol=4)
    options = codec._record(format="auto", policy="data", output="msgpack", allow_trailing=False, limits=None)
    interface = runtime.component.get_export_index(_runtime._INTERFACES["codec"])
    index = runtime.component.get_export_index("decode", interface)
    assert index is not None

    def through_list(generic: bool) -> None:
        instance = runtime._instantiate(_runtime.CallLimits())
        func = instance.instance.get_func(instance.store, index)
        assert func is not None
        if generic:
            func(instance.store, data, options)
        else:
            _wire.GuestFunction("codec.decode", func.type(instance.store)).call(instance.store, func, (data, options))
        instance.close()

    text = binascii.b2a_base64(data, newline=False).decode("ascii")
    as_text = best_of(runs, lambda: runtime.call_fresh("codec.decode-base64", (text, options), _runtime.CallLimits()))
    strided = best_of(runs, lambda: through_list(False))
    generic = best_of(1, lambda: through_list(True))
    megabytes = len(data) / 1e6
    return (
        f"decode of a P1 of {LIST_RESULT_FLOATS:.1e} floats ({megabytes:.1f} MB): as base64 strings {as_text * 1e3:.0f} ms "
        f"({megabytes / as_text:.0f} MB/s); as list<u8> with strided copies {strided * 1e3:.0f} ms "
        f"({megabytes / strided:.1f} MB/s); as list<u8> through wasmtime-py's Func.__call__ {generic * 1e3:.0f} ms "
        f"({megabytes / generic:.2f} MB/s)"
    )


def validate_latency(calls: int) -> str:
    import wandguard

    config = json.loads((HERE.parent / "examples/artifact-output--asset-with-aliases.json").read_text())
    wandguard.validate(config, kind="artifact-output")
    samples = []
    for _ in range(calls):
        start = time.perf_counter()
        wandguard.validate(config, kind="artifact-output")
        samples.append(time.perf_counter() - start)
    samples.sort()
    p50, p99 = samples[len(samples) // 2], samples[int(len(samples) * 0.99)]
    first = _first_call_ms()
    return (
        f"validate (examples/artifact-output--asset-with-aliases.json as a dict, warm instance): p50 "
        f"{p50 * 1e6:.1f} µs, p99 {p99 * 1e6:.1f} µs, mean {statistics.fmean(samples) * 1e6:.1f} µs over {calls} "
        f"calls; a fresh instance's first call: {first:.1f} ms"
    )


def _first_call_ms() -> float:
    from wandguard import _runtime, config

    runtime = _runtime.runtime()
    start = time.perf_counter()
    instance = runtime._instantiate(_runtime.CallLimits())
    instance.call("config.validate", (b'{"name": "x"}', _validate_options(config)))
    return (time.perf_counter() - start) * 1e3


def _validate_options(config: Any) -> Any:
    from wasmtime.component import Record

    options = Record()
    for key, value in {"kind": "artifact-output", "context": "op", "partitioned": False, "artifact-object": False,
                       "syntax": "json", "resources": [], "ops": [], "max-diagnostics": config.MAX_DIAGNOSTICS}.items():  # fmt: skip
        setattr(options, key, value)
    return options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for package in ("numpy", "joblib", "picklescan"):
        ensure(package)
    import wandguard

    start = time.perf_counter()
    wandguard.loads(pickle.dumps(None))
    print(f"first call (engine + component from the cache, or compiled): {(time.perf_counter() - start) * 1e3:.0f} ms")
    header = (f"{'payload':34} {'MB':>7} {'wandguard':>10} {'CPython':>10} {'ratio':>7} {'vs scan+loads':>13} "
              f"{'vs allowlist':>12}")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        files = payloads(Path(scratch))
        print("\n== loads vs pickle.loads / joblib.load, picklescan + loads, allowlist Unpickler (ratios: their time / ours)")
        print(header)
        for name, (_, data) in files.items():
            print(compare(name, data, args.runs, "joblib" in name), flush=True)
        print("\n== where the time of loads goes")
        for name, (_, data) in files.items():
            print(pieces(name, data, args.runs), flush=True)
    print()
    print(byte_list_transport(args.runs))
    print(validate_latency(2000))
    print("targets: loads >= 0.5x pickle.loads on P1/P2; >= 10x faster than picklescan + pickle.loads; validate <= 50 µs")


if __name__ == "__main__":
    main()
