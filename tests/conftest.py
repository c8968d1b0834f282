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
