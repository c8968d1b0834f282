"""Group F of pickle-threats.md §2.2: container and format tricks — a pickle under a misleading file name,
compressed joblib envelopes holding a payload (every compressor), a payload spliced after a NumpyArrayWrapper's
inline array bytes, a payload in place of the nested pickle of an object array, and the legacy NDArrayWrapper.
"""

from __future__ import annotations

import io
import pickletools

import numpy as np

from .asm import Asm
from .compress import COMPRESSORS, joblib_envelope
from .hostile import OS_SYSTEM, HostileCase, os_system_pickle

__all__ = ["container_cases", "ARRAY_MARKER", "spliced_after_array"]

ARRAY_MARKER = b"WANDGUARD-ARRAY!" * 2
_LEVELS = {"zlib": 3, "gzip": 3, "bz2": 3, "lzma": 3, "xz": 3, "lz4": 3}


def _joblib_bytes(value: object) -> bytes:
    import joblib

    sink = io.BytesIO()
    joblib.dump(value, sink)
    return sink.getvalue()


def spliced_after_array() -> bytes:
    """A plain joblib file whose first array is followed by `os.system('true')` + POP, then the rest of the
    original stream. The spliced opcodes do not memoize, so the memo numbering of the rest stays right."""
    original = _joblib_bytes({"weights": np.frombuffer(ARRAY_MARKER, dtype="u1").copy(), "epoch": 3})
    end = original.index(ARRAY_MARKER) + len(ARRAY_MARKER)
    payload = (
        Asm().unicode("os").unicode("system").op(b"\x93").value(("true",)).reduce().pop().build()
    )
    return original[:end] + payload + original[end:]


def _object_array_swapped() -> bytes:
    """joblib writes an object array as a nested protocol-5 pickle after its wrapper: replace that pickle."""
    original = _joblib_bytes({"objects": np.array([1, "x", None], dtype=object)})
    start = original.index(b"\x80\x05")
    end = start
    for opcode, _, pos in pickletools.genops(original[start:]):
        end = start + pos + 1
        if opcode.name == "STOP":
            break
    return original[:start] + os_system_pickle(5) + original[end:]


def _legacy_ndarray_wrapper() -> bytes:
    return (
        Asm().proto(2).global_("copy_reg", "_reconstructor").global_("joblib.numpy_pickle_compat", "NDArrayWrapper")
        .global_("__builtin__", "object").none().tuple_(3).reduce()
        .value({"filename": "../../../etc/hostname", "allow_mmap": False}).build_op().stop().build()
    )


def container_cases() -> list[HostileCase]:
    """Group F: one case per trick, one compressed payload per joblib compressor."""
    payload = os_system_pickle(4)
    cases = []
    for suffix in (".bin", ".pt", ".safetensors", ".json", ".txt"):
        name = suffix.lstrip(".")
        cases.append(HostileCase(f"named_{name}", "F1", payload, "unsafe", "unsafe",
                                 f"a pickle named *{suffix}: formats are detected by content, never by name",
                                 globals=OS_SYSTEM, protocol=4, suffix=suffix))
    for method in COMPRESSORS:
        level = _LEVELS[method]
        cases.append(HostileCase(f"joblib_{method}_os_system", "F6", joblib_envelope(payload, method, level), "unsafe",
                                 "unsafe", f"joblib {method} envelope around an os.system pickle (scanners without "
                                 "decompression call it clean)", globals=OS_SYSTEM, protocol=4, producer="joblib",
                                 python="joblib", compress=f"{method}:{level}", suffix=f".joblib.{method}"))
    spliced = spliced_after_array()
    cases += [
        HostileCase("joblib_payload_after_array", "F6", spliced, "unsafe", "unsafe",
                    "os.system spliced right after a NumpyArrayWrapper's inline array bytes: genops stops at the "
                    "array, joblib.load runs it", globals=OS_SYSTEM, protocol=4, producer="joblib", python="joblib",
                    suffix=".joblib"),
        HostileCase("joblib_gzip_payload_after_array", "F6", joblib_envelope(spliced, "gzip", 3), "unsafe", "unsafe",
                    "the spliced array payload inside a gzip envelope", globals=OS_SYSTEM, protocol=4,
                    producer="joblib", python="joblib", compress="gzip:3", suffix=".joblib.gz"),
        HostileCase("joblib_object_array_payload", "F6", _object_array_swapped(), "unsafe", "unsafe",
                    "the nested pickle of an object-dtype array replaced by an os.system pickle",
                    globals=OS_SYSTEM, protocol=4, producer="joblib", python="joblib", suffix=".joblib"),
        HostileCase("joblib_legacy_ndarray_wrapper", "F6", _legacy_ndarray_wrapper(), "unsafe", "unknown-globals",
                    "joblib < 0.10 NDArrayWrapper naming a sidecar file: external data, never followed",
                    scan_any=["unknown-globals", "unsafe"],
                    globals=[("copyreg", "_reconstructor"), ("joblib.numpy_pickle_compat", "NDArrayWrapper"),
                             ("builtins", "object")], protocol=2, producer="joblib", python="joblib"),
    ]
    return cases
