"""Bombs (pickle-threats.md §2.2 G, plus degenerate inputs): huge declared lengths, deep nesting, shared-reference
expansion, huge memo indexes, giant integers, stack floods, decompression bombs, truncation, empty input.
Each must be refused fast and with bounded memory (`resource-limit` or `malformed`), never decoded.
"""

from __future__ import annotations

import pickle
import struct

from .asm import Asm, u64
from .compress import deflate_bomb, multistream_bomb
from .hostile import HostileCase

__all__ = ["bomb_cases", "BOMB_DECOMPRESSED_SIZE"]

LIMIT = ["resource-limit", "malformed"]
LIMIT_SCAN = ["incomplete", "malformed"]
BOMB_DECOMPRESSED_SIZE = 1 << 30  # zero bytes inside each compression bomb (plus a 13-byte header and STOP)


def _limit(id_: str, data: bytes, note: str, protocol: int | None = 4, primary: str = "resource-limit",
           **extra) -> HostileCase:
    scan = "incomplete" if primary == "resource-limit" else "malformed"
    return HostileCase(id_, "G", data, primary, scan, note, expect_any=list(LIMIT), scan_any=list(LIMIT_SCAN),
                       protocol=protocol, category="bomb", **extra)


def _declared_lengths() -> list[HostileCase]:
    huge = 1 << 62
    return [
        _limit("binbytes8_2_62", Asm().proto(4).op(pickle.BINBYTES8, u64(huge)).raw(b"x" * 16).stop().build(),
               "BINBYTES8 declaring 2^62 bytes, 17 present"),
        _limit("binunicode8_2_62", Asm().proto(4).op(pickle.BINUNICODE8, u64(huge)).raw(b"x" * 16).stop().build(),
               "BINUNICODE8 declaring 2^62 bytes"),
        _limit("bytearray8_2_62", Asm().proto(5).op(pickle.BYTEARRAY8, u64(huge)).raw(b"x" * 16).stop().build(),
               "BYTEARRAY8 declaring 2^62 bytes", protocol=5),
        _limit("frame_2_62", Asm().proto(4).frame(huge).none().stop().build(), "FRAME declaring 2^62 bytes"),
        _limit("frame_u64_max", Asm().proto(4).frame(2**64 - 1).none().stop().build(), "FRAME declaring 2^64-1 bytes"),
        _limit("binbytes8_u64_max", Asm().proto(4).op(pickle.BINBYTES8, u64(2**64 - 1)).stop().build(),
               "BINBYTES8 declaring 2^64-1 bytes (overflows signed sizes)"),
        _limit("binbytes_4gib", Asm().proto(3).op(pickle.BINBYTES, struct.pack("<I", 0xFFFFFFFF)).stop().build(),
               "BINBYTES declaring 4 GiB", protocol=3),
        _limit("binunicode_4gib", Asm().proto(2).op(pickle.BINUNICODE, struct.pack("<I", 0xFFFFFFFF)).stop().build(),
               "BINUNICODE declaring 4 GiB", protocol=2),
        _limit("binstring_negative", Asm().proto(1).op(pickle.BINSTRING, struct.pack("<i", -1)).stop().build(),
               "BINSTRING with a negative length", protocol=1, primary="malformed"),
        _limit("long4_gigantic_length", Asm().proto(2).op(pickle.LONG4, struct.pack("<i", 0x7FFFFFFF)).raw(b"\x01" * 8)
               .stop().build(), "LONG4 declaring a 2 GiB integer", protocol=2),
        _limit("long4_negative_length", Asm().proto(2).op(pickle.LONG4, struct.pack("<i", -1)).stop().build(),
               "LONG4 with a negative byte count", protocol=2, primary="malformed"),
        _limit("binunicode_1mib_truncated", Asm().proto(2).op(pickle.BINUNICODE, struct.pack("<I", 1 << 20))
               .raw(b"y" * 100).build(), "BINUNICODE declaring 1 MiB with 100 bytes present", protocol=2),
        _limit("frame_beyond_input", Asm().proto(4).frame(1000).none().stop().build(),
               "FRAME declaring 1000 bytes with 2 present"),
    ]


def _nesting() -> list[HostileCase]:
    depth = 1_000_000
    deep_dict_depth = 100_000
    deep_dict = (
        Asm().proto(4).raw((pickle.MARK + pickle.SHORT_BINUNICODE + b"\x01k") * deep_dict_depth)
        .raw(pickle.EMPTY_DICT).raw(pickle.DICT * deep_dict_depth).stop().build()
    )
    return [
        _limit("deep_mark_1e6", Asm().proto(4).raw(pickle.MARK * depth).none().stop().build(),
               "10^6 nested MARKs"),
        _limit("deep_tuple_1e6", Asm().proto(4).op(pickle.EMPTY_TUPLE).raw(pickle.TUPLE1 * depth).stop().build(),
               "a tuple nested 10^6 deep (EMPTY_TUPLE then TUPLE1 x 10^6)"),
        _limit("deep_list_mark_1e6", Asm().proto(2).raw(pickle.MARK * depth).raw(pickle.LIST * depth).stop().build(),
               "a list nested 10^6 deep through MARK ... LIST", protocol=2),
        _limit("deep_dict_1e5", deep_dict, "a dict nested 10^5 deep through MARK key ... DICT"),
        HostileCase("empty_list_1e7", "G", Asm().proto(2).raw(pickle.EMPTY_LIST * 10_000_000).stop().build(),
                    "decode", "clean",
                    "10^7 EMPTY_LIST opcodes left on the stack (STOP returns the last one, as in CPython): 10^7 values "
                    "is within the default limits, so it must decode in bounded memory rather than be refused",
                    expect_any=["decode"], scan_any=["clean"], protocol=2, category="expansion"),
    ]


def _expansion() -> list[HostileCase]:
    laughs = Asm().proto(4).op(pickle.EMPTY_LIST).memoize().binget(0).op(pickle.APPEND)  # memo 0 contains itself
    for level in range(1, 51):
        laughs.op(pickle.EMPTY_LIST).memoize().mark()
        for _ in range(10):
            laughs.binget(level - 1)
        laughs.op(pickle.APPENDS)
    laughs.stop()
    return [
        HostileCase("billion_laughs_memo", "G", laughs.build(), "decode", "clean",
                    "50 levels of lists holding 10 memo GETs of the level below; level 0 contains itself "
                    "(10^50 paths if expanded). Shared references stay shared in the value graph (a DAG), so it "
                    "decodes in ~30 nodes — CPython loads it too; only an expanding consumer would blow up",
                    expect_any=["decode"], scan_any=["clean"], protocol=4, category="expansion"),
        _limit("huge_memo_index", Asm().proto(2).none().binput(0xFFFFFFFF).binget(0xFFFFFFFF).tuple_(2).stop().build(),
               "LONG_BINPUT/LONG_BINGET at 2^32-1 (CPython's C unpickler sizes its memo array by the index)",
               protocol=2),
        _limit("huge_text_put_index", Asm().none().op(pickle.PUT, b"99999999999999999999999\n").stop().build(),
               "text PUT with a 23-digit memo index", protocol=0),
        _limit("long_text_1e6_digits", Asm().op(pickle.LONG, b"9" * 1_000_000 + b"L\n").stop().build(),
               "protocol-0 LONG with 10^6 decimal digits (quadratic conversion; CPython's 4300-digit limit)",
               protocol=0),
        _limit("int_text_1e6_digits", Asm().op(pickle.INT, b"9" * 1_000_000 + b"\n").stop().build(),
               "protocol-0 INT with 10^6 decimal digits", protocol=0),
    ]


def _compression_bombs() -> list[HostileCase]:
    prefix = Asm().proto(4).op(pickle.BINBYTES8, u64(BOMB_DECOMPRESSED_SIZE)).build()
    suffix = pickle.STOP
    out = []
    for method in ("gzip", "zlib"):
        data = deflate_bomb(prefix, BOMB_DECOMPRESSED_SIZE, suffix, method)
        out.append(_limit(f"joblib_{method}_bomb_1gib", data,
                          f"joblib {method} envelope expanding to 1 GiB (about 1030:1, the deflate maximum)",
                          producer="joblib", python="joblib", compress=f"{method}:9", suffix=f".joblib.{method}"))
    for method in ("bz2", "xz", "lz4"):
        data = multistream_bomb(prefix, BOMB_DECOMPRESSED_SIZE, suffix, method)
        out.append(_limit(f"joblib_{method}_bomb_1gib", data,
                          f"joblib {method} envelope of concatenated streams expanding to 1 GiB",
                          producer="joblib", python="joblib", compress=f"{method}:9", suffix=f".joblib.{method}"))
    return out


def _degenerate() -> list[HostileCase]:
    def bad(id_: str, data: bytes, note: str, protocol: int | None = None) -> HostileCase:
        return _limit(id_, data, note, protocol=protocol, primary="malformed")

    return [
        bad("empty_input", b"", "zero bytes"),
        bad("single_proto_byte", pickle.PROTO, "PROTO without its argument"),
        bad("single_stop", pickle.STOP, "STOP on an empty stack", protocol=0),
        bad("single_none_no_stop", pickle.NONE, "NONE and end of data", protocol=0),
        bad("single_frame_byte", pickle.FRAME, "FRAME without its length"),
        bad("unsupported_protocol_6", b"\x80\x06N.", "PROTO 6", protocol=None),
        bad("unknown_opcode", b"\x80\x04\xff.", "opcode 0xff", protocol=4),
        bad("stop_with_mark_only", b"(.", "STOP with only a MARK on the stack", protocol=0),
    ]


def bomb_cases() -> list[HostileCase]:
    """Every bomb and degenerate input."""
    return _declared_lengths() + _nesting() + _expansion() + _compression_bombs() + _degenerate()
