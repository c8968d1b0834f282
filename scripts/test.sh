#!/usr/bin/env bash
# The test command: installs what it needs, then runs every test layer — guest unit tests (native), host
# integration tests against the real component (also with the fault-injection guest), lints, and the Python
# tests that cross-check the schemas and the CLI.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh

echo "== formatting"
cargo fmt --all --check

echo "== Rust tests (guest natively, host against the real component)"
cargo test --workspace --locked

# Lints after the build: host/build.rs (which builds the guest component) has then run in a plain build, and
# clippy reuses its result instead of running it under clippy's wrapper.
echo "== lints"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p wandguard-guest --target wasm32-wasip2 --locked -- -D warnings

echo "== CPython loads everything the encoder wrote (fixtures written by the guest tests above)"
.venv/bin/python tests/pickle/check_encoder_fixtures.py target/encoder-fixtures

echo "== host tests with the fault-injection guest"
cargo test -p wandguard --features fault-injection --test fault_injection --locked

echo "== fuzz smoke run of the payload codec (cargo-fuzz, nightly toolchain)"
if rustup run nightly rustc --version >/dev/null 2>&1; then
    command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz --locked
    for target in decode scan; do
        (cd guest/fuzz && cargo +nightly fuzz run -O "$target" -- -max_total_time=20 -rss_limit_mb=2048)
    done
else
    echo "SKIPPED: no nightly toolchain on this machine, so no fuzz smoke run (the guest's mutation tests above still ran)"
fi

echo "== Python tests (schemas, CLI cross-checks, the pickle corpus against CPython)"
cargo build -p wandguard --locked
WANDGUARD_BIN="$PWD/target/debug/wandguard" .venv/bin/python -m pytest -q tests

echo "== Python package: pip install ./python into a fresh venv, then python/tests against the installed package"
bash scripts/build-guest.sh   # the plain component (the fault-injection run above rebuilt it with the test hook)
rm -rf target/python-venv
python3 -m venv target/python-venv
target/python-venv/bin/pip install --quiet --disable-pip-version-check ./python -r python/tests/requirements.txt
(cd python && WANDGUARD_CACHE_DIR="$PWD/../target/python-cache" ../target/python-venv/bin/python -m pytest -q tests)
