#!/usr/bin/env python3
"""Payload decode benchmark, all measured in this run on the same files:

- P1: a list of 1e6 floats (pickle protocol 4); P2: 1e5 small dicts (protocol 4);
- P3: a 1e7-float64 ndarray, by pickle (protocol 5, in-band) and by joblib.dump.

Compares wandguard's sandboxed decode through the host (in-process, release build, fresh store per call) with
CPython's `pickle.loads` / `joblib.load`, with picklescan's scan, and with the same decoder built natively
(wasm/native ratio); reports peak RSS of `wandguard decode` as a whole process on P3.

Usage: .venv/bin/python scripts/bench_decode.py [--runs 5]   (installs picklescan into the venv if missing)
"""

import argparse
import io
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def best_of(runs, function):
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        function()
        best = min(best, time.perf_counter() - start)
    return best


def ensure(package):
    try:
        __import__(package)
    except ImportError:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", package], check=True)


def payloads(directory):
    import joblib
    import numpy as np

    files = {}
    files["P1 1e6-float list"] = (directory / "p1.pkl", pickle.dumps([i * 0.5 for i in range(1_000_000)], protocol=4))
    small = [{"id": i, "name": f"row{i}", "score": i * 0.25, "ok": i % 2 == 0} for i in range(100_000)]
    files["P2 1e5 small dicts"] = (directory / "p2.pkl", pickle.dumps(small, protocol=4))
    array = np.arange(10_000_000, dtype=np.float64)
    files["P3 1e7 float64 ndarray (pickle)"] = (directory / "p3.pkl", pickle.dumps(array, protocol=5))
    buffer = io.BytesIO()
    joblib.dump(array, buffer)
    files["P3 1e7 float64 ndarray (joblib)"] = (directory / "p3.joblib", buffer.getvalue())
    for path, data in files.values():
        path.write_bytes(data)
    return files


def python_times(files, runs):
    import joblib
    from picklescan.scanner import scan_pickle_bytes

    results = {}
    for name, (path, data) in files.items():
        if path.suffix == ".joblib":
            reference = best_of(runs, lambda: joblib.load(io.BytesIO(data)))
        else:
            reference = best_of(runs, lambda: pickle.loads(data))
        scanner = best_of(max(1, runs // 2), lambda: scan_pickle_bytes(io.BytesIO(data), path.name))
        results[name] = (reference, scanner)
    return results


def wandguard_times(files, runs):
    env = dict(os.environ, WANDGUARD_BENCH_RUNS=str(runs))
    command = ["cargo", "bench", "-q", "-p", "wandguard", "--bench", "decode", "--", *[str(p) for p, _ in files.values()]]
    output = subprocess.run(command, cwd=ROOT, env=env, check=True, capture_output=True, text=True).stdout
    return {Path(row["file"]).name: row for row in map(json.loads, filter(None, output.splitlines()))}


# Started from a fresh interpreter: a child's ru_maxrss starts from its parent's RSS at fork and survives
# exec, so measured straight from this process (which holds every payload) it would report our own size.
RSS_HELPER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL)
_, status, usage = os.wait4(process.pid, 0)
assert os.waitstatus_to_exitcode(status) == 0
print(usage.ru_maxrss)
"""


def peak_rss_mib(path):
    binary = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")) / "release/wandguard"
    subprocess.run(["cargo", "build", "-q", "--release", "-p", "wandguard"], cwd=ROOT, check=True)
    command = [str(binary), "--memory-mb", "2048", "decode", "--to", "msgpack", "-o", os.devnull, str(path)]
    output = subprocess.run([sys.executable, "-c", RSS_HELPER, *command], check=True, capture_output=True, text=True)
    return int(output.stdout.strip()) / 1024


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    for package in ("numpy", "joblib", "picklescan"):
        ensure(package)
    with tempfile.TemporaryDirectory() as scratch:
        files = payloads(Path(scratch))
        python = python_times(files, args.runs)
        ours = wandguard_times(files, args.runs)
        rss = {name: (peak_rss_mib(path), len(data) / 2**20) for name, (path, data) in files.items() if name.startswith("P3")}

    print(f"{'payload':34} {'MB':>7} {'wandguard':>10} {'CPython':>10} {'ratio':>7} {'picklescan':>11} {'vs scan':>8} {'wasm/native':>12}")
    for name, (path, data) in files.items():
        row = ours[path.name]
        megabytes = len(data) / 1e6
        throughput = megabytes / row["sandboxed_s"]
        reference, scanner = python[name]
        print(
            f"{name:34} {megabytes:7.1f} {throughput:8.0f}MB/s {megabytes / reference:8.0f}MB/s "
            f"{reference / row['sandboxed_s']:6.2f}x {megabytes / scanner:9.1f}MB/s {scanner / row['sandboxed_s']:7.1f}x "
            f"{row['sandboxed_s'] / row['native_s']:11.2f}x"
        )
    for name, (mib, size) in rss.items():
        print(f"peak RSS of `wandguard decode` on {name}: {mib:.0f} MiB = {mib / size:.2f}x the payload")
    print("targets: P1/P2 >= 1.0x CPython and >= 30x picklescan; P3 >= 0.5x CPython, peak RSS <= 3x payload; wasm/native <= 1.3x")


if __name__ == "__main__":
    main()
