"""Helpers for differential tests against CPython (a library; its own tests are in test_differential_helpers.py).

- `python_load(path, loader)`: CPython's value for a benign corpus file, loaded the way its producer intends
  (`joblib.load` for joblib files). Refuses files of the hostile and bomb corpora.
- `equal_with_types(a, b)` / `explain_difference(a, b)`: deep equality that also requires identical types at
  every level (tuple ≠ list, bool ≠ int, OrderedDict ≠ dict, numpy dtype/shape/order/bytes), treats NaN as equal
  to NaN (and -0.0 as different from 0.0), and compares *graphs*: sharing must match (`[a, a]` ≠ `[a, copy(a)]`)
  and cycles terminate. Iterative, so deep values do not hit Python's recursion limit.
- `is_json_plain(value)` / `json_plain(value)` / `json_equal(document, value)`: the JSON view of plain data
  (what `json.dumps` prints), for checking `wandguard decode --to json` on plain payloads.
- `load_manifest(corpus_dir)`: the corpus manifest written by generate_corpus.py.
"""

from __future__ import annotations

import datetime as _dt
import decimal
import fractions
import json
import math
import pickle
import uuid
import warnings
from collections import deque
from pathlib import Path

__all__ = [
    "LOADERS",
    "equal_with_types",
    "explain_difference",
    "is_json_plain",
    "json_equal",
    "json_plain",
    "load_manifest",
    "python_load",
]

LOADERS = ("pickle", "joblib", "dill", "cloudpickle")
_UNLOADABLE_DIRS = ("hostile", "bomb")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

try:  # numpy is optional for the pure-Python parts
    import numpy as _np
except ImportError:  # pragma: no cover - the corpus venv always has numpy
    _np = None


# ---------------------------------------------------------------------------------------------------- loading


def python_load(path, loader: str):
    """CPython's value of the corpus file at `path`, read with `loader` (the manifest's `python` field).

    Files under a `hostile/` or `bomb/` directory are refused: the corpus never loads them.
    """
    path = Path(path)
    if any(part in _UNLOADABLE_DIRS for part in path.parts):
        raise PermissionError(f"refusing to load {path}: hostile and bomb corpus files are never loaded")
    with warnings.catch_warnings():
        # numpy 2 warns when a pickle names its numpy 1.x module paths (numpy.core.*); loading them is the point.
        warnings.filterwarnings("ignore", message=r"numpy\.core", category=DeprecationWarning)
        return _load(path, loader)


def _load(path: Path, loader: str):
    if loader == "pickle":
        with path.open("rb") as handle:
            return pickle.load(handle)
    if loader == "joblib":
        import joblib

        return joblib.load(path)
    if loader == "dill":
        import dill

        with path.open("rb") as handle:
            return dill.load(handle)
    if loader == "cloudpickle":
        import cloudpickle

        with path.open("rb") as handle:
            return cloudpickle.load(handle)
    raise ValueError(f"unknown loader {loader!r}; expected one of {LOADERS}")


def load_manifest(corpus_dir) -> dict:
    """The parsed `manifest.json` of a generated corpus."""
    return json.loads((Path(corpus_dir) / "manifest.json").read_text())


# ---------------------------------------------------------------------------------------------------- equality

_IDENTITY_TRACKED = (list, dict, set, bytearray, deque)


def _same_float(x: float, y: float) -> bool:
    if math.isnan(x) or math.isnan(y):
        return math.isnan(x) and math.isnan(y)
    return x == y and math.copysign(1.0, x) == math.copysign(1.0, y)


def _is_numpy_array(value) -> bool:
    return _np is not None and isinstance(value, _np.ndarray)


def _same_dtype(x, y) -> bool:
    return x == y and x.str == y.str and x.descr == y.descr and x.metadata == y.metadata


class _Comparer:
    """One comparison: the work stack, the identity maps and what keeps transient objects alive."""

    def __init__(self) -> None:
        self.stack: list[tuple[object, object, str]] = []
        self.a_to_b: dict[int, int] = {}
        self.b_to_a: dict[int, int] = {}
        self.seen_pairs: set[tuple[int, int]] = set()
        self.keepalive: list[object] = []

    def push(self, a, b, path: str, transient: bool = False) -> None:
        if transient:
            self.keepalive.append((a, b))
        self.stack.append((a, b, path))

    def run(self, a, b) -> str | None:
        self.push(a, b, "$")
        while self.stack:
            x, y, path = self.stack.pop()
            problem = self.step(x, y, path)
            if problem is not None:
                return problem
        return None

    def _identity(self, x, y, path: str) -> tuple[bool, str | None]:
        """(already compared, problem) for an object whose identity is observable."""
        ix, iy = id(x), id(y)
        mapped_x, mapped_y = self.a_to_b.get(ix), self.b_to_a.get(iy)
        if mapped_x is None and mapped_y is None:
            self.a_to_b[ix] = iy
            self.b_to_a[iy] = ix
            return False, None
        if mapped_x == iy and mapped_y == ix:
            return True, None
        return True, f"{path}: sharing differs (one side reuses an object the other side does not)"

    def step(self, x, y, path: str) -> str | None:
        if type(x) is not type(y):
            return f"{path}: type {type(x).__name__} != {type(y).__name__}"
        if isinstance(x, _IDENTITY_TRACKED) or _is_numpy_array(x) or _has_instance_dict(x):
            done, problem = self._identity(x, y, path)
            if done:
                return problem
        elif isinstance(x, (tuple, frozenset)):
            pair = (id(x), id(y))
            if pair in self.seen_pairs:
                return None
            self.seen_pairs.add(pair)
        return self.compare(x, y, path)

    def compare(self, x, y, path: str) -> str | None:  # noqa: C901 - one dispatch table, kept flat on purpose
        if x is None or isinstance(x, (bool, int, str, bytes, bytearray)):
            return None if x == y else f"{path}: {_short(x)} != {_short(y)}"
        if isinstance(x, float):
            return None if _same_float(x, y) else f"{path}: {x!r} != {y!r}"
        if isinstance(x, complex):
            ok = _same_float(x.real, y.real) and _same_float(x.imag, y.imag)
            return None if ok else f"{path}: {x!r} != {y!r}"
        if isinstance(x, (list, tuple)):
            if len(x) != len(y):
                return f"{path}: length {len(x)} != {len(y)}"
            for index in range(len(x) - 1, -1, -1):
                self.push(x[index], y[index], f"{path}[{index}]")
            return None
        if isinstance(x, deque):
            if x.maxlen != y.maxlen or len(x) != len(y):
                return f"{path}: deque maxlen/length {x.maxlen}/{len(x)} != {y.maxlen}/{len(y)}"
            for index, (p, q) in enumerate(zip(x, y)):
                self.push(p, q, f"{path}[{index}]")
            return None
        if isinstance(x, dict):
            return self._dict(x, y, path)
        if isinstance(x, (set, frozenset)):
            return self._set(x, y, path)
        if isinstance(x, decimal.Decimal):
            return None if str(x) == str(y) else f"{path}: Decimal {x} != {y}"
        if isinstance(x, fractions.Fraction):
            same = (x.numerator, x.denominator) == (y.numerator, y.denominator)
            return None if same else f"{path}: {x} != {y}"
        if isinstance(x, uuid.UUID):
            return None if x.int == y.int else f"{path}: {x} != {y}"
        if isinstance(x, (range, slice)):
            self.push((x.start, x.stop, x.step), (y.start, y.stop, y.step), f"{path}.args", transient=True)
            return None
        if isinstance(x, (_dt.datetime, _dt.time)):
            fields = ("hour", "minute", "second", "microsecond", "fold")
            if isinstance(x, _dt.datetime):
                fields = ("year", "month", "day") + fields
            if [getattr(x, f) for f in fields] != [getattr(y, f) for f in fields]:
                return f"{path}: {x!r} != {y!r}"
            self.push(x.tzinfo, y.tzinfo, f"{path}.tzinfo")
            return None
        if isinstance(x, (_dt.date, _dt.timedelta)):
            return None if x == y else f"{path}: {x!r} != {y!r}"
        if isinstance(x, _dt.timezone):
            self.push(x.__getinitargs__(), y.__getinitargs__(), f"{path}.initargs", transient=True)
            return None
        if _np is not None:
            problem = self._numpy(x, y, path)
            if problem is not NotImplemented:
                return problem
        if _has_instance_dict(x):
            self.push(vars(x), vars(y), f"{path}.__dict__")
            return None
        try:
            same = bool(x == y)
        except Exception as error:  # noqa: BLE001 - any failure to compare is a difference
            return f"{path}: cannot compare {type(x).__name__}: {error}"
        return None if same else f"{path}: {_short(x)} != {_short(y)}"

    def _dict(self, x: dict, y: dict, path: str) -> str | None:
        if len(x) != len(y):
            return f"{path}: {len(x)} keys != {len(y)} keys"
        if hasattr(x, "default_factory") and x.default_factory is not y.default_factory:
            return f"{path}: default_factory {x.default_factory!r} != {y.default_factory!r}"
        for index, ((kx, vx), (ky, vy)) in enumerate(zip(x.items(), y.items())):
            self.push(vx, vy, f"{path}[{_short(kx)}]")
            self.push(kx, ky, f"{path}.keys()[{index}]")
        return None

    def _set(self, x, y, path: str) -> str | None:
        if len(x) != len(y):
            return f"{path}: {len(x)} elements != {len(y)} elements"
        pool = {item: item for item in y}
        unmatched_x = []
        for item in x:
            partner = pool.pop(item, _MISSING)
            if partner is _MISSING:
                unmatched_x.append(item)
            else:
                self.push(item, partner, f"{path}{{{_short(item)}}}")
        remaining = list(pool.values())
        for item in unmatched_x:  # elements not equal to themselves (NaN) or of a different type
            match = next((i for i, other in enumerate(remaining) if explain_difference(item, other) is None), None)
            if match is None:
                return f"{path}: element {_short(item)} has no equal in the other set"
            remaining.pop(match)
        return None

    def _numpy(self, x, y, path: str):
        if isinstance(x, _np.dtype):
            return None if _same_dtype(x, y) else f"{path}: dtype {x!r} != {y!r}"
        if isinstance(x, _np.ndarray):
            if not _same_dtype(x.dtype, y.dtype):
                return f"{path}: dtype {x.dtype!r} != {y.dtype!r}"
            if x.shape != y.shape:
                return f"{path}: shape {x.shape} != {y.shape}"
            for flag in ("C_CONTIGUOUS", "F_CONTIGUOUS"):
                if x.flags[flag] != y.flags[flag]:
                    return f"{path}: {flag} {x.flags[flag]} != {y.flags[flag]}"
            if x.dtype.hasobject:
                if x.dtype.names:
                    return None if x.tolist() == y.tolist() else f"{path}: object records differ"
                flat_x, flat_y = x.ravel(order="C"), y.ravel(order="C")
                for index in range(flat_x.size - 1, -1, -1):
                    self.push(flat_x[index], flat_y[index], f"{path}.flat[{index}]")
                return None
            return None if x.tobytes(order="C") == y.tobytes(order="C") else f"{path}: array bytes differ"
        if isinstance(x, _np.generic):
            if not _same_dtype(x.dtype, y.dtype):
                return f"{path}: scalar dtype {x.dtype!r} != {y.dtype!r}"
            return None if x.tobytes() == y.tobytes() else f"{path}: scalar {x!r} != {y!r}"
        return NotImplemented


_MISSING = object()
_PLAIN_ATOMS = (type(None), bool, int, float, complex, str, bytes, type, type(len))


def _has_instance_dict(value) -> bool:
    return (
        not isinstance(value, _PLAIN_ATOMS)
        and hasattr(value, "__dict__")
        and not callable(value)
        and not isinstance(value, type(math))
    )


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def explain_difference(a, b) -> str | None:
    """None when `a` and `b` are equal with identical types and identical sharing; else where they differ."""
    return _Comparer().run(a, b)


def equal_with_types(a, b) -> bool:
    """Deep, type-exact, sharing-aware equality (see the module docstring)."""
    return explain_difference(a, b) is None


# ---------------------------------------------------------------------------------------------------- JSON view


def is_json_plain(value) -> bool:
    """Whether `value` is plain JSON data that `decode --to json` renders untagged: None, bool, ints of 64 bits,
    finite floats, str without lone surrogates, lists, and dicts with str keys — exact types only (no tuples,
    no dict subclasses), and no cycles (sharing is fine: JSON repeats the value)."""
    try:
        json.dumps(value, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return False
    stack = [value]
    seen: set[int] = set()
    while stack:
        item = stack.pop()
        kind = type(item)
        if item is None or kind is bool:
            continue
        if kind is int:
            if not _INT64_MIN <= item <= _INT64_MAX:
                return False
        elif kind is float:
            if not math.isfinite(item):
                return False
        elif kind is str:
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return False
        elif kind is list or kind is dict:
            if id(item) in seen:
                continue
            seen.add(id(item))
            if kind is dict:
                if any(type(key) is not str for key in item):
                    return False
                stack.extend(item.keys())
                stack.extend(item.values())
            else:
                stack.extend(item)
        else:
            return False
    return True


def json_plain(value):
    """The `json.dumps` view of plain data, parsed back (so it compares with a parsed `--to json` output)."""
    if not is_json_plain(value):
        raise ValueError(f"not plain JSON data: {_short(value)}")
    return json.loads(json.dumps(value, allow_nan=False))


def json_equal(document, value) -> bool:
    """Whether the JSON `document` (text, bytes, or already parsed) equals `json.dumps` of plain `value`, with
    exact types (an int is not a float)."""
    if isinstance(document, (str, bytes, bytearray)):
        document = json.loads(document)
    return equal_with_types(document, json_plain(value))
