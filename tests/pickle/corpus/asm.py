"""A tiny pickle assembler: hand-written opcode streams for the hostile and bomb corpora.

Everything here only *writes bytes*; nothing is ever unpickled. Opcode constants come from the stdlib `pickle`
module, so the byte values are CPython's own. Every emitted opcode records its start offset, so a stream can be
cut at each opcode boundary (the truncation cases) and tests can check the layout without a disassembler.
"""

from __future__ import annotations

import pickle
import struct

__all__ = ["Asm", "u64"]


def u64(value: int) -> bytes:
    """Little-endian unsigned 64-bit length field (FRAME, BINBYTES8, BINUNICODE8, BYTEARRAY8)."""
    return struct.pack("<Q", value)


class Asm:
    """Append-only builder of a pickle byte stream; every method returns `self` so calls chain."""

    def __init__(self) -> None:
        self._out = bytearray()
        self.boundaries: list[int] = []

    # ---- low level ----
    def op(self, opcode: bytes, arg: bytes = b"") -> "Asm":
        """One opcode with its raw argument bytes."""
        self.boundaries.append(len(self._out))
        self._out += opcode + arg
        return self

    def raw(self, data: bytes) -> "Asm":
        """Bytes that are not an opcode of their own (garbage, array payloads, spliced streams)."""
        self._out += data
        return self

    def build(self) -> bytes:
        """The stream so far."""
        return bytes(self._out)

    def __len__(self) -> int:
        return len(self._out)

    # ---- framing and protocol ----
    def proto(self, version: int) -> "Asm":
        return self.op(pickle.PROTO, bytes([version]))

    def frame(self, length: int) -> "Asm":
        return self.op(pickle.FRAME, u64(length))

    def stop(self) -> "Asm":
        return self.op(pickle.STOP)

    # ---- stack and memo ----
    def mark(self) -> "Asm":
        return self.op(pickle.MARK)

    def pop(self) -> "Asm":
        return self.op(pickle.POP)

    def pop_mark(self) -> "Asm":
        return self.op(pickle.POP_MARK)

    def dup(self) -> "Asm":
        return self.op(pickle.DUP)

    def memoize(self) -> "Asm":
        return self.op(pickle.MEMOIZE)

    def put(self, index: int) -> "Asm":
        """Text PUT (protocol 0)."""
        return self.op(pickle.PUT, b"%d\n" % index)

    def get(self, index: int) -> "Asm":
        """Text GET (protocol 0)."""
        return self.op(pickle.GET, b"%d\n" % index)

    def binput(self, index: int) -> "Asm":
        if index < 256:
            return self.op(pickle.BINPUT, bytes([index]))
        return self.op(pickle.LONG_BINPUT, struct.pack("<I", index))

    def binget(self, index: int) -> "Asm":
        if index < 256:
            return self.op(pickle.BINGET, bytes([index]))
        return self.op(pickle.LONG_BINGET, struct.pack("<I", index))

    # ---- names and calls ----
    def global_(self, module: str, name: str) -> "Asm":
        """GLOBAL with newline-terminated text operands (any protocol)."""
        return self.op(pickle.GLOBAL, module.encode("utf-8") + b"\n" + name.encode("utf-8") + b"\n")

    def stack_global(self, module: str | None = None, name: str | None = None) -> "Asm":
        """STACK_GLOBAL; with `module`/`name` given, pushes them as str first (each memoized, as CPython does)."""
        if module is not None and name is not None:
            self.unicode(module).memoize().unicode(name).memoize()
        return self.op(pickle.STACK_GLOBAL)

    def inst(self, module: str, name: str) -> "Asm":
        return self.op(pickle.INST, module.encode("utf-8") + b"\n" + name.encode("utf-8") + b"\n")

    def reduce(self) -> "Asm":
        return self.op(pickle.REDUCE)

    def build_op(self) -> "Asm":
        return self.op(pickle.BUILD)

    def obj(self) -> "Asm":
        return self.op(pickle.OBJ)

    def newobj(self) -> "Asm":
        return self.op(pickle.NEWOBJ)

    def newobj_ex(self) -> "Asm":
        return self.op(pickle.NEWOBJ_EX)

    def call(self, module: str, name: str, *args: object, stack: bool = True) -> "Asm":
        """`module.name(*args)`: STACK_GLOBAL (or GLOBAL with `stack=False`), the argument tuple, REDUCE."""
        if stack:
            self.stack_global(module, name)
        else:
            self.global_(module, name)
        return self.value(tuple(args)).reduce()

    # ---- values ----
    def none(self) -> "Asm":
        return self.op(pickle.NONE)

    def bool_(self, value: bool) -> "Asm":
        return self.op(pickle.NEWTRUE if value else pickle.NEWFALSE)

    def int_(self, value: int) -> "Asm":
        if 0 <= value < 256:
            return self.op(pickle.BININT1, bytes([value]))
        if 0 <= value < 65536:
            return self.op(pickle.BININT2, struct.pack("<H", value))
        if -(2**31) <= value < 2**31:
            return self.op(pickle.BININT, struct.pack("<i", value))
        encoded = pickle.encode_long(value)
        if len(encoded) < 256:
            return self.op(pickle.LONG1, bytes([len(encoded)]) + encoded)
        return self.op(pickle.LONG4, struct.pack("<i", len(encoded)) + encoded)

    def unicode(self, text: str) -> "Asm":
        data = text.encode("utf-8", "surrogatepass")
        if len(data) < 256:
            return self.op(pickle.SHORT_BINUNICODE, bytes([len(data)]) + data)
        return self.op(pickle.BINUNICODE, struct.pack("<I", len(data)) + data)

    def bytes_(self, data: bytes) -> "Asm":
        if len(data) < 256:
            return self.op(pickle.SHORT_BINBYTES, bytes([len(data)]) + data)
        return self.op(pickle.BINBYTES, struct.pack("<I", len(data)) + data)

    def string0(self, literal: bytes) -> "Asm":
        """Protocol-0 STRING with `literal` written verbatim between the quotes (escapes are kept as given)."""
        return self.op(pickle.STRING, b"'" + literal + b"'\n")

    def tuple_(self, count: int) -> "Asm":
        """Builds a tuple of the top `count` items (pushing the MARK first is the caller's job for count > 3)."""
        return self.op({0: pickle.EMPTY_TUPLE, 1: pickle.TUPLE1, 2: pickle.TUPLE2, 3: pickle.TUPLE3}[count])

    def value(self, value: object) -> "Asm":
        """Encodes plain data (None, bool, int, str, bytes, tuple, list, dict) with binary opcodes."""
        if value is None:
            return self.none()
        if isinstance(value, bool):
            return self.bool_(value)
        if isinstance(value, int):
            return self.int_(value)
        if isinstance(value, str):
            return self.unicode(value)
        if isinstance(value, bytes):
            return self.bytes_(value)
        if isinstance(value, tuple):
            if len(value) <= 3:
                for item in value:
                    self.value(item)
                return self.tuple_(len(value))
            self.mark()
            for item in value:
                self.value(item)
            return self.op(pickle.TUPLE)
        if isinstance(value, list):
            self.op(pickle.EMPTY_LIST)
            if value:
                self.mark()
                for item in value:
                    self.value(item)
                self.op(pickle.APPENDS)
            return self
        if isinstance(value, dict):
            self.op(pickle.EMPTY_DICT)
            if value:
                self.mark()
                for key, item in value.items():
                    self.value(key)
                    self.value(item)
                self.op(pickle.SETITEMS)
            return self
        raise TypeError(f"Asm.value cannot encode {type(value).__name__}")
