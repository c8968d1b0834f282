"""The one place that knows how wasmtime-py's component API passes values, and normalises its quirks.

wasmtime-py (>= 39) converts every component value through the C API's `wasmtime_component_val_t`, one
32-byte struct per list element, built and read element by element in Python. For `list<u8>` that costs
about a microsecond per byte, so this module writes and reads byte lists straight into and out of the C
arrays (strided copies at C speed) and converts everything else with wasmtime-py's own code.

Results are normalised here too: records become dicts with snake_case keys (WIT keeps kebab-case), enums
become their case name, options `None` or the value, and a `result<T, E>` becomes an `Outcome` whatever the
Python types of `T` and `E` (wasmtime-py returns the bare value or a `Variant` depending on them).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass
import threading
from typing import Any, Callable, Hashable, Sequence

from wasmtime import Storelike, WasmtimeError  # type: ignore[attr-defined]
from wasmtime import _ffi as ffi
from wasmtime.component import Func, FuncType, Record, ValType

try:
    import numpy as _numpy
except ImportError:  # numpy is optional: memoryview does the same, slower
    _numpy = None  # type: ignore[assignment]

_VAL_SIZE = ctypes.sizeof(ffi.wasmtime_component_val_t)
_PAYLOAD_OFFSET = ffi.wasmtime_component_val_t.of.offset
_KIND_U8 = ffi.WASMTIME_COMPONENT_U8.value
_KIND_LIST = ffi.WASMTIME_COMPONENT_LIST.value
_KIND_RECORD = ffi.WASMTIME_COMPONENT_RECORD.value
_KIND_RESULT = ffi.WASMTIME_COMPONENT_RESULT.value
_KIND_OPTION = ffi.WASMTIME_COMPONENT_OPTION.value
_KIND_ENUM = ffi.WASMTIME_COMPONENT_ENUM.value
_KIND_STRING = ffi.WASMTIME_COMPONENT_STRING.value
_KIND_BOOL = ffi.WASMTIME_COMPONENT_BOOL.value
_NUMPY_MIN_BYTES = 4096  # below this, numpy's per-call overhead costs more than it saves
_UNSIGNED = {
    ffi.WASMTIME_COMPONENT_U16.value: "u16",
    ffi.WASMTIME_COMPONENT_U32.value: "u32",
    ffi.WASMTIME_COMPONENT_U64.value: "u64",
}

@dataclass(frozen=True)
class Constant:
    """An argument that repeats across calls (an options record): lowered once per `key` by the function
    and reused, because wasmtime-py's record conversion costs tens of microseconds per call. `build()`
    makes the Python value on first use."""

    key: Hashable
    build: Callable[[], Any]


@dataclass(frozen=True)
class Outcome:
    """A WIT `result<T, E>`: `ok` says which side `value` is."""

    ok: bool
    value: Any


class GuestFunction:
    """One exported component function with its type, looked up once per process."""

    def __init__(self, name: str, func_type: FuncType) -> None:
        """Remembers the parameter types of `func_type` for `name` (e.g. `codec.decode`)."""
        self.name = name
        self._param_types: list[ValType] = [ty for _, ty in func_type.params]
        self._byte_params = [_is_byte_list(ty) for ty in self._param_types]
        self._has_result = func_type.result is not None
        self._constants: dict[tuple[int, Hashable], Any] = {}
        self._constants_lock = threading.Lock()

    def call(self, store: Storelike, func: Func, args: Sequence[Any]) -> Any:
        """Calls `func` (this function in one instance) and returns the normalised result.

        Raises `wasmtime.WasmtimeError` when the guest traps; callers classify it (see `_runtime`).
        """
        if len(args) != len(self._param_types):
            raise TypeError(f"{self.name} takes {len(self._param_types)} arguments, got {len(args)}")
        params = (ffi.wasmtime_component_val_t * len(args))()
        owned: list[int] = []  # params lowered for this call only (constants stay cached)
        result = ffi.wasmtime_component_val_t()
        try:
            for index, (ty, arg) in enumerate(zip(self._param_types, args)):
                if isinstance(arg, Constant):
                    params[index] = self._constant(store, index, arg)
                    continue
                if self._byte_params[index]:
                    _lower_bytes(arg, params[index])
                else:
                    ty.convert_to_c(store, arg, ctypes.pointer(params[index]))
                owned.append(index)
            error = ffi.wasmtime_component_func_call(
                ctypes.byref(func._func),
                store._context(),
                params,
                len(args),
                ctypes.byref(result) if self._has_result else None,
                1 if self._has_result else 0,
            )
            if error:
                raise WasmtimeError._from_ptr(error)
            if not self._has_result:
                return None
            try:
                return _lift(result)
            finally:
                ffi.wasmtime_component_val_delete(ctypes.byref(result))
        finally:
            for index in owned:
                ffi.wasmtime_component_val_delete(ctypes.byref(params[index]))

    def _constant(self, store: Storelike, index: int, constant: Constant) -> Any:
        """The lowered value of `constant` for parameter `index`, lowered on first use and kept."""
        lowered = self._constants.get((index, constant.key))
        if lowered is None:
            with self._constants_lock:
                lowered = self._constants.get((index, constant.key))
                if lowered is None:
                    if len(self._constants) >= _MAX_CONSTANTS:
                        raise ValueError(f"{self.name}: more than {_MAX_CONSTANTS} distinct constant arguments")
                    lowered = ffi.wasmtime_component_val_t()
                    self._param_types[index].convert_to_c(store, constant.build(), ctypes.pointer(lowered))
                    self._constants[(index, constant.key)] = lowered
        return lowered


# Constants are options records: a handful of distinct ones per process. The cap only guards against a
# caller that would make every call's options unique (their C values are kept for the process's lifetime).
_MAX_CONSTANTS = 4096


def record(**fields: Any) -> Record:
    """A WIT record value: Python keyword names with `_` become the WIT's kebab-case field names."""
    value = Record()
    for name, field in fields.items():
        setattr(value, name.replace("_", "-"), field)
    return value


def _is_byte_list(ty: ValType) -> bool:
    from wasmtime.component import ListType, U8

    return isinstance(ty, ListType) and isinstance(ty.element, U8)


def _lower_bytes(data: Any, out: Any) -> None:
    """Writes `data` as a `list<u8>` value: one val per byte, kind and payload filled by strided copies."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    view = memoryview(data).cast("B")
    count = len(view)
    raw = ffi.wasmtime_component_vallist_t()
    ffi.wasmtime_component_vallist_new_uninit(ctypes.byref(raw), count)
    if count:
        vals = _val_bytes(ctypes.cast(raw.data, ctypes.c_void_p).value, count)
        if _numpy is not None and count > _NUMPY_MIN_BYTES:  # 5-8x faster than memoryview's strided copy
            table = _numpy.frombuffer(vals, dtype=_numpy.uint8).reshape(count, _VAL_SIZE)
            table[:, 0] = _KIND_U8
            table[:, _PAYLOAD_OFFSET] = _numpy.frombuffer(view, dtype=_numpy.uint8)
        else:
            vals[0::_VAL_SIZE] = bytes([_KIND_U8]) * count
            vals[_PAYLOAD_OFFSET::_VAL_SIZE] = view
    out.kind = _KIND_LIST
    out.of.list = raw


def _val_bytes(address: int | None, count: int) -> memoryview:
    if address is None:
        raise MemoryError("wasmtime returned no memory for a list")
    return memoryview((ctypes.c_uint8 * (count * _VAL_SIZE)).from_address(address)).cast("B")


def _name(name: Any) -> str:
    return ctypes.string_at(name.data, name.size).decode("utf-8") if name.size else ""


def _lift(val: Any) -> Any:
    """Reads a component value without taking ownership (the caller deletes the whole tree once)."""
    kind = val.kind
    if kind == _KIND_LIST:
        items = val.of.list
        if items.size == 0:
            return []
        first = items.data[0]
        if first.kind == _KIND_U8:
            return _val_bytes(ctypes.cast(items.data, ctypes.c_void_p).value, items.size)[
                _PAYLOAD_OFFSET::_VAL_SIZE
            ].tobytes()
        return [_lift(items.data[i]) for i in range(items.size)]
    if kind == _KIND_RECORD:
        record = val.of.record
        fields = {}
        for i in range(record.size):
            entry = record.data[i]
            fields[_name(entry.name).replace("-", "_")] = _lift(entry.val)
        return fields
    if kind == _KIND_RESULT:
        result = val.of.result
        return Outcome(bool(result.is_ok), _lift(result.val.contents) if result.val else None)
    if kind == _KIND_OPTION:
        return _lift(val.of.option.contents) if val.of.option else None
    if kind in (_KIND_ENUM, _KIND_STRING):
        return _name(val.of.enumeration if kind == _KIND_ENUM else val.of.string)
    if kind == _KIND_BOOL:
        return bool(val.of.boolean)
    if kind == _KIND_U8:
        return int(val.of.u8)
    field = _UNSIGNED.get(kind)
    if field is None:
        raise TypeError(f"unexpected component value kind {kind} in a wandguard result")
    return int(getattr(val.of, field))

