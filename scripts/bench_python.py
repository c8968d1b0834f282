#!/usr/bin/env python3
"""Python package benchmark, everything measured in this run on the same bytes:

- P1 (list of 1e6 floats), P2 (1e5 small dicts), P3 (1e7-float64 ndarray, pickle and joblib) — the payload
  builders of scripts/bench_decode.py — through `wandguard.loads`, compared with `pickle.loads` /
  `joblib.load`, with picklescan's scan + `pickle.loads`, and with a `pickle.Unpickler` whose `find_class`
  allows the same types. Payloads whose decoded value is over wasmtime-py's result budget are also
  measured at the largest size that fits (marked "scaled").
- Where the time of `wandguard.loads` goes: lowering the payload into wasmtime-py's value array, the
  component call (wasmtime's per-element conversion + the guest's decode), lifting the result, msgpack ->
  objects; and wasmtime-py's own `Func.__call__` on a byte list, for comparison.
- `validate` of a typical output config, µs per call (warm instance).

Usage: python scripts/bench_python.py [--runs 5]   (with wandguard, numpy, joblib and picklescan installed)
"""

from __future__ import annotations

import argparse
import ctypes
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
SCALED = {"P1": 300_000, "P2": 40_000, "P3": 250_000}


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
        return Allowlisted("<bench>", io.BytesIO(data)).load()
    return Allowlisted(io.BytesIO(data)).load()


def scaled_payload(name: str) -> bytes:
    import numpy as np

    count = SCALED[name[:2]]
    if name.startswith("P1"):
        return pickle.dumps([i * 0.5 for i in range(count)], protocol=4)
    if name.startswith("P2"):
        rows = [{"id": i, "name": f"row{i}", "score": i * 0.25, "ok": i % 2 == 0} for i in range(count)]
        return pickle.dumps(rows, protocol=4)
    array = np.arange(count, dtype=np.float64)
    if "joblib" in name:
        import joblib

        buffer = io.BytesIO()
        joblib.dump(array, buffer)
        return buffer.getvalue()
    return pickle.dumps(array, protocol=5)


def compare(name: str, data: bytes, runs: int, joblib_file: bool) -> str:
    import joblib
    import wandguard
    from picklescan.scanner import scan_pickle_bytes

    reference = (lambda: joblib.load(io.BytesIO(data))) if joblib_file else (lambda: pickle.loads(data))
    try:
        ours = best_of(runs, lambda: wandguard.loads(data))
    except wandguard.ResourceLimitError as error:
        return f"{name:36} {len(data) / 1e6:7.2f}  refused: {error.code} ({str(error)[:70]}...)"
    cpython = best_of(runs, reference)
    scan = best_of(max(1, runs // 2), lambda: (scan_pickle_bytes(io.BytesIO(data), "bench"), reference()))
    allowlist = best_of(runs, lambda: allowlist_loads(data, joblib_file))
    megabytes = len(data) / 1e6
    return (
        f"{name:36} {megabytes:7.2f} {megabytes / ours:8.1f}MB/s {megabytes / cpython:8.1f}MB/s "
        f"{cpython / ours:7.3f}x {scan / ours:9.2f}x {allowlist / ours:10.3f}x"
    )


def pieces(name: str, data: bytes, runs: int) -> str:
    """Times each stage of `loads` separately on the same payload."""
    import wandguard
    from wasmtime import _ffi as ffi

    from wandguard import _runtime, _values, _wire, codec

    runtime = _runtime.runtime()
    options = codec._record(format="auto", policy="data", output="msgpack", allow_trailing=False, limits=None)
    limits = _runtime.CallLimits()

    def lower(payload: bytes) -> None:
        val = ffi.wasmtime_component_val_t()
        _wire._lower_bytes(payload, val)
        ffi.wasmtime_component_val_delete(ctypes.byref(val))

    document = runtime.call_fresh("codec.decode", (data, options), limits).value["value"]

    def lift() -> float:
        val = ffi.wasmtime_component_val_t()
        _wire._lower_bytes(document, val)
        start = time.perf_counter()
        _wire._lift(val)
        elapsed = time.perf_counter() - start
        ffi.wasmtime_component_val_delete(ctypes.byref(val))
        return elapsed

    instantiate = best_of(runs, lambda: runtime._instantiate(limits))
    whole_call = best_of(runs, lambda: runtime.call_fresh("codec.decode", (data, options), limits))
    lowering = best_of(runs, lambda: lower(data))
    lifting = min(lift() for _ in range(runs))
    to_objects = best_of(runs, lambda: _values.loads_value(document, False))
    total = best_of(runs, lambda: wandguard.loads(data))
    # codec.sign passes the same payload in and 32 bytes out: wasmtime's input conversion plus an HMAC.
    sign_call = best_of(runs, lambda: runtime.call_fresh("codec.sign", (data, b"key"), limits)) - lowering
    inside = whole_call - instantiate - lowering - lifting
    per_byte = f"{inside / len(data) * 1e9:.0f} ns/byte"
    return (
        f"{name:36} instantiate {instantiate * 1e3:6.2f} ms | lower list<u8> {lowering * 1e3:7.2f} ms | "
        f"call (wasmtime conversions + guest decode) {inside * 1e3:8.2f} ms ({per_byte}; input side alone, "
        f"measured by codec.sign: {sign_call * 1e3:.2f} ms) | lift {lifting * 1e3:6.2f} ms | "
        f"msgpack -> objects {to_objects * 1e3:7.2f} ms | loads total {total * 1e3:8.2f} ms"
    )


def generic_wasmtime_py_call(size: int) -> str:
    """wasmtime-py's own `Func.__call__` (element-by-element conversion) vs `_wire` on a `list<u8>`."""
    from wandguard import _runtime

    runtime = _runtime.runtime()
    instance = runtime._instantiate(_runtime.CallLimits())
    func = instance.instance.get_func(instance.store, runtime.export_indices["codec.sign"])
    assert func is not None
    data = bytes(range(256)) * (size // 256)
    generic = best_of(3, lambda: func(instance.store, data, b"k"))
    ours = best_of(3, lambda: instance.call("codec.sign", (data, b"k")))
    return (
        f"codec.sign of {len(data) / 1e6:.1f} MB: wasmtime-py Func.__call__ {generic * 1e3:.0f} ms "
        f"({generic / len(data) * 1e9:.0f} ns/byte), wandguard._wire {ours * 1e3:.1f} ms "
        f"({ours / len(data) * 1e9:.0f} ns/byte), {generic / ours:.1f}x faster"
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
    header = (f"{'payload':36} {'MB':>7} {'wandguard':>10} {'CPython':>10} {'ratio':>7} {'vs scan+loads':>10} "
              f"{'vs allowlist':>11}")  # fmt: skip
    with tempfile.TemporaryDirectory() as scratch:
        files = payloads(Path(scratch))
        print("\n== loads vs pickle.loads / joblib.load, picklescan + loads, allowlist Unpickler (ratios: their time / ours)")
        print(header)
        for name, (_, data) in files.items():
            joblib_file = "joblib" in name
            print(compare(name, data, args.runs, joblib_file), flush=True)
            label = f"{name[:2]} scaled to {SCALED[name[:2]]:.0e} items{' (joblib)' if joblib_file else ''}"
            print(compare(label, scaled_payload(name), args.runs, joblib_file), flush=True)
        print("\n== where the time of loads goes (scaled payloads: the full ones do not fit wasmtime-py's result budget)")
        for name in files:
            print(pieces(f"{name[:2]} scaled{' (joblib)' if 'joblib' in name else ''}", scaled_payload(name), args.runs), flush=True)
    print()
    print(generic_wasmtime_py_call(1_000_000))
    print(validate_latency(2000))
    print("targets: loads >= 0.5x pickle.loads on P1/P2; >= 10x faster than picklescan + pickle.loads; validate <= 50 µs")


if __name__ == "__main__":
    main()
