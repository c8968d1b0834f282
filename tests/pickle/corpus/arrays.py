"""numpy values for the benign corpus: arrays of many dtypes, byte orders, memory orders and shapes (0-d, empty,
1-D, 3-D, non-contiguous views), structured dtypes, numpy scalars and dtype objects — all from a seeded
generator.
"""

from __future__ import annotations

import numpy as np

from .values import BenignValue

__all__ = ["numpy_values", "STRUCTURED", "joblib_payloads"]

STRUCTURED = np.dtype(
    [
        ("id", "<i4"),
        ("pos", ">f8", (2,)),
        ("name", "S3"),
        ("inner", [("a", "u1"), ("b", "<U2"), ("m", "<i2", (2, 2))]),
    ]
)
ALIGNED = np.dtype([("flag", "?"), ("value", "<f8"), ("tag", "<u2")], align=True)

SIMPLE_DTYPES = [
    "?", "i1", "<i2", "<i4", "<i8", "u1", "<u2", "<u4", "<u8", "<f2", "<f4", "<f8", "<c8", "<c16",
    ">i2", ">i4", ">i8", ">u4", ">f4", ">f8", ">c16",
]


def _fill(rng: np.random.Generator, dtype: np.dtype, count: int) -> np.ndarray:
    """`count` values of `dtype` covering its edges (min/max, NaN/inf/-0 for inexact kinds)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "b":
        return rng.integers(0, 2, count).astype(dtype)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        values = rng.integers(info.min, info.max, count, dtype=dtype.newbyteorder("="), endpoint=True)
        edges = np.array([info.min, info.max, 0], dtype=dtype.newbyteorder("="))[:count]
        values[: len(edges)] = edges
        return values.astype(dtype)
    if dtype.kind == "f":
        values = rng.standard_normal(count).astype(dtype.newbyteorder("="))
        edges = np.array([np.nan, np.inf, -np.inf, -0.0, np.finfo(dtype).max, np.finfo(dtype).smallest_subnormal],
                         dtype=dtype.newbyteorder("="))[:count]
        values[: len(edges)] = edges
        return values.astype(dtype)
    if dtype.kind == "c":
        real = _fill(rng, np.dtype(f"f{dtype.itemsize // 2}"), count)
        values = (real + 1j * rng.standard_normal(count)).astype(dtype.newbyteorder("="))
        return values.astype(dtype)
    raise ValueError(f"no filler for {dtype}")


def _aligned_records() -> np.ndarray:
    """Aligned records have padding; start from zeros so the padding bytes are deterministic."""
    records = np.zeros(2, dtype=ALIGNED)
    records["flag"] = [True, False]
    records["value"] = [1.25, -0.0]
    records["tag"] = [7, 65535]
    return records


def _arrays(rng: np.random.Generator) -> list[tuple[str, object]]:
    out: list[tuple[str, object]] = []
    for code in SIMPLE_DTYPES:
        label = np.dtype(code).str.replace("<", "le_").replace(">", "be_").replace("|", "")
        out.append((f"nd_{label}_1d", _fill(rng, code, 7)))
    block = _fill(rng, "<f8", 24).reshape(2, 3, 4)
    out += [
        ("nd_f8_3d_c", block.copy(order="C")),
        ("nd_f8_3d_f", np.asfortranarray(block)),
        ("nd_i4_be_2d_f", np.asfortranarray(_fill(rng, ">i4", 6).reshape(2, 3))),
        ("nd_f8_0d", np.array(2.5)),
        ("nd_i8_0d", np.array(-7, dtype="<i8")),
        ("nd_f8_empty", np.zeros((0,), dtype="<f8")),
        ("nd_i2_empty_0x3", np.zeros((0, 3), dtype="<i2")),
        ("nd_f4_empty_3x0_f", np.asfortranarray(np.zeros((3, 0), dtype="<f4"))),
        ("nd_view_strided", np.arange(20, dtype="<i4")[::3]),
        ("nd_view_transposed", np.arange(12, dtype="<f8").reshape(3, 4).T),
        ("nd_view_sliced_2d", np.arange(30, dtype="<u2").reshape(5, 6)[1:4, ::2]),
        ("nd_view_reversed", np.arange(5, dtype="<i8")[::-1]),
        ("nd_datetime64_ns", np.array(["2024-01-01T00:00:00.000000001", "NaT", "1970-01-01"], dtype="datetime64[ns]")),
        ("nd_datetime64_d", np.array(["2000-02-29", "1677-09-22"], dtype="datetime64[D]")),
        ("nd_timedelta64_s", np.array([1, -2, "NaT"], dtype="timedelta64[s]")),
        ("nd_unicode_le", np.array(["", "a", "héllo", "😀x"], dtype="<U5")),
        ("nd_unicode_be", np.array(["ab", "€"], dtype=">U3")),
        ("nd_bytes_s4", np.array([b"", b"ab", b"\x00\xffzz"], dtype="S4")),
        ("nd_void_v3", np.array([b"abc", b"\x00\x01\x02"], dtype="V3")),
        ("nd_object", np.array([1, "two", None, [3], {"four": 4.0}, (5,)], dtype=object)),
        ("nd_object_2d_f", np.asfortranarray(np.array([[1, "a"], [None, 2.5]], dtype=object))),
        ("nd_structured", np.array([(1, (1.5, -2.0), b"abc", (7, "xy", [[1, 2], [3, 4]])),
                                    (-2, (np.nan, np.inf), b"", (0, "", [[0, 0], [0, 0]]))], dtype=STRUCTURED)),
        ("nd_structured_aligned", _aligned_records()),
        ("nd_subarray_field_only", np.zeros(2, dtype=[("m", "<f4", (3,))])),
        ("nd_bool_3d_f", np.asfortranarray(rng.integers(0, 2, (2, 2, 3)).astype("?"))),
    ]
    return out


def _scalars() -> list[tuple[str, object]]:
    structured = np.array([(3, (0.5, 1.5), b"xyz", (1, "q", [[1, 1], [2, 2]]))], dtype=STRUCTURED)[0]
    return [
        ("np_float64", np.float64(1.5)),
        ("np_float32_nan", np.float32("nan")),
        ("np_float16", np.float16(0.5)),
        ("np_int64_m1", np.int64(-1)),
        ("np_int8_min", np.int8(-128)),
        ("np_uint8_max", np.uint8(255)),
        ("np_uint64_max", np.uint64(2**64 - 1)),
        ("np_bool", np.bool_(True)),
        ("np_complex128", np.complex128(1 + 2j)),
        ("np_datetime64_ns", np.datetime64("2024-01-01T00:00:00.5", "ns")),
        ("np_timedelta64_s", np.timedelta64(5, "s")),
        ("np_str", np.str_("héllo")),
        ("np_bytes", np.bytes_(b"ab\x00c")),
        ("np_void_structured", structured),
        ("dtype_f8", np.dtype("<f8")),
        ("dtype_i2_be", np.dtype(">i2")),
        ("dtype_u3", np.dtype("<U3")),
        ("dtype_datetime_ns", np.dtype("datetime64[ns]")),
        ("dtype_structured", STRUCTURED),
        ("dtype_object", np.dtype(object)),
    ]


def numpy_values(seed: int) -> list[BenignValue]:
    """Arrays (group `numpy`) and numpy scalars / dtypes (group `numpy-scalar`)."""
    rng = np.random.default_rng(seed)
    out = [BenignValue(n, "numpy", v) for n, v in _arrays(rng)]
    out += [BenignValue(n, "numpy-scalar", v) for n, v in _scalars()]
    mixed = {"weights": np.arange(6, dtype="<f4").reshape(2, 3), "bias": np.float64(0.5),
             "names": ["w", "b"], "meta": {"epoch": 3}}
    out.append(BenignValue("nd_in_container", "numpy", mixed))
    shared = np.arange(3, dtype="<i8")
    out.append(BenignValue("nd_shared_twice", "numpy", [shared, shared]))
    return out


def joblib_payloads(seed: int) -> list[tuple[str, object]]:
    """Dicts holding arrays, as joblib users dump them (one medium-sized float array to make compression real)."""
    rng = np.random.default_rng(seed + 1)
    model = {
        "coef": rng.standard_normal((8, 4)),
        "coef_f": np.asfortranarray(rng.standard_normal((3, 5)).astype(">f4")),
        "intercept": np.zeros(4),
        "classes": np.array(["cat", "dog", "émeu"]),
        "labels": np.arange(10, dtype="<i8"),
        "mask": rng.integers(0, 2, 16).astype("?"),
        "empty": np.zeros((0, 2)),
        "scalar_array": np.array(3.25),
        "objects": np.array([None, "x", 3], dtype=object),
        "record": np.zeros(2, dtype=STRUCTURED),
        "params": {"alpha": 0.1, "fit_intercept": True, "name": "ridge"},
    }
    big = {"series": np.sin(np.linspace(0, 100, 100_000)), "ids": np.arange(100_000, dtype="<i4")}
    plain = {"a": [1, 2, 3], "b": ["x", None], "c": {"d": 1.5, "e": "ü"}}
    return [("model", model), ("big", big), ("plain", plain)]
