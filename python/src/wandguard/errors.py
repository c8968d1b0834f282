"""The exception hierarchy. Every error has a stable `code` (the same codes as the CLI and the WIT contract)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from .codec import Finding


class WandguardError(Exception):
    """Base class of every wandguard error; `code` is a stable kebab-case identifier."""

    code: str = "wandguard-error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        """Builds the error; `code` overrides the class default."""
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class PayloadError(WandguardError):
    """A payload was refused. `offset` is the byte offset in the (decompressed) stream where the decoder
    stopped (None when the sandbox, not the decoder, stopped the call)."""

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        offset: int | None = None,
        opcode: str | None = None,
        findings: Sequence[Finding] = (),
    ) -> None:
        """Builds the refusal with its location and the findings gathered up to it."""
        super().__init__(message, code=code)
        self.offset = offset
        self.opcode = opcode
        self.findings = list(findings)

    def __str__(self) -> str:
        where = "" if self.offset is None else f" at byte {self.offset}" + (f" ({self.opcode})" if self.opcode else "")
        return f"[{self.code}]{where}: {self.message}"


class UnsafePayloadError(PayloadError):
    """The payload references code (`unsafe`: a global that is not a recognized safe type; `code-object`:
    a serialized function or class). `findings` lists what was found."""


class MalformedPayloadError(PayloadError):
    """The payload is not well formed (`malformed`, `trailing-data`, `unsupported`, `unencodable`)."""


class ResourceLimitError(PayloadError):
    """A cap was reached: a decoder cap (`resource-limit`, with an offset), the sandbox memory cap, the
    deadline (`timeout`), or the size of data wasmtime-py can copy out of one call."""

    code = "resource-limit"


class SandboxError(WandguardError):
    """The sandbox itself failed: a guest fault (`guest-fault`) or the component could not be loaded
    (`sandbox-setup`). Never caused by a hostile payload being refused."""

    code = "guest-fault"


class InvalidConfigDocumentError(WandguardError):
    """A configuration document could not be validated at all (`parse-error`, `not-utf8`, `too-deep`,
    `too-large`, `ambiguous-kind`, `empty-document`), located by 1-based `line` and `column` (0 = whole)."""

    def __init__(self, message: str, *, code: str, line: int, column: int) -> None:
        """Builds the error with its location in the source document."""
        super().__init__(message, code=code)
        self.line = line
        self.column = column

    def __str__(self) -> str:
        where = f" at {self.line}:{self.column}" if self.line else ""
        return f"[{self.code}]{where}: {self.message}"
