"""The benign value set: scalars and their edge values, text, bytes, containers, shared and recursive
structures, and every type the decoder's recognizers know (DESIGN §4), each under a stable name.

Values are rebuilt on every call (so shared/recursive ones are fresh) and depend only on `seed`.
"""

from __future__ import annotations

import random
import struct
import uuid
from collections import Counter, OrderedDict, defaultdict, deque
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from fractions import Fraction

__all__ = ["BenignValue", "benign_values"]

MIB = 1 << 20


class BenignValue:
    """A named value of the benign corpus and the family it belongs to (the manifest's `group`)."""

    __slots__ = ("name", "group", "value", "protocols")

    def __init__(self, name: str, group: str, value: object, protocols: tuple[int, ...] = (0, 1, 2, 3, 4, 5)):
        self.name = name
        self.group = group
        self.value = value
        self.protocols = protocols


def _float_bits(bits: int) -> float:
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def _scalars() -> list[tuple[str, object]]:
    ints = {
        "0": 0, "1": 1, "m1": -1, "255": 255, "256": 256, "65535": 65535, "65536": 65536,
        "2_31": 2**31, "2_31_m1": 2**31 - 1, "m2_31": -(2**31), "m2_31_m1": -(2**31) - 1,
        "2_63": 2**63, "2_63_m1": 2**63 - 1, "m2_63": -(2**63), "m2_63_m1": -(2**63) - 1,
        "2_64": 2**64, "2_64_m1": 2**64 - 1, "m2_64": -(2**64),
        "2_1000": 2**1000, "m2_1000": -(2**1000), "2_1000_p1": 2**1000 + 1,
    }
    floats = {
        "0": 0.0, "m0": -0.0, "1_5": 1.5, "m2_5": -2.5, "0_1": 0.1, "1e16": 1e16, "1e22": 1e22,
        "nan": float("nan"), "nan_payload": _float_bits(0x7FF8000000000001), "neg_nan": -float("nan"),
        "inf": float("inf"), "minf": float("-inf"),
        "subnormal_min": 5e-324, "subnormal_max": _float_bits(0x000FFFFFFFFFFFFF), "normal_min": 2.2250738585072014e-308,
        "max": 1.7976931348623157e308, "mmax": -1.7976931348623157e308, "third": 1 / 3,
    }
    out: list[tuple[str, object]] = [("none", None), ("true", True), ("false", False)]
    out += [(f"int_{k}", v) for k, v in ints.items()]
    out += [(f"float_{k}", v) for k, v in floats.items()]
    return out


def _text(rng: random.Random) -> list[tuple[str, object]]:
    return [
        ("str_empty", ""),
        ("str_ascii", "hello world"),
        ("str_latin1", "café naïve ÿ"),
        ("str_bmp", "€ 中文 Ελληνικά"),
        ("str_astral", "😀𝄞\U0010ffff"),
        ("str_nul", "a\x00b\x00"),
        ("str_controls", "tab\tnew\nline\rcr\x1asub\\back'quote\"dq"),
        ("str_backslash_u", "\\u0041 is not A"),
        ("str_lone_high_surrogate", "\ud800"),
        ("str_lone_low_surrogate", "x\udfffy"),
        ("str_surrogate_pair_unpaired_form", "\ud83d\ude00"),
        ("str_255_bytes", "é" * 127 + "a"),
        ("str_256_bytes", "é" * 128),
        ("str_long", "".join(rng.choice("abcdefghij€😀") for _ in range(100_000))),
        ("bytes_empty", b""),
        ("bytes_all_values", bytes(range(256))),
        ("bytes_255", b"b" * 255),
        ("bytes_256", b"b" * 256),
        ("bytes_1mib", rng.randbytes(MIB)),
        ("bytearray_empty", bytearray()),
        ("bytearray_small", bytearray(b"\x00abc\xff")),
        ("bytearray_1mib", bytearray(rng.randbytes(MIB))),
    ]


def _containers() -> list[tuple[str, object]]:
    nested = [0]
    for depth in range(1, 100):
        nested = [depth, nested]
    return [
        ("list_empty", []),
        ("tuple_empty", ()),
        ("dict_empty", {}),
        ("set_empty", set()),
        ("frozenset_empty", frozenset()),
        ("list_mixed", [None, True, 1, 2.5, "s", b"b", (1,), [2], {"k": 3}]),
        ("tuple_1", (1,)),
        ("tuple_2", (1, "2")),
        ("tuple_3", (1, "2", 3.0)),
        ("tuple_4", (1, "2", 3.0, None)),
        ("tuple_nested", ((), ((),), (((),),))),
        ("dict_str_keys", {"a": 1, "b": [1, 2], "c": {"d": None}}),
        ("dict_nonstr_keys", {1: "int", 2.5: "float", None: "none", False: "bool", (1, 2): "tuple", b"k": "bytes",
                              frozenset({1}): "frozenset"}),
        ("list_1000", list(range(1000))),
        ("list_1001", list(range(1001))),
        ("dict_1001", {f"k{i}": i for i in range(1001)}),
        ("set_ints", {3, 1, 2, 2**70, -5}),
        ("set_mixed", {"a", (1, 2), 3.5, None, b"x"}),
        ("set_1001", set(range(1001))),
        ("frozenset_mixed", frozenset({"b", 1, (2,)})),
        ("nested_list_100", nested),
        ("dagster_like", {"run_id": "abc123", "metrics": {"loss": 0.25, "acc": [0.5, 0.75]}, "tags": ["a", "b"],
                          "step": 10, "ok": True, "note": None}),
    ]


def _shared_and_recursive() -> list[tuple[str, object]]:
    shared_list = [1, 2]
    shared_dict = {"k": [3]}
    shared_tuple = (1, [2])
    shared_str = "shared string " * 4
    self_list: list = []
    self_list.append(self_list)
    self_dict: dict = {}
    self_dict["self"] = self_dict
    a: list = []
    b = [a]
    a.append(b)
    via_tuple = ([],)
    via_tuple[0].append(via_tuple)
    dict_list_cycle: dict = {"items": []}
    dict_list_cycle["items"].append(dict_list_cycle)
    self_odict: OrderedDict = OrderedDict()
    self_odict["me"] = self_odict
    return [
        ("shared_list_twice", [shared_list, shared_list]),
        ("shared_dict_values", {"x": shared_dict, "y": shared_dict, "z": [shared_dict]}),
        ("shared_tuple", (shared_tuple, shared_tuple)),
        ("shared_str", [shared_str, shared_str]),
        ("shared_bytearray", (bytearray(b"ab"),) * 2),
        ("recursive_list", self_list),
        ("recursive_dict", self_dict),
        ("recursive_mutual", a),
        ("recursive_through_tuple", via_tuple),
        ("recursive_dict_list", dict_list_cycle),
        ("recursive_ordereddict", self_odict),
    ]


def _recognized() -> list[tuple[str, object]]:
    utc = timezone.utc
    ist = timezone(timedelta(hours=5, minutes=30))
    est = timezone(timedelta(hours=-5), "EST")
    far_east = timezone(timedelta(hours=23, minutes=59))
    far_west = timezone(-timedelta(hours=23, minutes=59), "W")
    return [
        ("complex_simple", complex(1, 2)),
        ("complex_edges", complex(-0.0, float("nan"))),
        ("complex_inf", complex(float("inf"), float("-inf"))),
        ("decimal_1_10", Decimal("1.10")),
        ("decimal_neg_zero", Decimal("-0")),
        ("decimal_nan", Decimal("NaN")),
        ("decimal_snan", Decimal("sNaN")),
        ("decimal_inf", Decimal("Infinity")),
        ("decimal_minf", Decimal("-Infinity")),
        ("decimal_big_exp", Decimal("1E+1000")),
        ("decimal_small", Decimal("-123.456E-7")),
        ("fraction_third", Fraction(1, 3)),
        ("fraction_neg", Fraction(-7, 2)),
        ("fraction_big", Fraction(2**100, 3)),
        ("uuid_fixed", uuid.UUID("12345678-1234-5678-1234-567812345678")),
        ("uuid_zero", uuid.UUID(int=0)),
        ("uuid_max", uuid.UUID(int=2**128 - 1)),
        ("date_min", date.min),
        ("date_max", date.max),
        ("date_leap", date(2024, 2, 29)),
        ("time_midnight", time(0, 0)),
        ("time_max", time.max),
        ("time_utc", time(12, 30, tzinfo=utc)),
        ("time_fold", time(1, 2, 3, fold=1)),
        ("time_named_tz", time(4, 5, 6, 7, tzinfo=est)),
        ("datetime_naive", datetime(2024, 5, 17, 13, 45, 30, 123456)),
        ("datetime_min", datetime.min),
        ("datetime_max", datetime.max),
        ("datetime_utc", datetime(2000, 1, 1, tzinfo=utc)),
        ("datetime_ist", datetime(2021, 6, 1, 8, 0, tzinfo=ist)),
        ("datetime_named", datetime(1999, 12, 31, 23, 59, 59, tzinfo=est)),
        ("datetime_far_east", datetime(2020, 1, 1, tzinfo=far_east)),
        ("datetime_far_west", datetime(2020, 1, 1, tzinfo=far_west)),
        ("datetime_fold", datetime(2021, 11, 7, 1, 30, fold=1)),
        ("timedelta_zero", timedelta(0)),
        ("timedelta_max", timedelta.max),
        ("timedelta_min", timedelta.min),
        ("timedelta_micro", timedelta(microseconds=1)),
        ("timedelta_negative", timedelta(days=-1, seconds=1)),
        ("timezone_utc", utc),
        ("timezone_offset", timezone(timedelta(hours=2))),
        ("timezone_named", timezone(timedelta(hours=-3, minutes=-30), "NST")),
        ("timezone_micro", timezone(timedelta(microseconds=1))),
        ("ordereddict", OrderedDict([("b", 1), ("a", 2), ("c", [3])])),
        ("ordereddict_empty", OrderedDict()),
        ("counter", Counter("abracadabra")),
        ("counter_negative", Counter({"x": -2, "y": 0, 3: 7})),
        ("defaultdict_list", defaultdict(list, {"a": [1], "b": []})),
        ("defaultdict_int", defaultdict(int, {"n": 3})),
        ("defaultdict_set", defaultdict(set, {"s": {1, 2}})),
        ("defaultdict_dict", defaultdict(dict, {"d": {"e": 1}})),
        ("defaultdict_none", defaultdict(None, {"x": 1})),
        ("deque", deque([1, "two", 3.0])),
        ("deque_maxlen", deque([1, 2, 3], maxlen=5)),
        ("deque_maxlen_0", deque([], maxlen=0)),
        ("range_simple", range(10)),
        ("range_step", range(-5, 5, 2)),
        ("range_empty", range(0)),
        ("range_big", range(2**70, 2**71, 2**60)),
        ("slice_full", slice(1, 10, 2)),
        ("slice_none", slice(None)),
        ("slice_mixed", slice("a", None, 3)),
        ("kitchen_sink", {"when": datetime(2024, 1, 2, 3, 4, 5, tzinfo=utc), "amount": Decimal("9.99"),
                          "ratio": Fraction(3, 4), "id": uuid.UUID(int=42), "tags": {"x", "y"},
                          "hist": Counter([1, 1, 2]), "order": OrderedDict(a=1), "span": range(3),
                          "z": 1j, "window": deque([1], maxlen=3), "by": defaultdict(list, {"k": [1]})}),
    ]


def benign_values(seed: int) -> list[BenignValue]:
    """Every plain/recognized value of the benign corpus (numpy values live in `arrays`)."""
    rng = random.Random(seed)
    out = [BenignValue(n, "scalar", v) for n, v in _scalars()]
    out += [BenignValue(n, "text", v) for n, v in _text(rng)]
    out += [BenignValue(n, "container", v) for n, v in _containers()]
    out += [BenignValue(n, "shared", v) for n, v in _shared_and_recursive()]
    out += [BenignValue(n, "recognized", v) for n, v in _recognized()]
    return out
