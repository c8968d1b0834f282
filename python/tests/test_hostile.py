"""Hostile payloads never execute: a payload that would create a marker file under CPython is refused by
`loads`, shown symbolically by `inspect`, reported by `scan` — and the marker never appears. The sandbox
stays usable after a refusal, a trap or a limit."""

from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

import wandguard


class _WritesMarker:
    """Pickles as `builtins.exec(<code that creates the marker>)` (never loaded in this process)."""

    def __init__(self, marker: Path) -> None:
        self.code = f"open({str(marker)!r}, 'w').write('executed')"

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (exec, (self.code,))


class _RunsCommand:
    """Pickles as `os.system("touch <marker>")`."""

    def __init__(self, marker: Path) -> None:
        self.command = f"touch {marker}"

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (self.command,))


@pytest.fixture(params=["exec", "os.system"])
def hostile(request: pytest.FixtureRequest, tmp_path: Path) -> tuple[bytes, Path]:
    marker = tmp_path / "marker"
    maker = _WritesMarker if request.param == "exec" else _RunsCommand
    return pickle.dumps([1, {"model": maker(marker)}], protocol=4), marker


def test_the_payload_really_creates_the_marker_under_cpython(hostile, tmp_path):
    payload, marker = hostile
    control = tmp_path / "MARKER"
    # The same payload with another marker path of the same length, loaded by CPython in a child process:
    # proves the test's payload is live, so the marker's absence below means something.
    live = payload.replace(str(marker).encode(), str(control).encode())
    subprocess.run([sys.executable, "-c", "import pickle, sys; pickle.loads(sys.stdin.buffer.read())"],
                   input=live, check=True)  # fmt: skip
    assert control.exists()


def test_loads_refuses_and_nothing_executes(hostile):
    payload, marker = hostile
    for policy in ("data", "strict"):
        with pytest.raises(wandguard.UnsafePayloadError) as refused:
            wandguard.loads(payload, policy=policy)
        assert refused.value.code == "unsafe"
        assert refused.value.offset is not None and refused.value.offset > 0
    assert not marker.exists()


def test_inspect_returns_the_call_symbolically(hostile):
    payload, marker = hostile
    tree = wandguard.loads(payload, policy="inspect")
    call = tree[1]["model"]
    assert isinstance(call, wandguard.symbolic.Call)
    assert isinstance(call.callable, wandguard.symbolic.Global)
    assert (call.callable.module, call.callable.qualname) in {("builtins", "exec"), ("posix", "system"), ("os", "system")}
    assert isinstance(call.args, tuple) and str(marker) in call.args[0]
    assert not marker.exists()


def test_scan_reports_unsafe_with_the_global(hostile):
    payload, marker = hostile
    report = wandguard.scan(payload)
    assert report.verdict == "unsafe"
    assert any(f.severity == "danger" and f.qualname in ("exec", "system") for f in report.findings)
    assert not marker.exists()


def test_a_benign_call_after_a_hostile_one_works(hostile):
    payload, _ = hostile
    with pytest.raises(wandguard.UnsafePayloadError):
        wandguard.loads(payload)
    assert wandguard.loads(pickle.dumps({"ok": (1, 2.5)})) == {"ok": (1, 2.5)}


def test_memory_cap_and_deadline_are_limits_and_the_next_call_is_clean():
    big = pickle.dumps(list(range(200_000)), protocol=4)
    with pytest.raises(wandguard.ResourceLimitError) as capped:
        wandguard.loads(big, max_memory=2 << 20)
    assert capped.value.code == "resource-limit"
    with pytest.raises(wandguard.ResourceLimitError) as late:
        wandguard.loads(big, timeout=0.001)
    assert late.value.code == "timeout"
    assert wandguard.loads(big) == list(range(200_000))


def test_malformed_payloads_are_located():
    with pytest.raises(wandguard.MalformedPayloadError) as truncated:
        wandguard.loads(pickle.dumps([1, 2, 3], protocol=4)[:-3])
    assert truncated.value.code == "malformed"
    assert truncated.value.offset is not None
    with pytest.raises(wandguard.MalformedPayloadError) as trailing:
        wandguard.loads(pickle.dumps(1) + b"garbage")
    assert trailing.value.code == "trailing-data"
    assert wandguard.loads(pickle.dumps(1) + b"garbage", allow_trailing=True) == 1
