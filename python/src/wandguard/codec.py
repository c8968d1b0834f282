"""Untrusted payloads: `loads` / `load` (sandboxed decode to Python objects), `dumps`, `scan`, `sign`, `verify`.

Every call runs in a fresh sandbox store with a memory cap and a deadline; nothing in a payload is ever
executed. A refused payload raises (never partial data): `UnsafePayloadError` for code,
`MalformedPayloadError` for broken streams, `ResourceLimitError` for caps.
"""

from __future__ import annotations

import binascii
import os
from dataclasses import dataclass
from typing import IO, Any, Literal, Union

from . import _runtime
from ._encode import dumps_value
from ._values import loads_value
from ._wire import Constant, Outcome, record as _record
from .errors import MalformedPayloadError, PayloadError, ResourceLimitError, UnsafePayloadError

Policy = Literal["strict", "data", "inspect"]
PayloadFormat = Literal["auto", "pickle", "joblib", "msgpack", "json"]
Compress = Union[None, bool, int, str, tuple[str, int]]

_COMPRESSION_METHODS = ("zlib", "gzip", "bz2", "lzma", "xz", "lz4")
_ERROR_CLASSES: dict[str, type[PayloadError]] = {
    "unsafe": UnsafePayloadError,
    "code-object": UnsafePayloadError,
    "resource-limit": ResourceLimitError,
}


@dataclass(frozen=True)
class Finding:
    """Something noteworthy in a payload, at byte `offset` of the (decompressed) stream."""

    offset: int
    opcode: str
    module: str | None
    qualname: str | None
    severity: Literal["info", "warning", "danger"]
    kind: str
    message: str


@dataclass(frozen=True)
class ScanReport:
    """What `scan` found: `verdict` is clean, unsafe, unknown-globals, incomplete or malformed."""

    verdict: Literal["clean", "unsafe", "unknown-globals", "incomplete", "malformed"]
    format: str
    container: str
    pickles: int
    trailing_bytes: int
    findings: list[Finding]
    error: PayloadError | None

    @property
    def clean(self) -> bool:
        """Whether the verdict is `clean`."""
        return self.verdict == "clean"


def loads(
    data: bytes | bytearray | memoryview,
    *,
    policy: Policy = "data",
    format: PayloadFormat = "auto",
    max_memory: int = _runtime.DEFAULT_MAX_MEMORY,
    timeout: float = _runtime.DEFAULT_TIMEOUT,
    allow_trailing: bool = False,
) -> Any:
    """Decodes a pickle / dill / cloudpickle / joblib payload (raw or compressed) in the sandbox and returns
    the same Python objects `pickle.loads` / `joblib.load` would, without executing anything.

    `policy`: `strict` (builtin data only), `data` (plus recognized safe types: datetime, Decimal, numpy,
    collections, ...), `inspect` (never refuses a global: returns the `wandguard.symbolic` tree).
    `max_memory` (bytes) and `timeout` (seconds) bound the sandbox call.
    """
    options = Constant(
        ("decode", format, policy, allow_trailing),
        lambda: _record(format=format, policy=policy, output="msgpack", allow_trailing=allow_trailing, limits=None),
    )
    limits = _runtime.CallLimits(max_memory, timeout)
    decoded = _decoded(_runtime.call("codec.decode-base64", _base64_text(data), options, limits=limits))
    document = binascii.a2b_base64(decoded["value"])
    return loads_value(document, _restores_native_byte_order(decoded, data))


def load(source: str | os.PathLike[str] | IO[bytes], **options: Any) -> Any:
    """`loads` of a file, given by path or as a binary file object; keyword options as for `loads`."""
    if isinstance(source, (str, os.PathLike)):
        with open(source, "rb") as handle:
            return loads(handle.read(), **options)
    return loads(source.read(), **options)


def dumps(
    obj: Any,
    *,
    format: Literal["pickle", "joblib"] = "pickle",
    protocol: int = 5,
    compress: Compress = None,
    max_memory: int = _runtime.DEFAULT_MAX_MEMORY,
    timeout: float = _runtime.DEFAULT_TIMEOUT,
) -> bytes:
    """Writes `obj` as a pickle (or a joblib file with `format="joblib"`) that CPython loads as an equal
    object. Only the value model's types are accepted: anything else raises `TypeError` naming its path.

    `compress` (joblib only) is a level (zlib), a method name, `(method, level)` or `True` (zlib, 3).
    """
    if format not in ("pickle", "joblib"):
        raise ValueError(f"format must be 'pickle' or 'joblib', got {format!r}")
    if not 0 <= protocol <= 5:
        raise ValueError(f"protocol must be 0-5, got {protocol}")
    compression = _compression(compress)
    if compression is not None and format != "joblib":
        raise ValueError("compress applies to format='joblib' only")
    document = dumps_value(obj)
    options = Constant(
        ("encode", format, protocol, compression),
        lambda: _record(
            input="msgpack",
            layout=format,
            protocol=protocol,
            compress=None if compression is None else _record(method=compression[0], level=compression[1]),
        ),
    )
    limits = _runtime.CallLimits(max_memory, timeout)
    outcome = _runtime.call("codec.encode-base64", _base64_text(document), options, limits=limits)
    return binascii.a2b_base64(_decoded(outcome))


def scan(
    data: bytes | bytearray | memoryview,
    *,
    max_memory: int = _runtime.DEFAULT_MAX_MEMORY,
    timeout: float = _runtime.DEFAULT_TIMEOUT,
) -> ScanReport:
    """Reports what a payload would do under CPython (every global, call and build), without running it."""
    report = _runtime.call("codec.scan", _as_bytes(data), None, limits=_runtime.CallLimits(max_memory, timeout))
    error = report["error"]
    return ScanReport(
        verdict=report["verdict"],
        format=report["format"],
        container=report["container"],
        pickles=report["pickles"],
        trailing_bytes=report["trailing_bytes"],
        findings=[Finding(**finding) for finding in report["findings"]],
        error=_payload_error(error) if error is not None else None,
    )


def sign(data: bytes | bytearray | memoryview, key: bytes) -> bytes:
    """HMAC-SHA256 of `data` under `key`, computed in the sandbox (which keeps nothing)."""
    return bytes(_runtime.call("codec.sign", _as_bytes(data), _as_bytes(key)))


def verify(data: bytes | bytearray | memoryview, signature: bytes, key: bytes) -> bool:
    """Whether `signature` is the HMAC-SHA256 of `data` under `key` (constant-time comparison)."""
    return bool(_runtime.call("codec.verify", _as_bytes(data), _as_bytes(signature), _as_bytes(key)))


def _restores_native_byte_order(decoded: dict[str, Any], payload: bytes | bytearray | memoryview) -> bool:
    """Whether CPython would load this payload's arrays in native byte order: joblib always does, plain
    pickles below protocol 5 do (`ndarray.__setstate__`); the protocol is read from a raw stream's PROTO.
    A joblib file is recognized by its format or by its array wrappers (a raw joblib file reads as pickle)."""
    if decoded["format"] == "joblib" or any(f["module"] == "joblib.numpy_pickle" for f in decoded["findings"]):
        return True
    if decoded["format"] != "pickle" or decoded["container"] != "raw" or len(payload) < 2:
        return False
    head = bytes(payload[:2])
    return head[0] != 0x80 or head[1] < 5


def _base64_text(data: Any) -> str:
    """Bytes as base64 text, the form in which wasmtime-py passes them in bulk (`decode-base64`)."""
    return binascii.b2a_base64(_as_bytes(data), newline=False).decode("ascii")


def _as_bytes(data: Any) -> bytes | bytearray | memoryview:
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"expected bytes, got {type(data).__name__}")
    return data


def _compression(compress: Compress) -> tuple[str, int] | None:
    if compress is None or compress is False or compress == 0:
        return None
    if compress is True:
        method, level = "zlib", 3
    elif isinstance(compress, int):
        method, level = "zlib", compress
    elif isinstance(compress, str):
        method, level = compress, 3
    else:
        method, level = compress
    if method not in _COMPRESSION_METHODS or not 0 <= level <= 9:
        raise ValueError(f"compress must name one of {', '.join(_COMPRESSION_METHODS)} with a level 0-9")
    return method, level


def _decoded(outcome: Outcome) -> Any:
    if outcome.ok:
        return outcome.value
    raise _payload_error(outcome.value)


def _payload_error(error: dict[str, Any]) -> PayloadError:
    code = error["code"]
    cls = _ERROR_CLASSES.get(code, MalformedPayloadError)
    findings = [Finding(**finding) for finding in error["findings"]]
    return cls(error["message"], code=code, offset=error["offset"], opcode=error["opcode"], findings=findings)
