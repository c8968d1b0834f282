"""The sandbox runtime: one wasmtime engine and one compiled component per process, a fresh limited store
for every payload call, one warm instance for config validation, and the one place where a failed guest
call is classified (limit, deadline, fault).

The compiled component is cached on disk (`$WANDGUARD_CACHE_DIR`, else the user cache directory), keyed by
the component's SHA-256 and the wasmtime-py version: loading it takes milliseconds, compiling it seconds.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
import time
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Sequence

import wasmtime
from wasmtime import component as wc

from ._wire import GuestFunction
from .errors import ResourceLimitError, SandboxError

CACHE_DIR_ENV = "WANDGUARD_CACHE_DIR"
COMPONENT_ENV = "WANDGUARD_COMPONENT"
DEFAULT_MAX_MEMORY = 512 << 20
DEFAULT_TIMEOUT = 30.0
EPOCH_TICK = 0.01
STDERR_BYTES = 64 << 10

_INTERFACES = {"codec": "wandguard:sandbox/codec@0.1.0", "config": "wandguard:sandbox/config@0.1.0"}
_FUNCTIONS = {
    # Payloads and values travel as base64 text (`decode-base64` / `encode-base64`): wasmtime-py copies
    # strings in bulk but byte lists one element at a time (see `_wire`).
    "codec": ("decode-base64", "scan", "encode-base64", "sign", "verify"),
    "config": ("validate", "schema"),
}
# wasmtime charges "hostcall fuel" for the data it copies out of the guest and gives each call 128 MiB;
# wasmtime-py cannot raise that budget. Measured with wasmtime-py 50: a list<u8> result holds at most about
# 2.6 MiB (48 bytes of fuel per element), a string about 128 MiB.
_HOSTCALL_FUEL_MESSAGE = "fuel allocated for hostcalls has been exhausted"


@dataclass(frozen=True)
class CallLimits:
    """The hard limits of one guest call."""

    max_memory: int = DEFAULT_MAX_MEMORY
    timeout: float = DEFAULT_TIMEOUT

    def checked(self) -> CallLimits:
        """Returns self after checking the values are usable."""
        if self.max_memory <= 0:
            raise ValueError(f"max_memory must be positive, got {self.max_memory}")
        if not self.timeout > 0:
            raise ValueError(f"timeout must be positive, got {self.timeout}")
        return self


class _Capture:
    """Bounded capture of the guest's stderr/stdout (kept for fault reports)."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []
        self.size = 0

    def write(self, data: bytes) -> int:
        room = STDERR_BYTES - self.size
        if room > 0:
            self.chunks.append(data[:room])
            self.size += min(len(data), room)
        return len(data)

    def text(self) -> str:
        return b"".join(self.chunks).decode("utf-8", "replace")


class _Instance:
    """A store with its instantiated guest."""

    def __init__(self, runtime: Runtime, limits: CallLimits) -> None:
        self.capture = _Capture()
        self.limits = limits
        self.store = wasmtime.Store(runtime.engine)
        wasi = wasmtime.WasiConfig()
        wasi.stderr_custom = self.capture.write
        wasi.stdout_custom = self.capture.write
        self.store.set_wasi(wasi)
        self.store.set_limits(memory_size=limits.max_memory)
        self.arm()
        self.instance = runtime.linker.instantiate(self.store, runtime.component)
        self.runtime = runtime
        self.funcs: dict[str, wc.Func] = {}

    def arm(self) -> None:
        """Sets the deadline of the next call."""
        self.capture.chunks.clear()
        self.capture.size = 0
        self.store.set_epoch_deadline(max(1, int(self.limits.timeout / EPOCH_TICK + 0.999)))

    def close(self) -> None:
        """Drops the store now, while the interpreter is alive: a store that outlives it (kept by a traceback
        until exit) would flush the guest's stderr into a finalized interpreter, which aborts the process."""
        self.funcs.clear()
        del self.instance
        del self.store

    def call(self, name: str, args: Sequence[Any]) -> Any:
        func = self.funcs.get(name)
        if func is None:
            found = self.instance.get_func(self.store, self.runtime.export_indices[name])
            if found is None:
                raise SandboxError(f"the component does not export {name}", code="sandbox-setup")
            func = self.funcs[name] = found
        return self.runtime.signature(name, self.store, func).call(self.store, func, args)


class Runtime:
    """The process-wide engine, component and linker. Calls are thread-safe."""

    def __init__(self, wasm_path: Path, cache_dir: Path | None) -> None:
        """Loads the component at `wasm_path`, through the compiled-code cache in `cache_dir` (None: no cache)."""
        config = wasmtime.Config()
        config.epoch_interruption = True
        self.engine = wasmtime.Engine(config)
        self.component = _load_component(self.engine, wasm_path, cache_dir)
        self.linker = wc.Linker(self.engine)
        self.linker.add_wasip2()
        self.export_indices = {}
        for interface, names in _FUNCTIONS.items():
            parent = self.component.get_export_index(_INTERFACES[interface])
            if parent is None:
                raise SandboxError(f"the component does not export {_INTERFACES[interface]}", code="sandbox-setup")
            for name in names:
                index = self.component.get_export_index(name, parent)
                if index is None:
                    raise SandboxError(f"the component does not export {interface}.{name}", code="sandbox-setup")
                self.export_indices[f"{interface}.{name}"] = index
        self._signatures: dict[str, GuestFunction] = {}
        self._lock = threading.Lock()
        self._warm: _Instance | None = None
        self._warm_lock = threading.Lock()
        _start_epoch_ticker(self.engine)

    def signature(self, name: str, store: wasmtime.Store, func: wc.Func) -> GuestFunction:
        """The cached parameter/result handling of export `name`."""
        signature = self._signatures.get(name)
        if signature is None:
            signature = self._signatures[name] = GuestFunction(name, func.type(store))
        return signature

    def _instantiate(self, limits: CallLimits) -> _Instance:
        with self._lock:
            try:
                return _Instance(self, limits)
            except wasmtime.WasmtimeError as error:
                raise SandboxError(f"the guest could not be instantiated: {error}", code="sandbox-setup") from None

    def call_fresh(self, name: str, args: Sequence[Any], limits: CallLimits) -> Any:
        """Runs export `name` in a brand-new store that is dropped afterwards."""
        instance = self._instantiate(limits)
        try:
            return instance.call(name, args)
        except wasmtime.WasmtimeError as error:
            raise classify(error, instance) from None
        finally:
            instance.close()

    def call_warm(self, name: str, args: Sequence[Any], limits: CallLimits) -> Any:
        """Runs export `name` on the warm instance (schemas stay compiled); a trapped instance is dropped."""
        with self._warm_lock:
            instance = self._warm
            if instance is None or instance.limits != limits:
                instance = self._instantiate(limits)
            self._warm = None
            instance.arm()
            try:
                result = instance.call(name, args)
            except wasmtime.WasmtimeError as error:
                failure = classify(error, instance)
                instance.close()
                raise failure from None
            self._warm = instance
            return result


def classify(error: wasmtime.WasmtimeError, instance: _Instance) -> Exception:
    """Maps a trap of a guest call to a wandguard error (the only place that reads trap messages)."""
    message = str(error)
    output = instance.capture.text().strip()
    # wasmtime-py has no store limiter callback to say the cap was hit. A failed allocation (memory.grow
    # refused at the cap) aborts the guest with "memory allocation of N bytes failed" on stderr, or silently
    # when even that message cannot be allocated; a panic always leaves its message.
    if "unreachable" in message and (not output or output.startswith("memory allocation of")):
        return ResourceLimitError(
            f"the guest needed more than its memory cap of {instance.limits.max_memory / 2**20:g} MiB"
        )
    if "interrupt" in message:
        return ResourceLimitError(
            f"the sandbox call was stopped after its {instance.limits.timeout:g}s deadline", code="timeout"
        )
    if "call stack exhausted" in message:
        return ResourceLimitError("the guest exhausted its call stack")
    if _HOSTCALL_FUEL_MESSAGE in message:
        return ResourceLimitError(
            "the result is larger than wasmtime-py can copy out of one component call (wasmtime's hostcall "
            "budget of 128 MiB, which wasmtime-py cannot raise); use the `wandguard` CLI or Rust host for it"
        )
    lines = [line.strip() for line in message.splitlines() if line.strip()]
    trap = next((line for line in lines if line.startswith("wasm trap")), lines[0] if lines else "unknown trap")
    detail = f" (guest said: {output})" if output else ""
    return SandboxError(f"the sandbox faulted: {trap}{detail}")


def _start_epoch_ticker(engine: wasmtime.Engine) -> None:
    def tick() -> None:
        while True:
            time.sleep(EPOCH_TICK)
            engine.increment_epoch()

    threading.Thread(target=tick, name="wandguard-epoch", daemon=True).start()


def _load_component(engine: wasmtime.Engine, wasm_path: Path, cache_dir: Path | None) -> wc.Component:
    try:
        wasm = wasm_path.read_bytes()
    except OSError as error:
        raise SandboxError(f"cannot read the guest component {wasm_path}: {error}", code="sandbox-setup") from None
    if cache_dir is None:
        return _compile(engine, wasm)
    digest = hashlib.sha256(wasm).hexdigest()[:32]
    entry = cache_dir / f"guest-{digest}-wasmtime-py-{wasmtime_version()}.cwasm"
    if entry.is_file():
        try:
            return wc.Component.deserialize_file(engine, str(entry))
        except wasmtime.WasmtimeError:
            pass  # stale or foreign entry: compile and overwrite it
    component = _compile(engine, wasm)
    try:
        cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=cache_dir, prefix=".guest-", delete=False) as temporary:
            temporary.write(component.serialize())
        os.replace(temporary.name, entry)
    except OSError:
        pass  # a cache that cannot be written only costs speed
    return component


def _compile(engine: wasmtime.Engine, wasm: bytes) -> wc.Component:
    try:
        return wc.Component(engine, wasm)
    except wasmtime.WasmtimeError as error:
        raise SandboxError(f"the guest component does not compile: {error}", code="sandbox-setup") from None


def wasmtime_version() -> str:
    """The installed wasmtime-py version (part of the cache key: compiled code is version-specific)."""
    from importlib.metadata import version

    return version("wasmtime")


def default_cache_dir() -> Path | None:
    """`$WANDGUARD_CACHE_DIR` (empty: no cache), else `$XDG_CACHE_HOME/wandguard` or `~/.cache/wandguard`."""
    configured = os.environ.get(CACHE_DIR_ENV)
    if configured is not None:
        return Path(configured) if configured else None
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wandguard"


def component_path() -> Path:
    """The packaged guest component (or `$WANDGUARD_COMPONENT`)."""
    configured = os.environ.get(COMPONENT_ENV)
    if configured:
        return Path(configured)
    return Path(str(resources.files("wandguard") / "wandguard_guest.wasm"))


_RUNTIME: Runtime | None = None
_RUNTIME_LOCK = threading.Lock()


def runtime() -> Runtime:
    """The process-wide runtime, created on first use."""
    global _RUNTIME
    if _RUNTIME is None:
        with _RUNTIME_LOCK:
            if _RUNTIME is None:
                _RUNTIME = Runtime(component_path(), default_cache_dir())
    return _RUNTIME


def call(name: str, *args: Any, limits: CallLimits = CallLimits(), warm: bool = False) -> Any:
    """Calls export `name` (`codec.decode`, `config.validate`, ...) with `args` under `limits`."""
    target: Callable[[str, Sequence[Any], CallLimits], Any]
    target = runtime().call_warm if warm else runtime().call_fresh
    return target(name, args, limits.checked())
