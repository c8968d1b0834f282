"""dill and cloudpickle payloads that carry code (category `code`): the W&B guide's `lambda x, y: x + y`, a
closure, a class defined by value and an instance of it. Each is defined in its own fresh `__main__`-named
namespace, exactly as a user's script would, so both libraries pickle it by value.

(Plain `joblib.dump` of such a lambda fails in CPython — pickle looks it up by name — so the code payloads come
from the two libraries that do serialize code.)
"""

from __future__ import annotations

import contextlib
import random
import uuid

__all__ = ["CODE_SOURCES", "code_payloads", "seeded_uuid4"]

CODE_SOURCES = {
    "lambda_add": ("add = lambda x, y: x + y\n", "add"),
    "closure": (
        "def outer(n):\n"
        "    def inner(x):\n"
        "        return x * n\n"
        "    return inner\n"
        "scaled = outer(3)\n",
        "scaled",
    ),
    "class_by_value": (
        "class Point:\n"
        "    def __init__(self, x, y):\n"
        "        self.x = x\n"
        "        self.y = y\n"
        "    def norm(self):\n"
        "        return (self.x ** 2 + self.y ** 2) ** 0.5\n",
        "Point",
    ),
    "instance_of_class_by_value": (
        "class Config:\n"
        "    def __init__(self):\n"
        "        self.lr = 0.1\n"
        "settings = Config()\n",
        "settings",
    ),
}


def _define(source: str, name: str):
    namespace = {"__name__": "__main__"}
    exec(compile(source, "<wandguard-corpus>", "exec"), namespace)  # noqa: S102 - our own constant source
    return namespace[name]


@contextlib.contextmanager
def seeded_uuid4(seed: int):
    """cloudpickle tags classes pickled by value with `uuid.uuid4()`; make those tags reproducible."""
    rng = random.Random(seed)
    original = uuid.uuid4
    uuid.uuid4 = lambda: uuid.UUID(int=rng.getrandbits(128), version=4)
    try:
        yield
    finally:
        uuid.uuid4 = original


def code_payloads(seed: int) -> list[tuple[str, str, bytes]]:
    """(name, producer, bytes) for every code payload, dumped by dill and by cloudpickle."""
    import cloudpickle
    import dill

    out = []
    with seeded_uuid4(seed):
        for name, (source, attribute) in CODE_SOURCES.items():
            out.append((name, "dill", dill.dumps(_define(source, attribute))))
            out.append((name, "cloudpickle", cloudpickle.dumps(_define(source, attribute))))
    return out
