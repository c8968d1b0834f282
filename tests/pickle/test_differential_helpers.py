"""Tests of differential.py: type-exact, sharing-aware equality; NaN handling; cycles and deep or exponential
structures terminate; the JSON view of plain data; python_load's loaders and its refusal of hostile files."""

from __future__ import annotations

import copy
import io
import pickle
import sys
import time
from collections import Counter, OrderedDict, defaultdict, deque
from datetime import datetime, time as dtime, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

import numpy as np
import pytest

from differential import (equal_with_types, explain_difference, is_json_plain, json_equal, json_plain, load_manifest,
                          python_load)

NAN = float("nan")


# ------------------------------------------------------------------------------------------ types


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ((1, 2), [1, 2]),
        (True, 1),
        (1, 1.0),
        (0, False),
        ("a", b"a"),
        (b"a", bytearray(b"a")),
        ({1}, frozenset({1})),
        (OrderedDict(a=1), {"a": 1}),
        (Counter(a=1), {"a": 1}),
        (defaultdict(list, a=[1]), {"a": [1]}),
        (deque([1]), [1]),
        (np.float64(1.5), 1.5),
        (np.int64(1), np.int32(1)),
        (np.array([1, 2], dtype="<i4"), np.array([1, 2], dtype="<i8")),
        ({"k": (1,)}, {"k": [1]}),
        ([[(1,)]], [[[1]]]),
        ({1}, {True}),
        ({(1,): 1}, {(True,): 1}),
    ],
)
def test_type_mismatch_is_a_difference(left, right):
    assert not equal_with_types(left, right)
    assert not equal_with_types(right, left)


def test_equal_values_of_every_kind():
    tz = timezone(timedelta(hours=2), "X")
    value = {
        "n": None, "b": True, "i": 2**100, "f": 1.5, "c": 1 + 2j, "s": "é", "by": b"x", "ba": bytearray(b"y"),
        "t": (1, [2]), "set": {1, "a", (2,)}, "fs": frozenset({3}), "od": OrderedDict(b=1, a=2), "ct": Counter("aab"),
        "dd": defaultdict(int, x=1), "dq": deque([1], maxlen=4), "dec": Decimal("1.10"), "fr": Fraction(1, 3),
        "dt": datetime(2020, 1, 1, tzinfo=tz), "tm": dtime(1, 2, fold=1), "td": timedelta(-1), "r": range(1, 9, 2),
        "sl": slice(None, 3), "arr": np.arange(6, dtype=">f4").reshape(2, 3), "sc": np.float32(2.5),
        "dtype": np.dtype([("a", "<i4")]),
    }
    assert explain_difference(value, copy.deepcopy(value)) is None
    assert explain_difference(value, pickle.loads(pickle.dumps(value, 5))) is None


@pytest.mark.parametrize(
    ("left", "right"),
    [
        ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
        (OrderedDict(a=1, b=2), OrderedDict(b=2, a=1)),
        (defaultdict(list), defaultdict(set)),
        (deque([1], maxlen=2), deque([1], maxlen=3)),
        (Decimal("1.10"), Decimal("1.1")),
        (Decimal("0"), Decimal("-0")),
        (range(0), range(5, 5)),
        (slice(1), slice(0, 1)),
        (datetime(2020, 1, 1, tzinfo=timezone.utc), datetime(2020, 1, 1, 2, tzinfo=timezone(timedelta(hours=2)))),
        (timezone(timedelta(hours=1), "A"), timezone(timedelta(hours=1), "B")),
        (dtime(1, fold=0), dtime(1, fold=1)),
        (Fraction(1, 2), Fraction(2, 3)),
    ],
)
def test_value_details_matter(left, right):
    assert not equal_with_types(left, right)


# ------------------------------------------------------------------------------------------ floats


def test_nan_equals_nan_and_signed_zero_differs():
    assert equal_with_types(NAN, float("nan"))
    assert equal_with_types([NAN, {"k": NAN}], [float("nan"), {"k": float("nan")}])
    assert equal_with_types(complex(NAN, 1), complex(NAN, 1))
    assert not equal_with_types(NAN, 1.0)
    assert not equal_with_types(0.0, -0.0)
    assert not equal_with_types(complex(0.0, 1), complex(-0.0, 1))
    assert equal_with_types({NAN, 1.0}, {float("nan"), 1.0})
    assert not equal_with_types({NAN, 1.0}, {2.0, 1.0})


# ------------------------------------------------------------------------------------------ sharing and cycles


def test_sharing_must_match():
    a = [1]
    assert equal_with_types([a, a], (lambda b: [b, b])([1]))
    assert not equal_with_types([a, a], [a, copy.copy(a)])
    assert not equal_with_types([a, copy.copy(a)], [a, a])
    shared = {"v": [0]}
    assert not equal_with_types({"x": shared, "y": shared}, {"x": shared, "y": copy.deepcopy(shared)})
    arr = np.arange(3)
    assert not equal_with_types([arr, arr], [arr, arr.copy()])


def test_cycles_terminate():
    left: list = []
    left.append(left)
    right: list = []
    right.append(right)
    assert equal_with_types(left, right)
    two: list = []
    two.append([two])  # [[...]] : a cycle of length two is a different graph
    assert not equal_with_types(left, two)
    d1: dict = {}
    d1["self"] = d1
    d2: dict = {}
    d2["self"] = d2
    assert equal_with_types(d1, d2)
    t1 = ([],)
    t1[0].append(t1)
    t2 = ([],)
    t2[0].append(t2)
    assert equal_with_types(t1, t2)
    assert equal_with_types(left, pickle.loads(pickle.dumps(left, 0)))


def test_deep_nesting_does_not_recurse():
    depth = sys.getrecursionlimit() * 20
    left: list = []
    right: list = []
    a, b = left, right
    for _ in range(depth):
        a.append([])
        b.append([])
        a, b = a[0], b[0]
    assert equal_with_types(left, right)
    b.append(1)
    assert not equal_with_types(left, right)


def test_exponential_dag_is_linear_work():
    left: tuple = ()
    right: tuple = ()
    for _ in range(80):
        left = (left, left)
        right = (right, right)
    started = time.monotonic()
    assert equal_with_types(left, right)
    assert time.monotonic() - started < 1.0


# ------------------------------------------------------------------------------------------ numpy


def test_numpy_arrays_compare_dtype_shape_order_and_bytes():
    base = np.arange(6, dtype="<f8").reshape(2, 3)
    assert equal_with_types(base, base.copy())
    assert not equal_with_types(base, np.asfortranarray(base))
    assert not equal_with_types(base, base.reshape(3, 2))
    assert not equal_with_types(base, base.astype(">f8"))
    assert not equal_with_types(np.array([NAN]), np.array([-NAN]))  # bit patterns differ
    assert equal_with_types(np.array([NAN]), np.array([NAN]))
    assert not equal_with_types(np.array(1.0), np.array([1.0]))
    assert not equal_with_types(np.array(["ab"], dtype="<U2"), np.array(["ab"], dtype="<U3"))
    shared = [1]
    objects = np.array([shared, shared, None], dtype=object)
    assert equal_with_types(objects, pickle.loads(pickle.dumps(objects)))
    assert not equal_with_types(objects, np.array([[1], [1], None], dtype=object))
    assert not equal_with_types(np.dtype("<i2"), np.dtype(">i2"))
    assert not equal_with_types(np.datetime64(1, "ns"), np.datetime64(1, "us"))


# ------------------------------------------------------------------------------------------ JSON view


@pytest.mark.parametrize("value", [None, True, 0, -(2**63), 2**63 - 1, 1.5, -0.0, "é😀", [], {}, [1, [2, {"a": None}]],
                                   {"k": [1.0, "x"]}])
def test_plain_values_are_json_plain(value):
    assert is_json_plain(value)
    assert equal_with_types(json_plain(value), value)


@pytest.mark.parametrize("value", [(1,), 2**63, -(2**63) - 1, NAN, float("inf"), "\ud800", b"x", {1: "a"}, {1},
                                   OrderedDict(), Counter(), Decimal(1), [1, (2,)], {"k": {(): 1}}, np.float64(1)])
def test_other_values_are_not_json_plain(value):
    assert not is_json_plain(value)
    with pytest.raises(ValueError):
        json_plain(value)


def test_cycles_are_not_json_plain_but_sharing_is():
    loop: list = []
    loop.append(loop)
    assert not is_json_plain(loop)
    shared = [1, 2]
    assert is_json_plain([shared, shared])


def test_json_equal_compares_parsed_documents_with_types():
    assert json_equal('{"a": [1, 2.5, "x", null, true]}', {"a": [1, 2.5, "x", None, True]})
    assert json_equal(b"[1e308]", [1e308])
    assert not json_equal("[1.0]", [1])
    assert not json_equal("[1]", [1.0])
    assert not json_equal('{"a": 1, "b": 2}', {"b": 2, "a": 1})
    assert json_equal([1, {"k": "v"}], [1, {"k": "v"}])


# ------------------------------------------------------------------------------------------ loading


def test_python_load_uses_each_loader(tmp_path):
    import cloudpickle
    import dill
    import joblib

    value = {"a": np.arange(4), "b": (1, "x")}
    (tmp_path / "v.pkl").write_bytes(pickle.dumps(value, 5))
    joblib.dump(value, tmp_path / "v.joblib", compress=("gzip", 3))
    (tmp_path / "v.dill").write_bytes(dill.dumps(value))
    (tmp_path / "v.cloudpickle").write_bytes(cloudpickle.dumps(value))
    for name, loader in (("v.pkl", "pickle"), ("v.joblib", "joblib"), ("v.dill", "dill"), ("v.cloudpickle", "cloudpickle")):
        assert equal_with_types(python_load(tmp_path / name, loader), value), loader
    with pytest.raises(ValueError):
        python_load(tmp_path / "v.pkl", "marshal")


def test_python_load_refuses_hostile_and_bomb_files(tmp_path):
    for folder in ("hostile", "bomb"):
        path = tmp_path / folder / "x.pkl"
        path.parent.mkdir()
        path.write_bytes(pickle.dumps(1))
        with pytest.raises(PermissionError):
            python_load(path, "pickle")


def test_load_manifest_reads_the_document(tmp_path):
    (tmp_path / "manifest.json").write_text('{"version": 1, "entries": []}')
    assert load_manifest(tmp_path) == {"version": 1, "entries": []}


def test_explanations_name_the_path():
    message = explain_difference({"k": [1, (2, 3)]}, {"k": [1, (2, 4)]})
    assert message is not None and "$['k'][1][1]" in message
    assert "sharing" in explain_difference(*(lambda a: ([a, a], [a, list(a)]))([1]))
    assert explain_difference(io.BytesIO, io.BytesIO) is None
