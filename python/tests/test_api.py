"""The API's contract beyond the corpus: sharing and cycles, types, the numpy-less array view, dumps errors
naming the path, joblib output, sign/verify, and concurrent calls from threads."""

from __future__ import annotations

import collections
import datetime
import hashlib
import hmac
import io
import pickle
import threading

import joblib
import numpy as np
import pytest

import wandguard
from wandguard import _arrays


def test_sharing_and_cycles_are_preserved():
    shared = [1, 2]
    cyclic: list[object] = []
    cyclic.append(cyclic)
    holder: list[object] = []
    inner = (holder,)
    holder.append(inner)
    value = wandguard.loads(pickle.dumps({"a": shared, "b": shared, "c": cyclic, "d": inner}, protocol=5))
    assert value["a"] is value["b"]
    assert value["c"][0] is value["c"]
    assert value["d"][0][0] is value["d"]


def test_policies_strict_data_inspect():
    payload = pickle.dumps({"when": datetime.date(2024, 1, 2)})
    with pytest.raises(wandguard.UnsafePayloadError):
        wandguard.loads(payload, policy="strict")
    assert wandguard.loads(payload) == {"when": datetime.date(2024, 1, 2)}
    opaque = pickle.dumps(collections.ChainMap({"a": 1}))
    with pytest.raises(wandguard.UnsafePayloadError):
        wandguard.loads(opaque)
    tree = wandguard.loads(opaque, policy="inspect")
    assert isinstance(tree, wandguard.symbolic.Node)


def test_arrays_without_numpy_are_read_only_views(monkeypatch):
    array = np.arange(6, dtype="<i4").reshape(2, 3)
    monkeypatch.setattr(_arrays, "numpy", None)
    view = wandguard.loads(pickle.dumps(array, protocol=5))
    assert isinstance(view, wandguard.ArrayView)
    assert view.shape == (2, 3) and view.dtype.typestr == "<i4" and not view.fortran_order
    assert view.memoryview().tolist() == array.tolist()
    assert view.memoryview().readonly


def test_dumps_names_the_offending_path():
    with pytest.raises(TypeError, match=r"obj\['rows'\]\[1\]\.tzinfo"):
        wandguard.dumps({"rows": [1, datetime.datetime(2024, 1, 1, tzinfo=_FixedZone())]})
    with pytest.raises(TypeError, match=r"obj\[0\]: values of type _thread.lock cannot be represented"):
        wandguard.dumps([threading.Lock()])
    with pytest.raises(TypeError, match=r"default_factory"):
        wandguard.dumps(collections.defaultdict(lambda: 0))


class _FixedZone(datetime.tzinfo):
    def utcoffset(self, dt: datetime.datetime | None) -> datetime.timedelta:
        return datetime.timedelta(hours=1)


def test_dumps_writes_joblib_files_joblib_loads():
    value = {"weights": np.linspace(0, 1, 50).reshape(5, 10), "labels": ["a", "b"], "meta": (1, 2.5)}
    for compress in (None, 3, ("lz4", 1)):
        written = wandguard.dumps(value, format="joblib", compress=compress)
        loaded = joblib.load(io.BytesIO(written))
        assert loaded["labels"] == value["labels"] and loaded["meta"] == value["meta"]
        assert np.array_equal(loaded["weights"], value["weights"])
        assert wandguard.loads(written)["meta"] == (1, 2.5)


def test_dumps_every_protocol_loads_equal():
    value = {"big": 2**80, "c": complex(1, -1), "s": frozenset({1}), "t": datetime.timedelta(days=-1, seconds=5)}
    for protocol in range(6):
        assert pickle.loads(wandguard.dumps(value, protocol=protocol)) == value


def test_sign_and_verify_are_hmac_sha256():
    data, key = b"payload bytes" * 100, b"secret key"
    signature = wandguard.sign(data, key)
    assert signature == hmac.new(key, data, hashlib.sha256).digest()
    assert wandguard.verify(data, signature, key)
    assert not wandguard.verify(data + b"x", signature, key)
    assert not wandguard.verify(data, signature, b"other key")


def test_concurrent_loads_from_threads_are_correct():
    payloads = [pickle.dumps({"thread": i, "rows": [(j, j * 0.5, str(j)) for j in range(2000)]}) for i in range(8)]
    expected = [pickle.loads(p) for p in payloads]
    results: dict[int, list[object]] = collections.defaultdict(list)
    errors: list[BaseException] = []

    def work(index: int) -> None:
        try:
            for _ in range(5):
                results[index].append(wandguard.loads(payloads[index]))
                wandguard.validate({"name": f"x{index}"}, kind="artifact-output", context="op")
        except BaseException as error:  # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    for index, values in results.items():
        assert len(values) == 5 and all(v == expected[index] for v in values)


def test_bad_arguments_are_rejected_before_the_sandbox():
    with pytest.raises(TypeError):
        wandguard.loads("not bytes")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        wandguard.loads(b"\x80\x04N.", timeout=0)
    with pytest.raises(ValueError):
        wandguard.dumps([], protocol=6)
    with pytest.raises(ValueError):
        wandguard.dumps([], compress=3)


def test_values_beyond_wasmtime_py_list_budget_cross_as_text():
    # wasmtime-py caps a list<u8> result at about 2.6 MiB; payloads and values travel as base64 strings.
    floats = [i * 0.5 for i in range(500_000)]
    payload = pickle.dumps(floats, protocol=4)
    assert len(payload) > 4 << 20
    assert wandguard.loads(payload) == floats
    array = np.arange(1_000_000, dtype=np.float64)
    assert np.array_equal(pickle.loads(wandguard.dumps(array)), array)
