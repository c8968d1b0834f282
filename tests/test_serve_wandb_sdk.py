"""The real `wandb` SDK (0.31, PyPI) against `wandguard serve` on loopback: init, log_artifact, use_artifact,
`Api().artifact(...).download()` byte-exact + `verify()`, versions / aliases / `latest`, digest dedup,
references, restart persistence, and a wrong key refused.

Interop tests (3) SDK → serve → SDK and (4) aliases/versions/latest of issue 5.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
from wandb_serve_harness import (API_DOWNLOAD, API_VERSIONS, DAGSTER_LOG, DAGSTER_USE, INIT_ONLY, LOG_ARTIFACT, USE_ARTIFACT,
                                 assert_same_tree, run_sdk, run_sdk_ok, start_serve)

PROJECT = "interop"
DATASET = {"rows": [(1, 2.5, "a"), (2, -0.0, "b"), (3, float("inf"), "c")], "name": "toy", "tags": {"x", "y"}}


def write_source(root: Path, variant: str) -> Path:
    """An artifact source dir: text, binary, a nested file, and the integration's `output.pickle`."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "readme.txt").write_text(f"variant {variant}\n")
    (root / "sub").mkdir(exist_ok=True)
    (root / "sub" / "blob.bin").write_bytes(bytes(range(256)) * 4099 + variant.encode())
    (root / "output.pickle").write_bytes(pickle.dumps({**DATASET, "variant": variant}, protocol=5))
    return root


def test_sdk_logs_then_uses_and_downloads_byte_exact(wandguard_server, tmp_path):
    source = write_source(tmp_path / "src", "v0")
    reference_file = tmp_path / "referenced.csv"
    reference_file.write_text("a,b\n1,2\n")
    logged = run_sdk_ok(wandguard_server, tmp_path / "logger", LOG_ARTIFACT, {
        "project": PROJECT, "name": "toy-ds", "source": str(source), "aliases": ["best"],
        "references": [[reference_file.as_uri(), "refs/referenced.csv"]],
    })
    assert logged["version"] == "v0"
    assert logged["entity"] == "tester"
    assert logged["aliases"] == ["best", "latest"]

    # A second job, cold cache: run.use_artifact + download + verify.
    used = run_sdk_ok(wandguard_server, tmp_path / "user", USE_ARTIFACT, {
        "project": PROJECT, "name": "toy-ds:best", "root": str(tmp_path / "used"),
    }, cache="user")
    assert used["id"] == logged["id"]
    assert_same_tree(source, Path(used["root"]))
    assert (Path(used["root"]) / "refs/referenced.csv").read_text() == "a,b\n1,2\n", "references are listed"
    loaded = pickle.loads((Path(used["root"]) / "output.pickle").read_bytes())
    assert loaded == {**DATASET, "variant": "v0"}

    # The public API, another cold cache.
    fetched = run_sdk_ok(wandguard_server, tmp_path / "api", API_DOWNLOAD, {
        "path": f"tester/{PROJECT}/toy-ds:v0", "root": str(tmp_path / "fetched"),
    }, cache="api")
    assert fetched["id"] == logged["id"]
    assert fetched["digest"] == logged["digest"]
    assert fetched["metadata"] == {"rows": 3}
    assert fetched["type"] == "dataset"
    expected_size = sum(p.stat().st_size for p in source.rglob("*") if p.is_file()) + reference_file.stat().st_size
    assert fetched["size"] == expected_size
    assert_same_tree(source, Path(fetched["root"]))


def test_versions_aliases_latest_and_dedup_agree(wandguard_server, tmp_path):
    first = run_sdk_ok(wandguard_server, tmp_path / "log0", LOG_ARTIFACT, {
        "project": PROJECT, "name": "ds", "source": str(write_source(tmp_path / "src0", "v0")), "aliases": ["best"],
    })
    second = run_sdk_ok(wandguard_server, tmp_path / "log1", LOG_ARTIFACT, {
        "project": PROJECT, "name": "ds", "source": str(write_source(tmp_path / "src1", "v1")),
        "aliases": ["candidate"],
    })
    assert (first["version"], second["version"]) == ("v0", "v1")
    again = run_sdk_ok(wandguard_server, tmp_path / "log2", LOG_ARTIFACT, {
        "project": PROJECT, "name": "ds", "source": str(tmp_path / "src1"), "aliases": ["again"],
    })
    assert again["id"] == second["id"], "same content: the existing version, no v2"

    names = [f"tester/{PROJECT}/ds:{tag}" for tag in ("latest", "best", "candidate", "again", "v0", "v1", "v2")]
    seen = run_sdk_ok(wandguard_server, tmp_path / "versions", API_VERSIONS, {"names": names}, cache="versions")
    by_tag = {name.rsplit(":", 1)[1]: found for name, found in seen.items()}
    assert by_tag["latest"]["id"] == second["id"]
    assert by_tag["best"]["id"] == first["id"]
    assert by_tag["candidate"]["id"] == by_tag["again"]["id"] == second["id"]
    assert by_tag["v0"] == {"id": first["id"], "version": "v0", "aliases": ["best"]}
    assert by_tag["v1"] == {"id": second["id"], "version": "v1", "aliases": ["again", "candidate", "latest"]}
    assert "error" in by_tag["v2"], by_tag["v2"]


def test_a_restarted_server_serves_what_was_logged(wandguard_bin, wandguard_server, tmp_path):
    source = write_source(tmp_path / "src", "persist")
    logged = run_sdk_ok(wandguard_server, tmp_path / "logger", LOG_ARTIFACT, {
        "project": PROJECT, "name": "kept", "source": str(source), "aliases": [],
    })
    assert wandguard_server.stop() == 0, wandguard_server.log()
    restarted = start_serve(wandguard_bin, wandguard_server.data_dir, wandguard_server.api_key,
                            tmp_path / "serve-logs")
    try:
        fetched = run_sdk_ok(restarted, tmp_path / "api", API_DOWNLOAD, {
            "path": f"tester/{PROJECT}/kept:latest", "root": str(tmp_path / "fetched"),
        }, cache="after-restart")
        assert fetched["id"] == logged["id"]
        assert_same_tree(source, Path(fetched["root"]))
    finally:
        restarted.stop()


@pytest.mark.parametrize(("script", "error"), [(INIT_ONLY, "CommError"), (API_DOWNLOAD, "AuthenticationError")],
                         ids=["wandb.init", "wandb.Api"])
def test_a_wrong_key_is_refused(wandguard_server, tmp_path, script, error):
    wrong_key = "wrong_" + "9876543210" * 4
    outcome = run_sdk(wandguard_server, tmp_path / "sdk", script, {
        "project": PROJECT, "path": f"tester/{PROJECT}/x:latest", "root": str(tmp_path / "never"),
    }, api_key=wrong_key)
    assert outcome.returncode != 0
    assert outcome.result is None
    # The SDK raises its error type carrying the server's 401 message.
    assert f"{error}: " in outcome.output and "wrong API key" in outcome.output, outcome.output
    assert wrong_key not in wandguard_server.log()


def test_dagster_style_resume_get_path_table_and_link(wandguard_server, tmp_path):
    payload = pickle.dumps(DATASET, protocol=5)
    logged = run_sdk_ok(wandguard_server, tmp_path / "output-step", DAGSTER_LOG, {
        "project": PROJECT, "pickle_hex": payload.hex(),
    }, cache="output-step")
    # Another step with a cold cache: get_path must fetch the file from the server (wandb 0.31 uses the
    # authenticated /artifactsV2 route for single entries).
    outcome = run_sdk_ok(wandguard_server, tmp_path / "input-step", DAGSTER_USE, {
        "project": PROJECT, "root": str(tmp_path / "get-path"),
    }, cache="input-step")
    assert outcome["resumed"] is True, "the second init resumed the run"
    assert outcome["used"] == logged["id"]
    assert Path(outcome["path"]).read_bytes() == payload
    assert outcome["table"] == [[1, "x"], [2, "y"]]
    assert outcome["linked"] == outcome["used"], "the portfolio membership is the logged artifact"
    assert outcome["linked_version"] == "v0"
