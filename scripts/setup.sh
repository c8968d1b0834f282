#!/usr/bin/env bash
# Installs what building and testing wandguard needs on a fresh machine: the wasm32-wasip2 Rust target and
# a Python virtual environment (.venv) with the test packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

# Some sandboxes (this project's CI among them) come up with /dev/null as a regular file: whatever one tool writes
# to it, the next one reads back, and cargo's rustc probe then compiles that text. Put the device back when we can.
if [ ! -c /dev/null ] && [ -w /dev ]; then
    rm -f /dev/null && mknod -m 666 /dev/null c 1 3
fi

bash scripts/build-guest.sh
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
