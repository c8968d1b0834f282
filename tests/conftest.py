"""Shared fixtures: the wandguard binary under test (built by scripts/test.sh)."""

import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def wandguard_bin():
    """Path of the `wandguard` binary: $WANDGUARD_BIN, else target/debug/wandguard (built on demand)."""
    path = Path(os.environ.get("WANDGUARD_BIN", ROOT / "target/debug/wandguard"))
    if not path.exists():
        subprocess.run(["cargo", "build", "-p", "wandguard"], cwd=ROOT, check=True)
    return path


SERVE_API_KEY = "wandguard_test_" + "0123456789" * 4


@pytest.fixture
def wandguard_server(wandguard_bin, tmp_path):
    """A `wandguard serve` process on a free loopback port with its data in a temp dir; stopped afterwards."""
    from wandb_serve_harness import start_serve

    server = start_serve(wandguard_bin, tmp_path / "serve-data", SERVE_API_KEY, tmp_path / "serve-logs")
    yield server
    server.stop()
