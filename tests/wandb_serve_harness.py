"""Runs `wandguard serve` as a process and the real `wandb` SDK against it, both confined to temp dirs and loopback.

Each SDK step runs in its own Python process (as separate jobs would), with every W&B directory (WANDB_DIR,
WANDB_CACHE_DIR, WANDB_CONFIG_DIR, WANDB_DATA_DIR, WANDB_ARTIFACT_DIR, HOME) in the test's temp dir, and HTTP(S)
proxies pointing at a closed loopback port so that any request to a host other than 127.0.0.1 fails instead of
leaving the machine. scripts/test.sh goes further where the machine allows it: the Python tests run in a network
namespace whose only interface is loopback (scripts/loopback-only.sh).
"""

from __future__ import annotations

import filecmp
import json
import os
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# A closed port: requests routed through this "proxy" (anything not to 127.0.0.1) fail immediately.
DEAD_PROXY = "http://127.0.0.1:9"
SDK_TIMEOUT_SECONDS = 180
RESULT_PREFIX = "RESULT "


@dataclass
class ServeProcess:
    """A running `wandguard serve`."""

    base_url: str
    api_key: str
    data_dir: Path
    process: subprocess.Popen[str]
    stderr_path: Path

    def stop(self) -> int:
        """Stops the server with SIGTERM (as a service manager would) and returns its exit code."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode

    def log(self) -> str:
        """What the server wrote on stderr."""
        return self.stderr_path.read_text(errors="replace")


def start_serve(binary: Path, data_dir: Path, api_key: str, log_dir: Path, entity: str = "tester",
                wrapper: tuple[str, ...] = ()) -> ServeProcess:
    """Starts `wandguard serve --port 0` on `data_dir` (run through `wrapper`, if any) and waits for its
    `listening on` line."""
    log_dir.mkdir(parents=True, exist_ok=True)
    stderr_path = log_dir / f"serve-{len(list(log_dir.glob('serve-*.log')))}.log"
    env = {**os.environ, "WANDGUARD_SERVE_API_KEY": api_key}
    with stderr_path.open("w") as stderr:
        process = subprocess.Popen(
            [*wrapper, str(binary), "serve", "--port", "0", "--dir", str(data_dir), "--entity", entity],
            stdout=subprocess.PIPE, stderr=stderr, text=True, env=env,
        )
    assert process.stdout is not None
    first_line = process.stdout.readline().strip()
    if not first_line.startswith("listening on http://127.0.0.1:"):
        process.kill()
        raise AssertionError(f"unexpected first line {first_line!r}; stderr: {stderr_path.read_text()}")
    return ServeProcess(first_line.removeprefix("listening on "), api_key, data_dir, process, stderr_path)


@dataclass
class SdkResult:
    """The outcome of one SDK process."""

    returncode: int
    result: dict | None
    output: str


def sdk_env(server: ServeProcess, home: Path, cache: str, api_key: str | None = None) -> dict[str, str]:
    """The environment of an SDK process: pointed at `server`, everything under `home`, loopback only."""
    dirs = {name: home / name for name in ("wandb", "config", "data", "artifacts", "home")}
    for path in dirs.values():
        path.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("WANDB_")}
    env.update({
        "WANDB_BASE_URL": server.base_url,
        "WANDB_API_KEY": api_key if api_key is not None else server.api_key,
        "WANDB_MODE": "online",
        "WANDB_DIR": str(dirs["wandb"]),
        "WANDB_CONFIG_DIR": str(dirs["config"]),
        "WANDB_DATA_DIR": str(dirs["data"]),
        "WANDB_ARTIFACT_DIR": str(dirs["artifacts"]),
        "WANDB_CACHE_DIR": str(home / f"cache-{cache}"),
        "HOME": str(dirs["home"]),
        "WANDB_SILENT": "true",
        "WANDB_ERROR_REPORTING": "false",
        "WANDB_DISABLE_GIT": "true",
        "WANDB_DISABLE_CODE": "true",
        "WANDB_X_DISABLE_UPDATE_CHECK": "true",
        "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "http_proxy": DEAD_PROXY, "https_proxy": DEAD_PROXY,
        "NO_PROXY": "127.0.0.1", "no_proxy": "127.0.0.1",
    })
    return env


def run_sdk(server: ServeProcess, home: Path, script: str, params: dict, cache: str = "shared",
            api_key: str | None = None) -> SdkResult:
    """Runs `script` (Python using the real SDK) with `params` as JSON in argv[1]; the script reports with a
    line `RESULT {json}` on stdout."""
    script_path = home / "sdk_step.py"
    home.mkdir(parents=True, exist_ok=True)
    script_path.write_text(script)
    completed = subprocess.run(
        [sys.executable, str(script_path), json.dumps(params)],
        capture_output=True, text=True, timeout=SDK_TIMEOUT_SECONDS, cwd=home,
        env=sdk_env(server, home, cache, api_key),
    )
    results = [line for line in completed.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    result = json.loads(results[-1].removeprefix(RESULT_PREFIX)) if results else None
    return SdkResult(completed.returncode, result, completed.stdout + completed.stderr)


def run_sdk_ok(server: ServeProcess, home: Path, script: str, params: dict, cache: str = "shared") -> dict:
    """`run_sdk` that must succeed and report a result."""
    outcome = run_sdk(server, home, script, params, cache)
    if outcome.returncode != 0 or outcome.result is None:
        raise AssertionError(
            f"SDK step failed ({outcome.returncode}):\n{outcome.output}\n--- server log ---\n{server.log()}"
        )
    return outcome.result


def assert_same_tree(expected: Path, actual: Path) -> None:
    """Every file of `expected` is in `actual` with identical bytes (and nothing is missing)."""
    for path in expected.rglob("*"):
        if path.is_file():
            other = actual / path.relative_to(expected)
            assert other.is_file(), f"{other} was not downloaded"
            assert filecmp.cmp(path, other, shallow=False), f"{other} differs from {path}"


LOG_ARTIFACT = """
import json, sys
import wandb

params = json.loads(sys.argv[1])
run = wandb.init(project=params["project"], id=params.get("run_id"), resume="allow")
artifact = wandb.Artifact(params["name"], type="dataset", description="from the wandb SDK", metadata={"rows": 3})
artifact.add_dir(params["source"])
for uri, name in params.get("references", []):
    artifact.add_reference(uri, name=name)
run.log_artifact(artifact, aliases=params["aliases"])
artifact.wait()
print("RESULT " + json.dumps({"id": artifact.id, "version": artifact.version, "entity": run.entity,
                              "digest": artifact.digest, "aliases": sorted(artifact.aliases)}))
run.finish()
"""

USE_ARTIFACT = """
import json, sys
import wandb

params = json.loads(sys.argv[1])
run = wandb.init(project=params["project"])
artifact = run.use_artifact(params["name"])
root = artifact.download(root=params["root"])
artifact.verify(root=root)
print("RESULT " + json.dumps({"id": artifact.id, "version": artifact.version, "root": root,
                              "aliases": sorted(artifact.aliases)}))
run.finish()
"""

API_DOWNLOAD = """
import json, sys
import wandb

params = json.loads(sys.argv[1])
api = wandb.Api()
artifact = api.artifact(params["path"])
root = artifact.download(root=params["root"])
artifact.verify(root=root)
print("RESULT " + json.dumps({"id": artifact.id, "version": artifact.version, "root": root, "digest": artifact.digest,
                              "aliases": sorted(artifact.aliases), "metadata": artifact.metadata,
                              "type": artifact.type, "size": artifact.size}))
"""

API_VERSIONS = """
import json, sys
import wandb

params = json.loads(sys.argv[1])
api = wandb.Api()
found = {}
for name in params["names"]:
    try:
        artifact = api.artifact(name)
        found[name] = {"id": artifact.id, "version": artifact.version, "aliases": sorted(artifact.aliases)}
    except Exception as error:  # the SDK raises CommError / ValueError for a missing version
        found[name] = {"error": type(error).__name__ + ": " + str(error)}
print("RESULT " + json.dumps(found))
"""

INIT_ONLY = """
import json, sys
import wandb

params = json.loads(sys.argv[1])
run = wandb.init(project=params["project"])
print("RESULT " + json.dumps({"entity": run.entity}))
run.finish()
"""

DAGSTER_LOG = """
import json, sys
import wandb

params = json.loads(sys.argv[1])
# dagster-wandb opens the run with the Dagster run id, and re-opens (resumes) it for every output and input.
run = wandb.init(project=params["project"], id="dagster-run-1", name="dagster-run-1", resume="allow", tags=["dagster_wandb"])
run.log({"loss": 0.5})
artifact = wandb.Artifact("pickled_ds", type="dataset", metadata={"source_integration": "dagster_wandb"})
with artifact.new_file("output.pickle", mode="wb") as f:
    f.write(bytes.fromhex(params["pickle_hex"]))
artifact.add(wandb.Table(columns=["a", "b"], data=[[1, "x"], [2, "y"]]), "table")
run.log_artifact(artifact, aliases=["best", "dagster-run-1"])
artifact.wait()
print("RESULT " + json.dumps({"id": artifact.id}))
run.finish()
"""

DAGSTER_USE = """
import json, sys
import wandb

params = json.loads(sys.argv[1])
run = wandb.init(project=params["project"], id="dagster-run-1", resume="allow")
resumed = run.resumed
used = run.use_artifact(f"{run.entity}/{params['project']}/pickled_ds:best")
path = used.get_path("output.pickle").download(root=params["root"])
table = used.get("table")
run.link_artifact(used, f"{run.entity}/{params['project']}/prod-datasets", aliases=["prod"])
run.finish()

linked = wandb.Api().artifact(f"tester/{params['project']}/prod-datasets:prod")
print("RESULT " + json.dumps({"resumed": resumed, "path": path, "table": table.data, "used": used.id,
                              "linked": linked.id, "linked_version": linked.version}))
"""
