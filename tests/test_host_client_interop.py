"""The host client (`wandguard artifact log/get`) and the real `wandb` SDK (0.31) against the same
`wandguard serve` on loopback.

Interop tests (1) SDK → serve → host: byte-exact files and the pickle decoded in the sandbox; (2) host → serve →
SDK: download + `verify()` and a CPython-loadable `output.pickle`; (4) versions / aliases / `latest` agree between
both clients.
"""

from __future__ import annotations

import json
import os
import pickle
import subprocess
from pathlib import Path

from test_serve_wandb_sdk import PROJECT, assert_same_tree, write_source
from wandb_serve_harness import API_DOWNLOAD, API_VERSIONS, LOG_ARTIFACT, ServeProcess, run_sdk_ok


def host(binary: Path, server: ServeProcess, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Runs `wandguard artifact ARGS` with the SDK's environment variables pointed at `server`."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("WANDB_")}
    env.update({"WANDB_BASE_URL": server.base_url, "WANDB_API_KEY": server.api_key, "WANDB_PROJECT": PROJECT,
                "WANDGUARD_ARTIFACT_CACHE": str(cache)})
    return subprocess.run([str(binary), "artifact", *args, "--quiet"], capture_output=True, text=True, env=env,
                          timeout=120)


def host_ok(binary: Path, server: ServeProcess, cache: Path, *args: str) -> str:
    """`host` that must succeed; returns stdout."""
    completed = host(binary, server, cache, *args)
    assert completed.returncode == 0, f"{completed.stdout}\n{completed.stderr}\n--- server ---\n{server.log()}"
    return completed.stdout


def test_sdk_logs_and_the_host_fetches_byte_exact_and_decodes(wandguard_bin, wandguard_server, tmp_path):
    source = write_source(tmp_path / "src", "v0")
    referenced = tmp_path / "referenced.csv"
    referenced.write_text("a,b\n1,2\n")
    logged = run_sdk_ok(wandguard_server, tmp_path / "sdk", LOG_ARTIFACT, {
        "project": PROJECT, "name": "from-sdk", "source": str(source), "aliases": ["best"],
        "references": [[referenced.as_uri(), "refs/referenced.csv"]],
    })
    root = tmp_path / "host-root"
    fetched = json.loads(host_ok(wandguard_bin, wandguard_server, tmp_path / "cache",
                                 "get", "tester/interop/from-sdk:best", "--root", str(root), "--format", "json"))
    assert fetched["artifact"]["id"] == logged["id"]
    assert fetched["artifact"]["version"] == "v0"
    assert fetched["artifact"]["digest"] == logged["digest"]
    assert_same_tree(source, root)
    assert (root / "refs/referenced.csv").read_text() == "a,b\n1,2\n"

    decoded = json.loads(host_ok(wandguard_bin, wandguard_server, tmp_path / "cache",
                                 "get", "tester/interop/from-sdk:v0", "--root", str(root), "--decode",
                                 "--policy", "data"))
    plain = subprocess.run([str(wandguard_bin), "decode", "--to", "json", str(source / "output.pickle")],
                           capture_output=True, text=True, check=True)
    assert decoded == json.loads(plain.stdout), "the host decodes the downloaded pickle as the local copy"
    text = json.dumps(decoded)
    for needle in ('"toy"', '"v0"', "2.5"):
        assert needle in text, text


def test_host_logs_and_the_sdk_downloads_and_verifies(wandguard_bin, wandguard_server, tmp_path):
    files = tmp_path / "files"
    (files / "nested").mkdir(parents=True)
    (files / "readme.txt").write_text("logged by wandguard\n")
    (files / "nested" / "blob.bin").write_bytes(bytes(range(256)) * 5000)
    value = tmp_path / "value.json"
    value.write_text(json.dumps({"rows": [[1, 2.5, "a"], [2, -1.0, "b"]], "name": "toy"}))
    saved = json.loads(host_ok(wandguard_bin, wandguard_server, tmp_path / "cache",
                               "log", "--name", "from-host", "--type", "dataset", "--alias", "best",
                               "--add-dir", f"{files}:data", "--value", str(value), "--format", "json"))
    assert saved["version"] == "v0"

    fetched = run_sdk_ok(wandguard_server, tmp_path / "sdk", API_DOWNLOAD, {
        "path": f"tester/{PROJECT}/from-host:best", "root": str(tmp_path / "sdk-root"),
    }, cache="cold")
    assert fetched["id"] == saved["id"]
    assert fetched["digest"] == saved["digest"], "the host computes the artifact digest as the SDK does"
    assert fetched["type"] == "dataset"
    assert fetched["aliases"] == ["best", "latest"]
    assert fetched["metadata"]["source_serialization_module"] == "pickle"
    assert fetched["metadata"]["source_pickle_protocol_used"] == 5
    sdk_root = Path(fetched["root"])
    assert_same_tree(files, sdk_root / "data")
    with (sdk_root / "output.pickle").open("rb") as handle:
        assert pickle.load(handle) == {"rows": [[1, 2.5, "a"], [2, -1.0, "b"]], "name": "toy"}


def test_versions_and_aliases_agree_between_the_clients(wandguard_bin, wandguard_server, tmp_path):
    first = tmp_path / "one.txt"
    first.write_text("first\n")
    by_host = json.loads(host_ok(wandguard_bin, wandguard_server, tmp_path / "cache",
                                 "log", "--name", "shared", "--type", "dataset", "--alias", "best", "--add-file", str(first),
                                 "--format", "json"))
    again = json.loads(host_ok(wandguard_bin, wandguard_server, tmp_path / "cache",
                               "log", "--name", "shared", "--type", "dataset", "--alias", "best", "--add-file", str(first),
                               "--format", "json"))
    assert again["deduplicated"] is True and again["id"] == by_host["id"]
    by_sdk = run_sdk_ok(wandguard_server, tmp_path / "sdk", LOG_ARTIFACT, {
        "project": PROJECT, "name": "shared", "source": str(write_source(tmp_path / "src", "v1")),
        "aliases": ["candidate"],
    })
    assert (by_host["version"], by_sdk["version"]) == ("v0", "v1")

    tags = ("latest", "best", "candidate", "v0", "v1")
    seen = run_sdk_ok(wandguard_server, tmp_path / "versions", API_VERSIONS,
                      {"names": [f"tester/{PROJECT}/shared:{tag}" for tag in tags]}, cache="versions")
    for tag in tags:
        resolved = json.loads(host_ok(wandguard_bin, wandguard_server, tmp_path / "cache",
                                      "get", f"shared:{tag}", "--root", str(tmp_path / tag), "--format", "json"))
        sdk_view = seen[f"tester/{PROJECT}/shared:{tag}"]
        assert resolved["artifact"]["id"] == sdk_view["id"], tag
        assert resolved["artifact"]["version"] == sdk_view["version"], tag
    assert seen[f"tester/{PROJECT}/shared:best"]["id"] == by_host["id"]
    assert seen[f"tester/{PROJECT}/shared:latest"]["id"] == by_sdk["id"]
    assert (tmp_path / "v0" / "one.txt").read_text() == "first\n"
    assert (tmp_path / "latest" / "output.pickle").is_file()
