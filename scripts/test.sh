#!/usr/bin/env bash
# The test command: installs what it needs, then runs every test layer — guest unit tests (native), host
# integration tests against the real component (also with the fault-injection guest), lints, and the Python
# tests that cross-check the schemas and the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== formatting and lints"
cargo fmt --all --check
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p wandguard-guest --target wasm32-wasip2 --locked -- -D warnings

echo "== Rust tests (guest natively, host against the real component)"
cargo test --workspace --locked

echo "== CPython loads everything the encoder wrote (fixtures written by the guest tests above)"
.venv/bin/python tests/pickle/check_encoder_fixtures.py target/encoder-fixtures

echo "== host tests with the fault-injection guest"
cargo test -p wandguard --features fault-injection --test fault_injection --locked

echo "== Python tests (schemas, CLI cross-checks)"
cargo build -p wandguard --locked
WANDGUARD_BIN="$PWD/target/debug/wandguard" .venv/bin/python -m pytest -q tests
