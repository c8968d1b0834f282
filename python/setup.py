"""Build hook: ships the guest component (`wandguard_guest.wasm`) inside the package.

The component comes from `$WANDGUARD_GUEST_WASM` if set, else from the repository's guest build
(`target/guest/wasm32-wasip2/guest/wandguard_guest.wasm`, written by `scripts/build-guest.sh`). When it is
missing, this runs `scripts/build-guest.sh` (needs rustup and cargo); when that is impossible too, the build
stops with a message saying what to do.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BUILT_COMPONENT = REPO / "target/guest/wasm32-wasip2/guest/wandguard_guest.wasm"
BUILD_SCRIPT = REPO / "scripts/build-guest.sh"


def guest_component() -> Path:
    """The component to ship, building it when the repository has not built it yet."""
    configured = os.environ.get("WANDGUARD_GUEST_WASM")
    if configured:
        path = Path(configured)
        if not path.is_file():
            raise SystemExit(f"wandguard: WANDGUARD_GUEST_WASM={configured} is not a file")
        return path
    if not BUILT_COMPONENT.is_file():
        if not BUILD_SCRIPT.is_file() or shutil.which("cargo") is None:
            raise SystemExit(
                f"wandguard: the guest component {BUILT_COMPONENT} is missing and cannot be built here "
                "(needs the wandguard repository and rustup/cargo). Run `bash scripts/build-guest.sh` in the "
                "repository first, or set WANDGUARD_GUEST_WASM to a built wandguard_guest.wasm."
            )
        result = subprocess.run(["bash", str(BUILD_SCRIPT)], cwd=REPO, check=False)
        if result.returncode != 0 or not BUILT_COMPONENT.is_file():
            raise SystemExit(f"wandguard: `bash scripts/build-guest.sh` failed (exit {result.returncode})")
    return BUILT_COMPONENT


class BuildWithComponent(build_py):
    """`build_py` that also copies the guest component into the built package."""

    def run(self) -> None:
        super().run()
        target = Path(self.build_lib) / "wandguard" / "wandguard_guest.wasm"
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(guest_component(), target)


setup(cmdclass={"build_py": BuildWithComponent})
