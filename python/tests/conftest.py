"""Shared fixtures: the pickle corpus (generated once per session by the repository's generator) and the
differential helpers of tests/pickle. The package under test is the installed `wandguard`."""

from __future__ import annotations

import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

import pytest

REPO = Path(__file__).resolve().parents[2]
PICKLE_TESTS = REPO / "tests" / "pickle"
sys.path.insert(0, str(PICKLE_TESTS))

import differential  # noqa: E402

T = TypeVar("T")
R = TypeVar("R")


@pytest.fixture(scope="session")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[dict[str, Any]]]:
    """(directory, manifest entries) of a freshly generated corpus."""
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(PICKLE_TESTS / "generate_corpus.py"), str(out)], check=True, capture_output=True)
    return out, differential.load_manifest(out)["entries"]


def parallel(function: Callable[[T], R], items: Iterable[T], workers: int = 4) -> list[R]:
    """`function` over `items` from several threads (sandbox calls release the GIL)."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(function, items))
