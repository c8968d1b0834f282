"""wandguard: decode untrusted pickle / dill / cloudpickle / joblib payloads without executing them, and
validate the W&B <-> Dagster integration's configurations — both inside a WebAssembly sandbox (wasmtime).

    import wandguard
    value = wandguard.loads(payload)                 # == pickle.loads(payload) for data, never runs code
    report = wandguard.scan(payload)                 # what the payload would do under CPython
    diagnostics = wandguard.validate(config, kind="artifact-output")
"""

from . import symbolic
from ._arrays import ArrayView, DTypeView, ScalarView
from .codec import Finding, ScanReport, dumps, load, loads, scan, sign, verify
from .config import Diagnostic, schema, validate
from .errors import (
    InvalidConfigDocumentError,
    MalformedPayloadError,
    PayloadError,
    ResourceLimitError,
    SandboxError,
    UnsafePayloadError,
    WandguardError,
)

__all__ = [
    "ArrayView",
    "DTypeView",
    "Diagnostic",
    "Finding",
    "InvalidConfigDocumentError",
    "MalformedPayloadError",
    "PayloadError",
    "ResourceLimitError",
    "SandboxError",
    "ScalarView",
    "ScanReport",
    "UnsafePayloadError",
    "WandguardError",
    "dumps",
    "load",
    "loads",
    "scan",
    "schema",
    "sign",
    "symbolic",
    "validate",
    "verify",
]
