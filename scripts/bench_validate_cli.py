#!/usr/bin/env python3
"""Whole-process validation speed: `wandguard validate FILE` (warm precompiled-component cache) against
`check-jsonschema` validating the same file against the same schema, both measured in this run.

Usage: .venv/bin/python scripts/bench_validate_cli.py [--bin target/release/wandguard] [--runs 40]
Installs check-jsonschema into the running interpreter's environment when it is missing.
"""

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TYPICAL_OUTPUT_CONFIG = {
    "description": "Training split of the churn dataset",
    "aliases": ["training", "v2-schema"],
    "type": "dataset",
    "serialization_module": {"name": "joblib", "parameters": {"compress": 3, "protocol": 4}},
    "add_files": [{"local_path": "data/train.csv", "name": "train.csv"}],
}


def wall_times(command, runs):
    """Median and minimum wall time of `command`, in milliseconds, after one warm-up run."""
    subprocess.run(command, check=True, capture_output=True)
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, check=True, capture_output=True)
        samples.append((time.perf_counter() - start) * 1e3)
    return statistics.median(samples), min(samples)


def check_jsonschema_command():
    found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    if found is None:
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "check-jsonschema"], check=True)
        found = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    return found


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    default_bin = ROOT / "target/release/wandguard"
    if not default_bin.exists():
        default_bin = ROOT / "target/debug/wandguard"
    parser.add_argument("--bin", default=str(default_bin))
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as scratch:
        config = Path(scratch) / "config.json"
        config.write_text(json.dumps(TYPICAL_OUTPUT_CONFIG, indent=2))
        cache = Path(scratch) / "cache"
        wandguard = [args.bin, "--cache-dir", str(cache), "validate", "--kind", "artifact-output", str(config)]
        schema = ROOT / "schemas/artifact-output.schema.json"
        reference = [check_jsonschema_command(), "--schemafile", str(schema), str(config)]

        ours, ours_min = wall_times(wandguard, args.runs)
        theirs, theirs_min = wall_times(reference, args.runs)

    print(f"whole-process validate of one typical artifact-output config, {args.runs} runs each")
    print(f"  wandguard ({Path(args.bin).relative_to(ROOT) if Path(args.bin).is_relative_to(ROOT) else args.bin})"
          f"  median {ours:7.2f} ms  min {ours_min:7.2f} ms   (target <= 20 ms)")
    print(f"  check-jsonschema             median {theirs:7.2f} ms  min {theirs_min:7.2f} ms")
    print(f"  ratio: wandguard is {theirs / ours:.1f}x faster (target >= 10x)")


if __name__ == "__main__":
    main()
