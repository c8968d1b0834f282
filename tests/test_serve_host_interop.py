"""wandguard's own W&B client (`wandguard artifact log|get`) and the real `wandb` SDK, both against
`wandguard serve` on loopback: what one logs the other fetches byte-exact (the SDK also `verify()`s, the host
also decodes the pickle in the sandbox), and both see the same versions, aliases and `latest`.

Interop tests (1), (2) and (4) of issue 5.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
from pathlib import Path

from wandb_serve_harness import (API_DOWNLOAD, API_VERSIONS, DEAD_PROXY, LOG_ARTIFACT, ServeProcess, assert_same_tree,
                                 run_sdk_ok)

PROJECT = "interop"
# Plain data, so the sandbox's JSON rendering of the decoded pickle is exactly this document.
VALUE = {"rows": [[1, 2.5, "a"], [2, -1.0, "b"]], "name": "toy", "ok": True, "missing": None}


def run_host(server: ServeProcess, home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs `wandguard artifact …` against `server`, with its artifact cache under `home`."""
    binary = os.environ.get("WANDGUARD_BIN", str(Path(__file__).resolve().parent.parent / "target/debug/wandguard"))
    home.mkdir(parents=True, exist_ok=True)
    env = {key: value for key, value in os.environ.items() if not key.startswith("WANDB_")}
    env.update({
        "WANDB_BASE_URL": server.base_url, "WANDB_API_KEY": server.api_key,
        "WANDGUARD_ARTIFACT_CACHE": str(home / "artifact-cache"),
        "HTTP_PROXY": DEAD_PROXY, "HTTPS_PROXY": DEAD_PROXY, "NO_PROXY": "127.0.0.1",
    })
    return subprocess.run([binary, "artifact", *args, "--quiet"], capture_output=True, text=True, env=env,
                          timeout=300, check=False)


def run_host_ok(server: ServeProcess, home: Path, *args: str) -> str:
    """`run_host` that must exit 0; returns stdout."""
    done = run_host(server, home, *args)
    assert done.returncode == 0, f"{args}: exit {done.returncode}\n{done.stderr}\n--- server ---\n{server.log()}"
    return done.stdout


def host_log(server: ServeProcess, home: Path, name: str, source: Path, *extra: str) -> dict:
    """Logs `source` (a directory) with the host client; returns its JSON report."""
    return json.loads(run_host_ok(server, home, "log", "--name", name, "--type", "dataset", "--project", PROJECT,
                                  "--add-dir", str(source), "--format", "json", *extra))


def write_source(root: Path, variant: str) -> Path:
    """Files of an artifact: text, binary, nested."""
    (root / "nested").mkdir(parents=True, exist_ok=True)
    (root / "notes.txt").write_text(f"logged by {variant}\n")
    (root / "nested" / "data.bin").write_bytes(os.urandom(300_000))
    return root


def test_sdk_logged_artifact_is_fetched_byte_exact_and_decoded_by_the_host(wandguard_server, tmp_path):
    source = write_source(tmp_path / "src", "the sdk")
    (source / "output.pickle").write_bytes(pickle.dumps(VALUE, protocol=5))
    logged = run_sdk_ok(wandguard_server, tmp_path / "sdk", LOG_ARTIFACT, {
        "project": PROJECT, "name": "from-sdk", "source": str(source), "aliases": ["best"],
    })
    report = json.loads(run_host_ok(wandguard_server, tmp_path / "host", "get", f"tester/{PROJECT}/from-sdk:best",
                                    "--root", str(tmp_path / "fetched"), "--format", "json"))
    assert report["artifact"]["id"] == logged["id"]
    assert report["artifact"]["version"] == "v0"
    assert report["artifact"]["digest"] == logged["digest"]
    assert not any(file["cache_hit"] for file in report["files"]), "a cold cache: every file came from the server"
    assert_same_tree(source, tmp_path / "fetched")
    decoded = run_host_ok(wandguard_server, tmp_path / "host", "get", f"tester/{PROJECT}/from-sdk:latest",
                          "--root", str(tmp_path / "decoded"), "--decode")
    assert json.loads(decoded) == VALUE


def test_host_logged_artifact_is_downloaded_and_verified_by_the_sdk(wandguard_server, tmp_path):
    source = write_source(tmp_path / "src", "wandguard")
    value_file = tmp_path / "value.json"
    value_file.write_text(json.dumps(VALUE))
    logged = host_log(wandguard_server, tmp_path / "host", "from-host", source, "--alias", "best",
                      "--value", str(value_file), "--serialization-module", "pickle")
    assert logged["version"] == "v0"
    fetched = run_sdk_ok(wandguard_server, tmp_path / "sdk", API_DOWNLOAD, {
        "path": f"tester/{PROJECT}/from-host:best", "root": str(tmp_path / "fetched"),
    }, cache="sdk")  # the SDK script calls artifact.verify() on what it downloaded
    assert fetched["id"] == logged["id"]
    assert fetched["digest"] == logged["digest"]
    assert fetched["aliases"] == ["best", "latest"]
    assert fetched["metadata"]["source_integration"] == "wandguard"
    assert_same_tree(source, Path(fetched["root"]))
    assert pickle.loads((Path(fetched["root"]) / "output.pickle").read_bytes()) == VALUE


def test_versions_aliases_and_latest_agree_between_host_and_sdk(wandguard_server, tmp_path):
    host_v0 = host_log(wandguard_server, tmp_path / "host", "shared", write_source(tmp_path / "s0", "host"),
                       "--alias", "best")
    sdk_v1 = run_sdk_ok(wandguard_server, tmp_path / "sdk", LOG_ARTIFACT, {
        "project": PROJECT, "name": "shared", "source": str(write_source(tmp_path / "s1", "sdk")),
        "aliases": ["candidate"],
    })
    host_v2 = host_log(wandguard_server, tmp_path / "host", "shared", write_source(tmp_path / "s2", "host again"),
                       "--alias", "gold")
    assert (host_v0["version"], sdk_v1["version"], host_v2["version"]) == ("v0", "v1", "v2")

    tags = ["latest", "best", "candidate", "gold", "v0", "v1", "v2"]
    sdk_view = run_sdk_ok(wandguard_server, tmp_path / "sdk-read", API_VERSIONS,
                          {"names": [f"tester/{PROJECT}/shared:{tag}" for tag in tags]}, cache="sdk-read")
    for tag in tags:
        host_view = json.loads(run_host_ok(wandguard_server, tmp_path / "host-read", "get",
                                           f"tester/{PROJECT}/shared:{tag}", "--root", str(tmp_path / "r" / tag),
                                           "--format", "json"))["artifact"]
        sdk = sdk_view[f"tester/{PROJECT}/shared:{tag}"]
        assert (host_view["id"], host_view["version"]) == (sdk["id"], sdk["version"]), tag
    assert sdk_view[f"tester/{PROJECT}/shared:latest"]["id"] == host_v2["id"]
    assert sdk_view[f"tester/{PROJECT}/shared:best"]["id"] == host_v0["id"]
    assert sdk_view[f"tester/{PROJECT}/shared:candidate"]["id"] == sdk_v1["id"]
    assert sdk_view[f"tester/{PROJECT}/shared:v2"]["aliases"] == ["gold", "latest"]
    assert sdk_view[f"tester/{PROJECT}/shared:v1"]["aliases"] == ["candidate"], "latest moved on to v2"
