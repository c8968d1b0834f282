"""joblib's compressed envelopes around arbitrary bytes, and decompression bombs built without ever holding the
decompressed data in memory.

`joblib_envelope` uses joblib's own compressor file objects, so a hand-assembled pickle gets exactly the
container `joblib.dump(..., compress=(method, level))` would write (joblib sniffs it by these magic prefixes).
"""

from __future__ import annotations

import bz2
import io
import lzma
import struct
import zlib

__all__ = ["COMPRESSORS", "MAGIC", "joblib_envelope", "deflate_bomb", "multistream_bomb", "stream_decompress"]

COMPRESSORS = ("zlib", "gzip", "bz2", "lzma", "xz", "lz4")
MAGIC = {
    "zlib": b"\x78",
    "gzip": b"\x1f\x8b",
    "bz2": b"BZ",
    "lzma": b"\x5d\x00",
    "xz": b"\xfd\x37\x7a\x58\x5a",
    "lz4": b"\x04\x22\x4d\x18",
}
_CHUNK = 1 << 20


class _KeepOpen(io.BytesIO):
    """A BytesIO that survives its compressor wrapper closing it."""

    def close(self) -> None:  # noqa: D401 - keep the buffer readable after the wrapper closes
        pass


def joblib_envelope(raw: bytes, method: str, level: int) -> bytes:
    """`raw` (a pickle stream) compressed the way joblib writes `compress=(method, level)`."""
    from joblib.compressor import _COMPRESSORS

    sink = _KeepOpen()
    compressed = _COMPRESSORS[method].compressor_file(sink, compresslevel=level)
    compressed.write(raw)
    compressed.close()
    return sink.getvalue()


def deflate_bomb(prefix: bytes, zero_count: int, suffix: bytes, container: str) -> bytes:
    """A zlib or gzip stream of `prefix + zero_count zero bytes + suffix`, built from one compressed zero block
    repeated (deflate blocks after a full flush are independent) with the checksum trailer computed over the
    whole content. `zero_count` must be a multiple of 1 MiB. About 1 KiB of output per MiB of zeros."""
    if zero_count % _CHUNK:
        raise ValueError("zero_count must be a multiple of 1 MiB")
    wbits = {"zlib": 15, "gzip": 31}[container]
    compressor = zlib.compressobj(9, zlib.DEFLATED, wbits)
    zeros = bytes(_CHUNK)
    head = compressor.compress(prefix) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    again = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    if block != again:
        raise RuntimeError("zlib did not reset its state at a full flush")
    tail = compressor.compress(suffix) + compressor.flush(zlib.Z_FINISH)
    blocks = zero_count // _CHUNK
    checksum = zlib.crc32(prefix) if container == "gzip" else zlib.adler32(prefix)
    update = zlib.crc32 if container == "gzip" else zlib.adler32
    for _ in range(blocks):
        checksum = update(zeros, checksum)
    checksum = update(suffix, checksum)
    if container == "gzip":
        size = (len(prefix) + zero_count + len(suffix)) & 0xFFFFFFFF
        trailer = struct.pack("<II", checksum, size)
    else:
        trailer = struct.pack(">I", checksum)
    return head + block * blocks + tail[: -len(trailer)] + trailer


def multistream_bomb(prefix: bytes, zero_count: int, suffix: bytes, container: str, piece: int = 8 * _CHUNK) -> bytes:
    """`prefix + zeros + suffix` as concatenated bz2 / xz streams or lz4 frames (all legal, and read whole by
    joblib's decompressor files): one compressed `piece` of zeros repeated. `zero_count` must be a multiple of
    `piece`."""
    if zero_count % piece or zero_count < 2 * piece:
        raise ValueError("zero_count must be a multiple of piece, at least two pieces")
    compress = _one_shot(container)
    zeros = bytes(piece)
    first = compress(prefix + zeros)
    middle = compress(zeros)
    last = compress(zeros + suffix)
    return first + middle * (zero_count // piece - 2) + last


def _one_shot(container: str):
    if container == "bz2":
        return lambda data: bz2.compress(data, 9)
    if container == "xz":
        return lambda data: lzma.compress(data, format=lzma.FORMAT_XZ, preset=6)
    if container == "lz4":
        import lz4.frame

        return lambda data: lz4.frame.compress(data, compression_level=9)
    raise ValueError(f"no multi-stream form for {container}")


def stream_decompress(data: bytes, container: str, limit: int) -> tuple[bytes, int]:
    """(first `limit` decompressed bytes, total decompressed size), without holding more than a chunk at a time;
    handles concatenated streams/members/frames the way joblib's readers do."""
    if container in ("zlib", "gzip"):
        reader = _ZlibReader(data, {"zlib": 15, "gzip": 31}[container])
    elif container == "bz2":
        reader = bz2.BZ2File(io.BytesIO(data), "rb")
    elif container in ("xz", "lzma"):
        reader = lzma.LZMAFile(io.BytesIO(data), "rb")
    elif container == "lz4":
        import lz4.frame

        reader = lz4.frame.LZ4FrameFile(io.BytesIO(data), "rb")
    else:
        raise ValueError(f"unknown container {container}")
    head = bytearray()
    total = 0
    while True:
        chunk = reader.read(_CHUNK)
        if not chunk:
            break
        if len(head) < limit:
            head += chunk[: limit - len(head)]
        total += len(chunk)
    return bytes(head), total


class _ZlibReader:
    """Chunked reader over one zlib/gzip stream (bounded output per call)."""

    def __init__(self, data: bytes, wbits: int) -> None:
        self._decompressor = zlib.decompressobj(wbits)
        self._pending = data

    def read(self, size: int) -> bytes:
        out = self._decompressor.decompress(self._pending, size)
        self._pending = self._decompressor.unconsumed_tail
        if not out and not self._decompressor.eof and not self._pending:
            return self._decompressor.flush()
        return out
