"""Reads the value model (docs/value-model.md §2, msgpack) into Python objects equal to what CPython's
`pickle.loads` returns: typed values, numpy arrays, and under `inspect` the symbolic nodes of `symbolic`.

msgpack's C unpacker does all plain data; only ext types reach Python code (`_ExtReader.hook`), and a
document without any ext never leaves C. Shared nodes (anchor/ref) become the same Python object; a ref to
an anchor that is still being read (a cycle) is a placeholder that is replaced once the anchor's value
exists (`_fix_cycles`).
"""

from __future__ import annotations

import collections
import datetime
import decimal
import fractions
import uuid
from typing import Any, Callable

import msgpack  # type: ignore[import-untyped]

from . import _arrays, symbolic
from .errors import MalformedPayloadError

# Builtin factories a defaultdict may carry (docs/value-model.md §2.3, ext 27).
_FACTORIES: dict[str, type] = {
    t.__name__: t
    for t in (list, dict, set, frozenset, tuple, int, float, complex, str, bytes, bytearray, bool, object)
}


class _Pending:
    """Stands for an anchor whose value is still being read (a reference inside a cycle)."""

    __slots__ = ("anchor",)

    def __init__(self, anchor: int) -> None:
        self.anchor = anchor


def loads_value(document: bytes, native_byte_order: bool) -> Any:
    """Converts one msgpack value-model document into Python objects (`native_byte_order`: see `_arrays`)."""
    reader = _ExtReader(native_byte_order)
    try:
        return reader.unpack(document)
    except MalformedPayloadError:
        raise
    except (ValueError, TypeError, KeyError, IndexError, msgpack.UnpackException, OverflowError) as error:
        raise MalformedPayloadError(f"the sandbox returned an unreadable value: {error}", code="malformed") from None


class _ExtReader:
    def __init__(self, native_byte_order: bool) -> None:
        self.anchors: dict[int, Any] = {}
        self.open_anchors: set[int] = set()
        self.pending: set[int] = set()
        self.handlers: dict[int, Callable[[Any], Any]] = {
            2: lambda v: int.from_bytes(v, "big", signed=True),
            3: tuple,
            4: set,
            5: frozenset,
            6: bytearray,
            7: lambda pairs: {key: value for key, value in pairs},
            8: lambda v: v.decode("utf-8", "surrogatepass"),
            16: lambda v: complex(v[0], v[1]),
            17: decimal.Decimal,
            18: lambda v: fractions.Fraction(v[0], v[1]),
            19: lambda v: uuid.UUID(bytes=v),
            20: lambda v: datetime.date(*v),
            21: _time,
            22: _datetime,
            23: lambda v: datetime.timedelta(days=v[0], seconds=v[1], microseconds=v[2]),
            24: lambda v: datetime.timezone(*v),
            25: lambda pairs: collections.OrderedDict(pairs),
            26: _counter,
            27: _defaultdict,
            28: lambda v: collections.deque(v[0], *v[1:]),
            29: lambda v: range(*v),
            30: lambda v: slice(*v),
            32: _arrays.dtype_from_model,
            33: lambda v: _arrays.array_from_model(v, native_byte_order),
            34: _arrays.scalar_from_model,
            48: lambda v: symbolic.Global(*v),
            49: lambda v: symbolic.Call(*v),
            50: lambda v: symbolic.New(*v),
            51: lambda v: symbolic.Build(*v),
            52: lambda v: symbolic.Mutate(*v),
            53: symbolic.PersistentRef,
            54: symbolic.ExtRef,
            55: lambda v: symbolic.OutOfBandBuffer(*v),
            56: symbolic.Unresolvable,
        }

    def unpack(self, data: bytes) -> Any:
        return msgpack.unpackb(data, ext_hook=self.hook, strict_map_key=False, raw=False)

    def hook(self, code: int, data: bytes) -> Any:
        if code == 1:
            anchor = self.unpack(data)
            if anchor in self.open_anchors:
                self.pending.add(anchor)
                return _Pending(anchor)
            if anchor not in self.anchors:
                raise MalformedPayloadError(f"reference to unknown anchor {anchor}", code="malformed")
            return self.anchors[anchor]
        if code == 0:
            return self.anchor(data)
        handler = self.handlers.get(code)
        if handler is None:
            raise MalformedPayloadError(f"unknown ext type {code} in the value", code="malformed")
        return handler(self.unpack(data))

    def anchor(self, data: bytes) -> Any:
        unpacker = msgpack.Unpacker(ext_hook=self.hook, strict_map_key=False, raw=False)
        unpacker.feed(data)
        length = unpacker.read_array_header()
        anchor = unpacker.unpack()
        if length != 2 or not isinstance(anchor, int) or anchor in self.anchors or anchor in self.open_anchors:
            raise MalformedPayloadError(f"bad anchor {anchor!r}", code="malformed")
        self.open_anchors.add(anchor)
        value = unpacker.unpack()
        self.open_anchors.discard(anchor)
        if anchor in self.pending:
            self.pending.discard(anchor)
            value = _fix_cycles(value, anchor, self.anchors)
        self.anchors[anchor] = value
        return value


def _time(v: list[Any]) -> datetime.time:
    return datetime.time(v[0], v[1], v[2], v[3], tzinfo=v[5] if len(v) > 5 else None, fold=int(v[4]))


def _datetime(v: list[Any]) -> datetime.datetime:
    year, month, day, hour, minute, second, microsecond = v[:7]
    tzinfo = v[8] if len(v) > 8 else None
    return datetime.datetime(year, month, day, hour, minute, second, microsecond, tzinfo=tzinfo, fold=int(v[7]))


def _counter(pairs: list[Any]) -> collections.Counter[Any]:
    counter: collections.Counter[Any] = collections.Counter()
    for key, value in pairs:
        counter[key] = value
    return counter


def _defaultdict(v: list[Any]) -> collections.defaultdict[Any, Any]:
    factory = None
    if len(v) > 1:
        factory = _FACTORIES.get(v[1])
        if factory is None:
            raise MalformedPayloadError(f"defaultdict factory {v[1]!r} is not a builtin type", code="malformed")
    result: collections.defaultdict[Any, Any] = collections.defaultdict(factory)
    for key, value in v[0]:
        result[key] = value
    return result


def _fix_cycles(root: Any, anchor: int, anchors: dict[int, Any]) -> Any:
    """Replaces the placeholders of `anchor` inside `root` by `root` itself. Mutable containers are patched
    in place; immutable ones (tuples, frozensets, ...) that hold a placeholder are rebuilt, and every anchor
    that pointed to a rebuilt object is updated."""
    rebuilt: dict[int, Any] = {}

    def resolve(value: Any) -> Any:
        if isinstance(value, _Pending):
            return root if value.anchor == anchor else value  # an outer anchor, fixed when it closes
        return rebuilt.get(id(value), value)

    order = _containers_postorder(root)
    for node in order:
        replacement = _patched(node, resolve)
        if replacement is not node:
            rebuilt[id(node)] = replacement
    if id(root) in rebuilt:
        raise MalformedPayloadError("a cycle through an immutable value only", code="malformed")
    for key, value in list(anchors.items()):
        if id(value) in rebuilt:
            anchors[key] = rebuilt[id(value)]
    return root


def _children(node: Any) -> list[Any]:
    if isinstance(node, dict):
        return [*node.keys(), *node.values()]
    if isinstance(node, (list, tuple, set, frozenset, collections.deque)):
        return list(node)
    if isinstance(node, symbolic.Node):
        return node.children()
    return []


def _containers_postorder(root: Any) -> list[Any]:
    seen: set[int] = set()
    order: list[Any] = []
    stack: list[tuple[Any, bool]] = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if expanded:
            order.append(node)
            continue
        if id(node) in seen or not _children(node):
            continue
        seen.add(id(node))
        stack.append((node, True))
        stack.extend((child, False) for child in _children(node))
    return order


def _patched(node: Any, resolve: Callable[[Any], Any]) -> Any:
    if isinstance(node, list):
        node[:] = [resolve(item) for item in node]
    elif isinstance(node, collections.deque):
        items = [resolve(item) for item in node]
        node.clear()
        node.extend(items)
    elif isinstance(node, dict):
        items = [(resolve(key), resolve(value)) for key, value in node.items()]
        node.clear()
        node.update(items)
    elif isinstance(node, set):
        items = [resolve(item) for item in node]
        node.clear()
        node.update(items)
    elif isinstance(node, symbolic.Node):
        node.replace_children(resolve)
    elif isinstance(node, (tuple, frozenset)):
        items = [resolve(item) for item in node]
        if any(new is not old for new, old in zip(items, node)):
            return type(node)(items)
    return node
