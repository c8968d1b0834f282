"""The pickle corpus through `wandguard.loads` / `scan` / `dumps`, checked against CPython's own loaders."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import differential
import wandguard
from conftest import parallel



def _entries(corpus: tuple[Path, list[dict[str, Any]]], *categories: str) -> list[dict[str, Any]]:
    return [entry for entry in corpus[1] if entry["category"] in categories]


def test_every_benign_and_expansion_file_loads_equal_to_cpython_with_types(corpus):
    out, _ = corpus
    benign = _entries(corpus, "benign", "expansion")
    assert len(benign) > 1000

    def check(entry: dict[str, Any]) -> str | None:
        reference = differential.python_load(out / entry["file"], entry["python"])
        try:
            ours = wandguard.load(out / entry["file"])
        except wandguard.WandguardError as error:
            return f"{entry['id']}: {type(error).__name__} {error}"
        difference = differential.explain_difference(reference, ours)
        return None if difference is None else f"{entry['id']}: {difference}"

    failures = [failure for failure in parallel(check, benign) if failure]
    assert not failures, f"{len(failures)} of {len(benign)}:\n" + "\n".join(failures[:30])


def test_dumps_round_trips_every_benign_value(corpus):
    out, _ = corpus
    benign = _entries(corpus, "benign")

    def check(entry: dict[str, Any]) -> str | None:
        reference = differential.python_load(out / entry["file"], entry["python"])
        as_joblib = entry["python"] == "joblib"
        protocol = max(entry["protocol"] or 5, 2) if as_joblib else (entry["protocol"] or 5)
        written = wandguard.dumps(reference, format="joblib" if as_joblib else "pickle", protocol=protocol,
                                  compress=3 if as_joblib else None)  # fmt: skip
        path = out.parent / f"roundtrip-{entry['id']}"
        path.write_bytes(written)
        ours = differential.python_load(path, "joblib" if as_joblib else "pickle")
        difference = differential.explain_difference(reference, ours)
        return None if difference is None else f"{entry['id']}: {difference}"

    failures = [failure for failure in parallel(check, benign) if failure]
    assert not failures, f"{len(failures)} of {len(benign)}:\n" + "\n".join(failures[:30])


def test_code_hostile_and_bomb_files_raise_the_manifest_codes(corpus):
    out, _ = corpus
    refused = _entries(corpus, "code", "hostile", "bomb")
    assert len(refused) > 200

    def check(entry: dict[str, Any]) -> str | None:
        try:
            value = wandguard.load(out / entry["file"])
        except wandguard.UnsafePayloadError as error:
            problem = None if error.code in entry["expect_any"] else "unexpected code"
        except wandguard.ResourceLimitError as error:
            # The sandbox's own memory cap and deadline are refusals too (tests/pickle/README.md, step 1).
            allowed = error.code == "timeout" or "resource-limit" in entry["expect_any"] or entry["category"] == "bomb"
            problem = None if allowed else "unexpected limit"
        except wandguard.MalformedPayloadError as error:
            problem = None if error.code in entry["expect_any"] else "unexpected code"
        else:
            return f"{entry['id']}: decoded to {type(value).__name__}, expected one of {entry['expect_any']}"
        return None if problem is None else f"{entry['id']}: {problem} {error.code}, expected {entry['expect_any']}"

    failures = [failure for failure in parallel(check, refused) if failure]
    assert not failures, f"{len(failures)} of {len(refused)}:\n" + "\n".join(failures[:30])


def test_unsafe_errors_carry_findings_naming_the_globals(corpus):
    out, _ = corpus
    for entry in _entries(corpus, "hostile"):
        if entry["expect"] != "unsafe" or not entry["globals"]:
            continue
        try:
            wandguard.load(out / entry["file"])
        except wandguard.UnsafePayloadError as error:
            named = {(f.module, f.qualname) for f in error.findings}
            assert named & {tuple(pair) for pair in entry["globals"]}, (entry["id"], error.findings)
            assert error.offset is not None and error.offset >= 0
        except wandguard.WandguardError:
            continue  # refused for another allowed reason before reaching the global


def test_scan_verdicts_follow_the_manifest(corpus):
    out, _ = corpus
    entries = _entries(corpus, "benign", "expansion", "code", "hostile", "bomb")

    def check(entry: dict[str, Any]) -> str | None:
        try:
            report = wandguard.scan((out / entry["file"]).read_bytes())
        except wandguard.ResourceLimitError as error:
            return None if entry["category"] == "bomb" else f"{entry['id']}: {error}"
        if report.verdict not in entry["scan_any"]:
            return f"{entry['id']}: verdict {report.verdict}, expected one of {entry['scan_any']}"
        return None

    failures = [failure for failure in parallel(check, entries) if failure]
    assert not failures, "\n".join(failures[:30])


def test_code_payloads_load_as_symbolic_trees_under_inspect(corpus):
    out, _ = corpus
    code = _entries(corpus, "code")
    assert code
    for entry in code:
        tree = wandguard.load(out / entry["file"], policy="inspect")
        assert _contains_symbolic(tree), entry["id"]


def _contains_symbolic(value: Any) -> bool:
    stack, seen = [value], set()
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, wandguard.symbolic.Node):
            return True
        if isinstance(item, dict):
            stack.extend([*item.keys(), *item.values()])
        elif isinstance(item, (list, tuple, set, frozenset)):
            stack.extend(item)
    return False
