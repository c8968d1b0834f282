"""The corpus manifest: one entry per generated file, written to `OUT_DIR/manifest.json`.

The entry fields are the contract with the integration tests (see tests/pickle/README.md): they say what produced
the file, how Python loads it (benign files only), what `wandguard decode` must do with it and what
`wandguard scan` must report.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

__all__ = [
    "CATEGORIES",
    "EXPECTS",
    "LOADERS",
    "MANIFEST_NAME",
    "PRODUCERS",
    "SCANS",
    "Entry",
    "ManifestWriter",
    "check_entry",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_VERSION = 1

PRODUCERS = ("pickle", "dill", "cloudpickle", "joblib")
CATEGORIES = ("benign", "code", "hostile", "bomb", "expansion")
EXPECTS = ("decode", "code-object", "unsafe", "malformed", "resource-limit", "trailing-data")
SCANS = ("clean", "unsafe", "unknown-globals", "incomplete", "malformed")
LOADERS = ("pickle", "joblib", "dill", "cloudpickle")
COMPRESSORS = ("zlib", "gzip", "bz2", "lzma", "xz", "lz4")


@dataclass
class Entry:
    """One corpus file and what is expected of it.

    `expect_any` / `scan_any` list every outcome that is still correct for the case (the primary `expect` /
    `scan` first); they differ from the primary only where two answers are both sound, e.g. a truncated stream
    that also holds a dangerous global may be refused as `unsafe` or as `malformed`.
    """

    file: str
    producer: str
    protocol: int | None
    compress: str | None
    category: str
    expect: str
    scan: str
    json_equal: bool
    python: str
    id: str
    group: str
    note: str
    expect_any: list[str] = field(default_factory=list)
    scan_any: list[str] = field(default_factory=list)
    globals: list[list[str]] = field(default_factory=list)
    size: int = 0
    sha256: str = ""

    def to_json(self) -> dict:
        """The manifest form: required keys first, then the extras."""
        return {
            "file": self.file,
            "producer": self.producer,
            "protocol": self.protocol,
            "compress": self.compress,
            "category": self.category,
            "expect": self.expect,
            "scan": self.scan,
            "json_equal": self.json_equal,
            "python": self.python,
            "id": self.id,
            "group": self.group,
            "note": self.note,
            "expect_any": self.expect_any or [self.expect],
            "scan_any": self.scan_any or [self.scan],
            "globals": self.globals,
            "size": self.size,
            "sha256": self.sha256,
        }


def check_entry(entry: dict) -> list[str]:
    """Problems with one manifest entry (empty when it is well formed)."""
    problems = []
    if entry.get("producer") not in PRODUCERS:
        problems.append(f"producer {entry.get('producer')!r}")
    if entry.get("category") not in CATEGORIES:
        problems.append(f"category {entry.get('category')!r}")
    if entry.get("expect") not in EXPECTS:
        problems.append(f"expect {entry.get('expect')!r}")
    if entry.get("scan") not in SCANS:
        problems.append(f"scan {entry.get('scan')!r}")
    if entry.get("python") not in LOADERS:
        problems.append(f"python {entry.get('python')!r}")
    if not isinstance(entry.get("json_equal"), bool):
        problems.append("json_equal is not a bool")
    protocol = entry.get("protocol")
    if protocol is not None and not (isinstance(protocol, int) and 0 <= protocol <= 5):
        problems.append(f"protocol {protocol!r}")
    compress = entry.get("compress")
    if compress is not None:
        method, _, level = str(compress).partition(":")
        if method not in COMPRESSORS or not level.isdigit():
            problems.append(f"compress {compress!r}")
    if entry.get("expect") not in entry.get("expect_any", []):
        problems.append("expect not in expect_any")
    if entry.get("scan") not in entry.get("scan_any", []):
        problems.append("scan not in scan_any")
    if any(e not in EXPECTS for e in entry.get("expect_any", [])):
        problems.append("unknown code in expect_any")
    if any(s not in SCANS for s in entry.get("scan_any", [])):
        problems.append("unknown verdict in scan_any")
    category = entry.get("category")
    if category == "benign" and (entry.get("expect") != "decode" or entry.get("scan") != "clean"):
        problems.append("benign entries decode and scan clean")
    if category in ("hostile", "bomb") and ("clean" in entry.get("scan_any", []) or "decode" in entry.get("expect_any", [])):
        problems.append("hostile and bomb entries are never clean and never decode")
    if category == "expansion" and (entry.get("expect") != "decode" or entry.get("scan") != "clean"):
        problems.append("expansion entries (sharing a DAG decoder keeps linear) decode and scan clean")
    if category == "code" and entry.get("expect") != "code-object":
        problems.append("code entries expect code-object")
    if entry.get("json_equal") and category != "benign":
        problems.append("json_equal only for benign data")
    return problems


class ManifestWriter:
    """Writes corpus files under `root` and collects their entries."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.entries: list[Entry] = []
        self._ids: set[str] = set()

    def add(self, relpath: str, data: bytes, entry: Entry) -> Entry:
        """Writes `data` to `root/relpath` and records `entry` for it (size and digest filled in)."""
        if entry.id in self._ids:
            raise ValueError(f"duplicate corpus id {entry.id}")
        self._ids.add(entry.id)
        path = self.root / relpath
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        entry.file = relpath
        entry.size = len(data)
        entry.sha256 = hashlib.sha256(data).hexdigest()
        problems = check_entry(entry.to_json())
        if problems:
            raise ValueError(f"{entry.id}: {problems}")
        self.entries.append(entry)
        return entry

    def write(self, meta: dict) -> Path:
        """Writes `manifest.json` (entries sorted by file name, so the output is stable)."""
        document = dict(meta)
        document["version"] = MANIFEST_VERSION
        document["entries"] = [e.to_json() for e in sorted(self.entries, key=lambda e: e.file)]
        path = self.root / MANIFEST_NAME
        path.write_text(json.dumps(document, indent=1, sort_keys=False) + "\n")
        return path
