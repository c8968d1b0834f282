"""Writes the whole corpus (benign, code, hostile, bomb) and its manifest into one directory."""

from __future__ import annotations

import os
import platform
import shutil
import sys
from pathlib import Path

from .benign import write_benign
from .bombs import bomb_cases
from .code_payloads import code_payloads
from .containers import container_cases
from .denylist_gaps import denylist_gap_cases
from .hostile import HostileCase, hostile_cases
from .manifest import Entry, ManifestWriter

__all__ = ["DEFAULT_SEED", "OWNED", "generate"]

DEFAULT_SEED = 20261125
OWNED = ("benign", "code", "hostile", "bomb", "expansion", "manifest.json")


def _versions() -> dict:
    import cloudpickle
    import dill
    import joblib
    import lz4
    import numpy

    return {"python": platform.python_version(), "numpy": numpy.__version__, "dill": dill.__version__,
            "cloudpickle": cloudpickle.__version__, "joblib": joblib.__version__, "lz4": lz4.__version__}


def _case_entry(case: HostileCase) -> Entry:
    return Entry(file="", producer=case.producer, protocol=case.protocol, compress=case.compress,
                 category=case.category, expect=case.expect, scan=case.scan, json_equal=False, python=case.python,
                 id=f"{case.category}-{case.id}", group=case.group, note=case.note,
                 expect_any=case.expect_any or [case.expect], scan_any=case.scan_any or [case.scan],
                 globals=[list(pair) for pair in case.globals])


def _write_cases(writer: ManifestWriter, cases: list[HostileCase]) -> None:
    for case in cases:
        folder = case.category if case.category in ("bomb", "expansion") else f"hostile/{case.group}"
        writer.add(f"{folder}/{case.id}{case.suffix}", case.data, _case_entry(case))


def _write_code(writer: ManifestWriter, seed: int) -> None:
    for name, producer, data in code_payloads(seed):
        protocol = data[1] if data[:1] == b"\x80" else 0
        entry = Entry(file="", producer=producer, protocol=protocol, compress=None, category="code",
                      expect="code-object", scan="unsafe", json_equal=False, python=producer,
                      id=f"{producer}-code-{name}", group="code", note=f"{producer}.dumps of {name} (pickled by value)",
                      expect_any=["code-object"], scan_any=["unsafe", "unknown-globals"])
        writer.add(f"code/{producer}/{name}.pkl", data, entry)


def generate(out_dir, seed: int = DEFAULT_SEED) -> Path:
    """Writes the corpus into `out_dir` (replacing what a previous run wrote there) and returns the manifest path."""
    root = Path(out_dir)
    root.mkdir(parents=True, exist_ok=True)
    for name in OWNED:
        path = root / name
        if path.is_dir():
            shutil.rmtree(path)
        elif path.exists():
            path.unlink()
    writer = ManifestWriter(root)
    write_benign(writer, seed)
    _write_code(writer, seed)
    _write_cases(writer, hostile_cases() + denylist_gap_cases() + container_cases())
    _write_cases(writer, bomb_cases())
    counts: dict[str, int] = {}
    for entry in writer.entries:
        counts[entry.category] = counts.get(entry.category, 0) + 1
    meta = {
        "generator": "tests/pickle/generate_corpus.py",
        "seed": seed,
        "python_hash_seed": os.environ.get("PYTHONHASHSEED"),
        "versions": _versions(),
        "platform": sys.platform,
        "counts": counts,
        "bytes": sum(entry.size for entry in writer.entries),
    }
    return writer.write(meta)
