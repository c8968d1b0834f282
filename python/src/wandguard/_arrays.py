"""numpy values of the value model (ext 32 dtype, 33 ndarray, 34 scalar).

With numpy importable they become real `numpy.dtype` / `numpy.ndarray` / numpy scalars, equal to what
`pickle.loads` gives (arrays are writable, in the payload's C or Fortran order). Without numpy they become
the read-only views below, which keep everything needed to rebuild the array later.

Two CPython behaviours the value model does not record are reproduced here: arrays restored through
`ndarray.__setstate__` (pickle protocols 0-4) and by joblib come back in native byte order, while
protocol 5's `_frombuffer` keeps the stored order (`native_byte_order`); and object arrays list their items
in C order whatever `fortran_order` says (it only sets the memory layout), as numpy pickles them.
"""

from __future__ import annotations

from dataclasses import dataclass
from math import prod
from typing import Any, Literal

try:
    import numpy as numpy
except ImportError:  # numpy is optional
    numpy = None  # type: ignore[assignment]


@dataclass(frozen=True)
class DTypeView:
    """A numpy dtype without numpy: array-protocol `typestr` (e.g. `<f8`), structured `fields`
    (`(name, DTypeView, offset)` triples) and `subarray` (`(DTypeView, shape)`)."""

    typestr: str
    fields: tuple[tuple[str, DTypeView, int], ...] = ()
    subarray: tuple[DTypeView, tuple[int, ...]] | None = None


@dataclass(frozen=True)
class ArrayView:
    """A numpy array without numpy, read-only: `data` is the raw element bytes (in `fortran_order` when
    set) or, for object arrays (`|O`), the tuple of items; `memoryview()` gives a typed view for simple
    dtypes."""

    dtype: DTypeView
    shape: tuple[int, ...]
    fortran_order: bool
    data: bytes | tuple[Any, ...]

    def memoryview(self) -> memoryview:
        """The elements as a read-only memoryview of the array's shape (simple native-order dtypes only)."""
        if not isinstance(self.data, bytes):
            raise TypeError("object arrays have no buffer")
        code = _STRUCT_CODES.get(self.dtype.typestr)
        if code is None:
            raise TypeError(f"no memoryview format for dtype {self.dtype.typestr}")
        view: memoryview = memoryview(self.data)
        if self.fortran_order or not self.shape:
            return view.cast(code)  # type: ignore[call-overload,no-any-return]
        return view.cast(code, self.shape)  # type: ignore[call-overload,no-any-return]


@dataclass(frozen=True)
class ScalarView:
    """A numpy scalar without numpy: its dtype and raw bytes."""

    dtype: DTypeView
    data: bytes


_STRUCT_CODES = {
    "<f8": "d", "<f4": "f", "<i8": "q", "<i4": "i", "<i2": "h", "|i1": "b",
    "<u8": "Q", "<u4": "I", "<u2": "H", "|u1": "B", "|b1": "?",
}


def dtype_from_model(v: list[Any]) -> Any:
    """ext 32 `[typestr, fields?, subarray?]`."""
    typestr = v[0]
    fields = v[1] if len(v) > 1 else []
    subarray = v[2] if len(v) > 2 else None
    if numpy is None:
        return DTypeView(
            typestr,
            tuple((name, dt, offset) for name, dt, offset in fields),
            (subarray[0], tuple(subarray[1])) if subarray else None,
        )
    if subarray:
        return numpy.dtype((subarray[0], tuple(subarray[1])))
    if fields:
        return numpy.dtype(
            {
                "names": [name for name, _, _ in fields],
                "formats": [dt for _, dt, _ in fields],
                "offsets": [offset for _, _, offset in fields],
                "itemsize": numpy.dtype(typestr).itemsize,
            }
        )
    return numpy.dtype(typestr)


def array_from_model(v: list[Any], native_byte_order: bool) -> Any:
    """ext 33 `[dtype, shape, fortran_order, data]`; `native_byte_order` converts the elements to the
    machine's byte order as CPython does for protocols 0-4 and joblib."""
    dtype, shape, fortran_order, data = v
    shape = tuple(shape)
    if numpy is None:
        return ArrayView(dtype, shape, bool(fortran_order), data if isinstance(data, bytes) else tuple(data))
    order: Literal["C", "F"] = "F" if fortran_order else "C"
    if isinstance(data, list):
        return numpy.asarray(_object_items(data).reshape(shape), order=order)
    if len(data) != prod(shape) * dtype.itemsize:
        raise ValueError(f"ndarray data has {len(data)} bytes, expected {prod(shape) * dtype.itemsize}")
    flat = numpy.frombuffer(bytearray(data), dtype=dtype) if data else numpy.empty(0, dtype=dtype)
    array = flat.reshape(shape, order=order)
    if native_byte_order and not dtype.isnative and dtype.names is None and dtype.subdtype is None:
        array = array.astype(dtype.newbyteorder("="), order="K")
    return array


def _object_items(items: list[Any]) -> Any:
    """A flat object array holding `items` as they are (numpy would unpack sequences into dimensions)."""
    array = numpy.empty(len(items), dtype=object)
    for index, item in enumerate(items):
        array[index] = item
    return array


def scalar_from_model(v: list[Any]) -> Any:
    """ext 34 `[dtype, data]`."""
    dtype, data = v
    if numpy is None:
        return ScalarView(dtype, data)
    return numpy.frombuffer(data, dtype=dtype)[0]
