"""Static views of a pickle stream — no object is ever built, nothing is imported.

- `linear_ops`: what `pickletools.genops` (and every genops-based scanner) sees: FRAME ignored, read straight on.
- `discard_view_ops`: a reader that, when an argument runs past the end of the current frame, drops the rest
  of the frame and reads the argument from the bytes after it (the reading the FRAME-straddle case hides its
  call from `pickletools` with).
- `frame_violation`: the first violation of strict framing (an argument crossing a frame end, or a FRAME
  opened before the current one is consumed), as CPython's pure-Python unpickler enforces it.
"""

from __future__ import annotations

import pickletools

__all__ = ["Op", "linear_ops", "discard_view_ops", "frame_violation", "globals_named"]

Op = tuple  # (offset, opcode name, argument)


def linear_ops(data: bytes) -> tuple[list[Op], str | None]:
    """(opcodes pickletools reads, the error it stopped on or None). Reads past STOP only if data remains."""
    ops: list[Op] = []
    try:
        for opcode, arg, pos in pickletools.genops(data):
            ops.append((pos, opcode.name, arg))
    except Exception as error:  # noqa: BLE001 - any parse failure is reported, not raised
        return ops, f"{type(error).__name__}: {error}"
    return ops, None


class _DiscardingReader:
    """Frame buffer + file: an argument longer than what is left of the frame is read from after the frame."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.pos = 0
        self.frame = b""
        self.frame_pos = 0

    def read(self, n: int) -> bytes:
        if self.frame_pos + n <= len(self.frame):
            out = self.frame[self.frame_pos : self.frame_pos + n]
            self.frame_pos += n
            return out
        self.frame, self.frame_pos = b"", 0
        out = self.data[self.pos : self.pos + n]
        self.pos += len(out)
        return out

    def readline(self) -> bytes:
        rest = self.frame[self.frame_pos :]
        newline = rest.find(b"\n")
        if newline >= 0:
            self.frame_pos += newline + 1
            return rest[: newline + 1]
        self.frame, self.frame_pos = b"", 0
        end = self.data.find(b"\n", self.pos)
        end = len(self.data) if end < 0 else end + 1
        out = self.data[self.pos : end]
        self.pos = end
        return out

    def open_frame(self, length: int) -> None:
        self.frame = self.data[self.pos : self.pos + length]
        self.frame_pos = 0
        self.pos += len(self.frame)


def discard_view_ops(data: bytes, limit: int = 100_000) -> tuple[list[Op], str | None]:
    """Opcodes as the discarding frame reader sees them (offset is the opcode index, not a byte offset)."""
    reader = _DiscardingReader(data)
    ops: list[Op] = []
    for index in range(limit):
        code = reader.read(1)
        if not code:
            return ops, "end of data without STOP"
        opcode = pickletools.code2op.get(code.decode("latin-1"))
        if opcode is None:
            return ops, f"unknown opcode {code!r}"
        try:
            arg = opcode.arg.reader(reader) if opcode.arg is not None else None
        except Exception as error:  # noqa: BLE001
            return ops, f"{type(error).__name__}: {error}"
        ops.append((index, opcode.name, arg))
        if opcode.name == "FRAME":
            reader.open_frame(arg)
        if opcode.name == "STOP":
            return ops, None
    return ops, "opcode limit"


def frame_violation(data: bytes) -> str | None:
    """The first strict-framing violation in the (linearly read) stream, or None."""
    frame_end = None
    ops, _ = linear_ops(data)
    ends = [pos for pos, _, _ in ops[1:]]
    if ops:
        ends.append(ops[-1][0] + 1 if ops[-1][1] == "STOP" else len(data))
    for (pos, name, arg), end in zip(ops, ends):
        if frame_end is not None and pos >= frame_end:
            frame_end = None
        if name == "FRAME":
            if frame_end is not None and pos < frame_end:
                return f"FRAME at {pos} opened inside the frame ending at {frame_end}"
            frame_end = end + arg
            continue
        if frame_end is not None and end > frame_end:
            return f"{name} at {pos} ends at {end}, past the frame end {frame_end}"
    return None


def globals_named(ops: list[Op]) -> list[tuple[str, str]]:
    """(module, name) pairs from GLOBAL/INST and from STACK_GLOBAL whose two operands were pushed just before."""
    found = []
    for index, (_, name, arg) in enumerate(ops):
        if name in ("GLOBAL", "INST"):
            module, _, qualname = str(arg).partition(" ")
            found.append((module, qualname))
        elif name == "STACK_GLOBAL":
            operands = [a for _, n, a in ops[:index] if n not in ("MEMOIZE", "BINPUT", "LONG_BINPUT", "PUT")][-2:]
            if len(operands) == 2 and all(isinstance(o, str) for o in operands):
                found.append((operands[0], operands[1]))
    return found


