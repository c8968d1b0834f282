#!/usr/bin/env bash
# Installs what building and testing wandguard needs on a fresh machine: the wasm32-wasip2 Rust target and
# a Python virtual environment (.venv) with the test packages. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-guest.sh
if [ ! -x .venv/bin/python ]; then
    python3 -m venv .venv
fi
.venv/bin/pip install --quiet --disable-pip-version-check -r tests/requirements.txt
