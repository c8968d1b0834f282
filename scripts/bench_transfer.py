"""Transfer benchmark: the wandguard host client vs the real `wandb` SDK (0.31), against the same `wandguard serve`
on loopback, in one run.

Workloads: 100 files of 1 MB and one file of 1 GiB, each uploaded (log) and downloaded (cold cache) by both
clients. Every client gets its own random content, so neither benefits from the other's uploads. Prints
throughput, the host/SDK ratios, the host's peak RSS, and checks that a second host download of the same version
is a pure cache hit (no file transferred).

Timing: the host is timed as whole processes (`wandguard artifact log|get`, startup included); the SDK is timed
inside its process around `log_artifact` + `wait()` and around `download()`, so interpreter and `wandb-core`
start-up are not charged to it.

    cargo build --release -p wandguard && .venv/bin/python scripts/bench_transfer.py
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))
from wandb_serve_harness import RESULT_PREFIX, ServeProcess, sdk_env, start_serve  # noqa: E402

API_KEY = "wandguard_bench_" + "0123456789" * 4
PROJECT = "bench"
MIB = 1 << 20
TIME = "/usr/bin/time"  # GNU time, for the peak RSS of exactly one process

SDK_LOG = """
import json, sys, time
import wandb

params = json.loads(sys.argv[1])
run = wandb.init(project=params["project"])
artifact = wandb.Artifact(params["name"], type="dataset")
started = time.perf_counter()
artifact.add_dir(params["source"])
run.log_artifact(artifact)
artifact.wait()
elapsed = time.perf_counter() - started
print("RESULT " + json.dumps({"seconds": elapsed, "version": artifact.version}))
run.finish()
"""

SDK_DOWNLOAD = """
import json, sys, time
import wandb

params = json.loads(sys.argv[1])
artifact = wandb.Api().artifact(params["path"])
started = time.perf_counter()
artifact.download(root=params["root"])
elapsed = time.perf_counter() - started
print("RESULT " + json.dumps({"seconds": elapsed}))
"""


@dataclass
class Timed:
    """One measured process."""

    seconds: float
    peak_rss_mib: float
    stdout: str


def run_timed(command: list[str], env: dict[str, str]) -> Timed:
    """Runs `command`, returning its wall time and its own peak RSS. The RSS comes from GNU time (`%M`): rusage
    of a child forked from this Python process would report Python's own high-water mark, which Linux carries
    across exec."""
    with tempfile.NamedTemporaryFile(mode="r", suffix=".rss") as rss:
        started = time.perf_counter()
        completed = subprocess.run([TIME, "-f", "%M", "-o", rss.name, *command], env=env, capture_output=True,
                                   text=True)
        elapsed = time.perf_counter() - started
        if completed.returncode != 0:
            raise SystemExit(f"{' '.join(command)} failed ({completed.returncode}):\n{completed.stdout}\n{completed.stderr}")
        peak_kib = int(rss.read().split()[-1])
    return Timed(elapsed, peak_kib / 1024, completed.stdout)


def run_sdk(server: ServeProcess, home: Path, script: str, params: dict) -> dict:
    """Runs an SDK step in its own process with a private cache; returns its RESULT."""
    home.mkdir(parents=True, exist_ok=True)
    path = home / "step.py"
    path.write_text(script)
    completed = subprocess.run([sys.executable, str(path), json.dumps(params)], capture_output=True, text=True,
                               env=sdk_env(server, home, cache=home.name), cwd=home, timeout=3600)
    lines = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if completed.returncode != 0 or not lines:
        raise SystemExit(f"SDK step failed:\n{completed.stdout}\n{completed.stderr}\n{server.log()}")
    return json.loads(lines[-1].removeprefix(RESULT_PREFIX))


def write_random(path: Path, size: int) -> None:
    """`size` random bytes, written in 16 MiB pieces."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        left = size
        while left:
            piece = min(left, 16 * MIB)
            handle.write(os.urandom(piece))
            left -= piece


def host_env(server: ServeProcess, cache: Path) -> dict[str, str]:
    """The host client's environment: the SDK's variables, a private artifact cache."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WANDB_")}
    env.update({"WANDB_BASE_URL": server.base_url, "WANDB_API_KEY": server.api_key, "WANDB_PROJECT": PROJECT,
                "WANDGUARD_ARTIFACT_CACHE": str(cache)})
    return env


def measure(binary: Path, server: ServeProcess, work: Path, label: str, files: int, size: int) -> dict:
    """Upload and download of `files` × `size` bytes by both clients."""
    total = files * size
    sources = {}
    for client in ("host", "sdk"):
        source = work / f"{label}-{client}-src"
        for index in range(files):
            write_random(source / f"part-{index:03d}.bin", size)
        sources[client] = source

    host_cache = work / f"{label}-host-cache"
    env = host_env(server, host_cache)
    name = f"{label}-host"
    upload = run_timed([str(binary), "artifact", "log", "--name", name, "--type", "dataset", "--add-dir",
                        str(sources["host"]), "--quiet"], env)
    shutil.rmtree(host_cache, ignore_errors=True)
    download = run_timed([str(binary), "artifact", "get", f"{name}:latest", "--root", str(work / f"{name}-root"),
                          "--quiet", "--format", "json"], env)
    hit_started = time.perf_counter()
    hit = run_timed([str(binary), "artifact", "get", f"{name}:latest", "--root", str(work / f"{name}-root2"),
                     "--quiet", "--format", "json"], env)
    hit_seconds = time.perf_counter() - hit_started
    hit_files = json.loads(hit.stdout)["files"]
    cached = sum(1 for item in hit_files if item["cache_hit"])

    sdk_name = f"{label}-sdk"
    sdk_upload = run_sdk(server, work / f"{label}-sdk-log", SDK_LOG,
                         {"project": PROJECT, "name": sdk_name, "source": str(sources["sdk"])})
    sdk_download = run_sdk(server, work / f"{label}-sdk-get", SDK_DOWNLOAD,
                           {"path": f"tester/{PROJECT}/{sdk_name}:latest", "root": str(work / f"{sdk_name}-root")})

    for client in ("host", "sdk"):
        shutil.rmtree(sources[client], ignore_errors=True)
    return {
        "label": label, "bytes": total,
        "host_up": total / upload.seconds, "sdk_up": total / sdk_upload["seconds"],
        "host_down": total / download.seconds, "sdk_down": total / sdk_download["seconds"],
        "host_up_rss": upload.peak_rss_mib, "host_down_rss": download.peak_rss_mib,
        "cache_hit": f"{cached}/{len(hit_files)} files from the cache in {hit_seconds:.2f} s",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--binary", type=Path, default=ROOT / "target/release/wandguard")
    parser.add_argument("--small-files", type=int, default=100)
    parser.add_argument("--small-mb", type=float, default=1.0, help="size of each small file in MB (10^6 bytes)")
    parser.add_argument("--large-mib", type=int, default=1024, help="size of the large file in MiB")
    parser.add_argument("--workdir", type=Path, default=None, help="scratch directory (default: a temp dir)")
    args = parser.parse_args()
    if not Path(TIME).exists():
        raise SystemExit(f"{TIME} (GNU time) is needed to measure peak RSS: apt-get install time")
    if not args.binary.exists():
        raise SystemExit(f"{args.binary} is missing: cargo build --release -p wandguard")
    import wandb  # noqa: PLC0415 — only to report the version measured against

    work = Path(tempfile.mkdtemp(prefix="wandguard-bench-", dir=args.workdir))
    server = start_serve(args.binary, work / "serve", API_KEY, work / "logs", entity="tester")
    try:
        print(f"wandguard serve at {server.base_url}; wandb SDK {wandb.__version__}; scratch {work}")
        rows = [
            measure(args.binary, server, work, "small", args.small_files, int(args.small_mb * 1_000_000)),
            measure(args.binary, server, work, "large", 1, args.large_mib * MIB),
        ]
    finally:
        server.stop()
        shutil.rmtree(work, ignore_errors=True)
    print(f"{'workload':<24}{'host MB/s':>11}{'SDK MB/s':>10}{'ratio':>8}   host peak RSS")
    for row in rows:
        name = f"{args.small_files} x {args.small_mb:g} MB" if row["label"] == "small" else f"1 x {args.large_mib} MiB"
        for direction, rss in (("up", "host_up_rss"), ("down", "host_down_rss")):
            host, sdk = row[f"host_{direction}"] / 1e6, row[f"sdk_{direction}"] / 1e6
            print(f"{name + ' ' + direction + 'load':<24}{host:>11.1f}{sdk:>10.1f}{host / sdk:>7.2f}x   {row[rss]:.1f} MiB")
        print(f"{name + ' cache hit':<24}  {row['cache_hit']}")


if __name__ == "__main__":
    main()
