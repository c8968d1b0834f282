"""Validation of the W&B <-> Dagster integration's configurations (`validate`, `schema`), in the sandbox.

The same rules, codes and JSON pointers as `wandguard validate` (docs/diagnostics.md). Calls reuse one warm
sandbox instance per process, so the schemas are compiled once and a call costs microseconds.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Literal, Mapping

from wasmtime.component import Record

from . import _runtime
from ._wire import Constant, record as _record
from .errors import InvalidConfigDocumentError

Kind = Literal[
    "artifact-output", "artifact-input", "io-manager", "wandb-resource", "wandb-config", "launch-agent",
    "launch-job", "run-config",
]  # fmt: skip
Context = Literal["asset", "op", "multi-asset"]

# The most diagnostics one call returns (the CLI's default is the same order of magnitude).
MAX_DIAGNOSTICS = 1000


@dataclass(frozen=True)
class Diagnostic:
    """One finding about a configuration: stable `code`, `severity` (error or warning), RFC 6901 `pointer`
    into the document, 1-based `line` / `column` in the source text, `message`, and an optional `hint`."""

    code: str
    severity: Literal["error", "warning"]
    pointer: str
    line: int
    column: int
    message: str
    hint: str | None


def validate(
    config: Mapping[str, Any] | str | bytes,
    *,
    kind: Kind | None,
    context: Context = "asset",
    partitioned: bool = False,
    artifact_object: bool = False,
    resources: Mapping[str, Kind] | None = None,
    ops: Mapping[str, Kind] | None = None,
    syntax: Literal["auto", "json", "yaml"] = "auto",
) -> list[Diagnostic]:
    """Validates one configuration and returns its diagnostics (empty when it is clean).

    `config` is a dict (as written in Python) or the JSON / YAML source text (`syntax` says which; `auto`
    decides from the content). `kind=None` infers the kind
    from the top-level keys when that is unambiguous. `resources` / `ops` name run-config keys of your own.
    Raises `InvalidConfigDocumentError` when the text cannot be parsed or the kind cannot be inferred.
    """
    if isinstance(config, Mapping):
        source = json.dumps(config, allow_nan=False).encode("utf-8")
        syntax = "json"
    elif isinstance(config, str):
        source = config.encode("utf-8")
    elif isinstance(config, (bytes, bytearray)):
        source = bytes(config)
    else:
        raise TypeError(f"config must be a dict or JSON/YAML text, got {type(config).__name__}")
    options = Constant(
        ("validate", kind, context, partitioned, artifact_object, syntax, _frozen(resources), _frozen(ops)),
        lambda: _record(
            kind=kind,
            context=context,
            partitioned=partitioned,
            artifact_object=artifact_object,
            syntax=syntax,
            resources=_bindings(resources),
            ops=_bindings(ops),
            max_diagnostics=MAX_DIAGNOSTICS,
        ),
    )
    outcome = _runtime.call("config.validate", source, options, warm=True)
    if not outcome.ok:
        error = outcome.value
        raise InvalidConfigDocumentError(
            error["message"], code=error["code"], line=error["line"], column=error["column"]
        )
    return [Diagnostic(**diagnostic) for diagnostic in outcome.value["diagnostics"]]


def schema(kind: Kind) -> dict[str, Any]:
    """The JSON Schema (draft 2020-12) of a configuration kind, as the sandbox embeds it."""
    document: dict[str, Any] = json.loads(_runtime.call("config.schema", kind, warm=True))
    return document


def _bindings(keys: Mapping[str, Kind] | None) -> list[Record]:
    return [_record(key=key, kind=kind) for key, kind in (keys or {}).items()]


def _frozen(keys: Mapping[str, Kind] | None) -> tuple[tuple[str, str], ...]:
    return tuple(sorted((keys or {}).items()))
