"""Writes Python objects as the value model (docs/value-model.md §2, msgpack) for `dumps`.

Only exact types of the model are accepted (a subclass could carry behaviour the model cannot); anything
else raises `TypeError` naming the path of the offending value, e.g. `obj['rows'][3]`. Objects reachable
more than once (and cycles) are written once as an anchor and referenced afterwards, so sharing survives.
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import uuid
from typing import Any, Callable

import msgpack  # type: ignore[import-untyped]

from . import _arrays

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1
# Kinds the writers anchor when shared (value-model §2.4); other shared values are simply repeated.
_SHAREABLE = (
    list, tuple, dict, set, frozenset, bytearray, collections.OrderedDict, collections.Counter,
    collections.defaultdict, collections.deque, range, slice, datetime.timezone,
)  # fmt: skip
_BUILTIN_FACTORIES: dict[Any, str] = {t: t.__name__ for t in (list, dict, set, frozenset, tuple, int, float, complex, str, bytes,
                                              bytearray, bool, object)}  # fmt: skip


class _Path:
    """Where a value sits inside the object passed to `dumps` (built lazily: formatted only on errors)."""

    __slots__ = ("parent", "step")

    def __init__(self, parent: _Path | None, step: str) -> None:
        self.parent = parent
        self.step = step

    def __str__(self) -> str:
        steps = []
        node: _Path | None = self
        while node is not None:
            steps.append(node.step)
            node = node.parent
        return "".join(reversed(steps))


def _pack(value: Any) -> bytes:
    packed: bytes = msgpack.packb(value, use_bin_type=True)
    return packed


def _ext(code: int, payload: Any) -> msgpack.ExtType:
    return msgpack.ExtType(code, _pack(payload))


def dumps_value(obj: Any) -> bytes:
    """The msgpack document of `obj`; raises `TypeError` for values the model cannot represent."""
    return _pack(_Writer(_shared_ids(obj)).write(obj, _Path(None, "obj")))


def _shared_ids(root: Any) -> set[int]:
    """Ids of the shareable objects reachable more than once from `root` (iterative: no recursion limit)."""
    seen: set[int] = set()
    shared: set[int] = set()
    stack = [root]
    while stack:
        value = stack.pop()
        if not isinstance(value, _SHAREABLE) and not _is_ndarray(value):
            continue
        if id(value) in seen:
            shared.add(id(value))
            continue
        seen.add(id(value))
        stack.extend(_items_of(value))
    return shared


def _items_of(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [*value.keys(), *value.values()]
    if isinstance(value, (list, tuple, set, frozenset, collections.deque)):
        return list(value)
    if isinstance(value, (range, slice)):
        return [value.start, value.stop, value.step]
    if _is_ndarray(value) and value.dtype.hasobject:
        return list(value.ravel(order="K"))
    return []


def _is_ndarray(value: Any) -> bool:
    return _arrays.numpy is not None and isinstance(value, _arrays.numpy.ndarray)


class _Writer:
    def __init__(self, shared: set[int]) -> None:
        self.shared = shared
        self.anchors: dict[int, int] = {}
        self.keep_alive: list[Any] = []
        self.by_type: dict[type, Callable[[Any, _Path], Any]] = {
            type(None): lambda v, p: v,
            bool: lambda v, p: v,
            float: lambda v, p: v,
            bytes: lambda v, p: v,
            int: lambda v, p: v if _INT64_MIN <= v <= _INT64_MAX else _ext(2, _int_bytes(v)),
            str: _str,
            list: lambda v, p: [self.write(item, _Path(p, f"[{i}]")) for i, item in enumerate(v)],
            tuple: lambda v, p: _ext(3, self.items(v, p)),
            set: lambda v, p: _ext(4, self.items(v, p, "<set item>")),
            frozenset: lambda v, p: _ext(5, self.items(v, p, "<frozenset item>")),
            bytearray: lambda v, p: _ext(6, bytes(v)),
            dict: self.dict_value,
            complex: lambda v, p: _ext(16, [v.real, v.imag]),
            decimal.Decimal: lambda v, p: _ext(17, str(v)),
            fractions.Fraction: lambda v, p: _ext(18, [self.write(v.numerator, p), self.write(v.denominator, p)]),
            uuid.UUID: lambda v, p: _ext(19, v.bytes),
            datetime.date: lambda v, p: _ext(20, [v.year, v.month, v.day]),
            datetime.time: self.time_value,
            datetime.datetime: self.datetime_value,
            datetime.timedelta: lambda v, p: _ext(23, [v.days, v.seconds, v.microseconds]),
            datetime.timezone: self.timezone_value,
            collections.OrderedDict: lambda v, p: _ext(25, self.pairs(v, p)),
            collections.Counter: lambda v, p: _ext(26, self.pairs(v, p)),
            collections.defaultdict: self.defaultdict_value,
            collections.deque: self.deque_value,
            range: lambda v, p: _ext(29, self.bounds(v, p)),
            slice: lambda v, p: _ext(30, self.bounds(v, p)),
        }  # fmt: skip

    def write(self, value: Any, path: _Path) -> Any:
        shared = id(value) in self.shared
        if shared:
            anchor = self.anchors.get(id(value))
            if anchor is not None:
                return _ext(1, anchor)
            anchor = self.anchors[id(value)] = len(self.anchors)
            self.keep_alive.append(value)
        converter = self.by_type.get(type(value))
        if converter is not None:
            written = converter(value, path)
        else:
            written = self.numpy(value, path)
        return _ext(0, [anchor, written]) if shared else written

    def items(self, values: Any, path: _Path, step: str | None = None) -> list[Any]:
        return [self.write(item, _Path(path, step or f"[{i}]")) for i, item in enumerate(values)]

    def bounds(self, value: range | slice, path: _Path) -> list[Any]:
        return [self.write(getattr(value, name), _Path(path, f".{name}")) for name in ("start", "stop", "step")]

    def pairs(self, mapping: dict[Any, Any], path: _Path) -> list[Any]:
        return [[self.write(k, _Path(path, f"<key {k!r}>")), self.write(v, _Path(path, f"[{k!r}]"))]
                for k, v in mapping.items()]  # fmt: skip

    def dict_value(self, mapping: dict[Any, Any], path: _Path) -> Any:
        if all(type(key) is str for key in mapping):
            return {key: self.write(value, _Path(path, f"[{key!r}]")) for key, value in mapping.items()}
        return _ext(7, self.pairs(mapping, path))

    def time_value(self, value: datetime.time, path: _Path) -> Any:
        fields = [value.hour, value.minute, value.second, value.microsecond, bool(value.fold)]
        return _ext(21, fields + self.tzinfo(value.tzinfo, path))

    def datetime_value(self, value: datetime.datetime, path: _Path) -> Any:
        fields = [value.year, value.month, value.day, value.hour, value.minute, value.second, value.microsecond]
        return _ext(22, fields + [bool(value.fold)] + self.tzinfo(value.tzinfo, path))

    def tzinfo(self, tzinfo: Any, path: _Path) -> list[Any]:
        if tzinfo is None:
            return []
        if type(tzinfo) is not datetime.timezone:
            raise TypeError(f"{_Path(path, '.tzinfo')}: tzinfo of type {type(tzinfo).__qualname__} cannot be "
                            "represented (only datetime.timezone)")  # fmt: skip
        return [self.write(tzinfo, _Path(path, ".tzinfo"))]

    def timezone_value(self, value: datetime.timezone, path: _Path) -> Any:
        offset, *name = value.__getinitargs__()  # type: ignore[attr-defined]  # (offset,) or (offset, name)
        return _ext(24, [self.write(offset, _Path(path, ".offset")), *name])

    def defaultdict_value(self, value: collections.defaultdict[Any, Any], path: _Path) -> Any:
        factory = value.default_factory
        if factory is None:
            return _ext(27, [self.pairs(value, path)])
        name = _BUILTIN_FACTORIES.get(factory)
        if name is None:
            raise TypeError(f"{path}.default_factory: {factory!r} is not a builtin type")
        return _ext(27, [self.pairs(value, path), name])

    def deque_value(self, value: collections.deque[Any], path: _Path) -> Any:
        items = self.items(value, path)
        return _ext(28, [items] if value.maxlen is None else [items, value.maxlen])

    def numpy(self, value: Any, path: _Path) -> Any:
        np = _arrays.numpy
        if np is not None:
            if type(value) is np.dtype or isinstance(value, np.dtype):
                return _dtype(value)
            if type(value) is np.ndarray:
                return self.ndarray(value, path)
            if isinstance(value, np.generic) and not value.dtype.hasobject:
                return _ext(34, [_dtype(value.dtype), value.tobytes()])
        raise TypeError(f"{path}: values of type {type(value).__module__}.{type(value).__qualname__} cannot be "
                        "represented by wandguard's value model")  # fmt: skip

    def ndarray(self, array: Any, path: _Path) -> Any:
        fortran = bool(array.flags["F_CONTIGUOUS"] and not array.flags["C_CONTIGUOUS"])
        order = "F" if fortran else "C"
        if array.dtype.hasobject:
            if array.dtype.names:
                raise TypeError(f"{path}: structured arrays with object fields cannot be represented")
            flat = array.ravel(order="C")  # numpy pickles object items in C order, whatever the layout
            data: Any = [self.write(item, _Path(path, f".flat[{i}]")) for i, item in enumerate(flat)]
        else:
            data = array.tobytes(order=order)
        return _ext(33, [_dtype(array.dtype), list(array.shape), fortran, data])


def _dtype(dtype: Any) -> msgpack.ExtType:
    if dtype.subdtype is not None:
        base, shape = dtype.subdtype
        return _ext(32, [dtype.str, [], [_dtype(base), list(shape)]])
    if dtype.names:
        fields = [[name, _dtype(dtype.fields[name][0]), dtype.fields[name][1]] for name in dtype.names]
        return _ext(32, [dtype.str, fields])
    return _ext(32, [dtype.str])


def _str(value: str, path: _Path) -> Any:
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return _ext(8, value.encode("utf-8", "surrogatepass"))
    return value


def _int_bytes(value: int) -> bytes:
    return value.to_bytes((value + (value < 0)).bit_length() // 8 + 1, "big", signed=True)
