"""The symbolic tree `loads(..., policy="inspect")` returns for what a payload would do under CPython.

Nothing here is code: a `Global` is just a `(module, qualname)` pair, a `Call` is what REDUCE would call,
and so on (docs/value-model.md §1, ext types 48-56). Plain data and recognized types inside the tree are
ordinary Python values. Names (`Global`, `PersistentRef`, `ExtRef`, `OutOfBandBuffer`, `Unresolvable`)
compare by value; operations (`Call`, `New`, `Build`, `Mutate`) by identity, since they can sit in cycles.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from typing import Any, Callable


class Node:
    """Base class of the symbolic nodes."""

    def children(self) -> list[Any]:
        """The values this node refers to."""
        return [getattr(self, f.name) for f in fields(self)]  # type: ignore[arg-type]

    def replace_children(self, resolve: Callable[[Any], Any]) -> None:
        """Replaces every child `c` by `resolve(c)` (used to close cycles)."""
        for f in fields(self):  # type: ignore[arg-type]
            object.__setattr__(self, f.name, resolve(getattr(self, f.name)))


@dataclass(eq=True)
class Global(Node):
    """A global the payload names (`GLOBAL` / `STACK_GLOBAL`), never imported."""

    module: str
    qualname: str

    def __repr__(self) -> str:
        return f"{self.module}.{self.qualname}"


@dataclass(eq=False)
class Call(Node):
    """REDUCE: `callable(*args)`."""

    callable: Any
    args: Any

    def __repr__(self) -> str:
        return f"{self.callable!r}{self.args!r}"


@dataclass(eq=False)
class New(Node):
    """NEWOBJ / NEWOBJ_EX / OBJ / INST: `cls.__new__(cls, *args, **kwargs)`."""

    cls: Any
    args: Any
    kwargs: Any = None


@dataclass(eq=False)
class Build(Node):
    """BUILD on a symbolic object: `target.__setstate__(state)`."""

    target: Any
    state: Any


@dataclass(eq=False)
class Mutate(Node):
    """APPEND(S) / SETITEMS / ADDITEMS on a symbolic object; `operation` is append, extend, setitem or add."""

    target: Any
    operation: str
    items: list[Any] = field(default_factory=list)


@dataclass(eq=True)
class PersistentRef(Node):
    """PERSID / BINPERSID: an object the unpickler's `persistent_load` would supply."""

    pid: Any


@dataclass(eq=True)
class ExtRef(Node):
    """EXT1/2/4: a copyreg extension code."""

    code: int


@dataclass(eq=True)
class OutOfBandBuffer(Node):
    """NEXT_BUFFER / READONLY_BUFFER: a protocol-5 buffer passed outside the stream."""

    index: int
    readonly: bool


@dataclass(eq=True)
class Unresolvable(Node):
    """A STACK_GLOBAL whose names are computed: the reason it cannot be named."""

    reason: str
