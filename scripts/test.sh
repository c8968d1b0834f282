#!/usr/bin/env bash
# The test command: installs what it needs, then runs every test layer — guest unit tests (native), host
# integration tests against the real component (also with the fault-injection guest) and of `wandguard serve`
# over real HTTP, lints, and the Python tests that cross-check the schemas and the CLI and run the real `wandb`
# SDK against `wandguard serve` on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
# CI builds from scratch: incremental state would only cost time and disk.
export CARGO_INCREMENTAL=0

bash scripts/setup.sh

echo "== formatting"
cargo fmt --all --check

# The fault-injection build first: the plain build below then leaves target/debug/wandguard (used by the
# Python tests) with the plain guest embedded, and no build of the host has to be repeated.
echo "== host tests with the fault-injection guest"
cargo test -p wandguard --features fault-injection --test fault_injection --locked
# Kept for the Python package's fault test: that build left the fault-injection guest as the guest artifact.
cp target/guest/wasm32-wasip2/guest/wandguard_guest.wasm target/fault-injection-guest.wasm

echo "== Rust tests (guest natively, host against the real component, wandguard serve over HTTP)"
cargo test --workspace --locked

# Lints after the build: host/build.rs (which builds the guest component) has then run in a plain build, and
# clippy reuses its result instead of running it under clippy's wrapper.
echo "== lints"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy -p wandguard-guest --target wasm32-wasip2 --locked -- -D warnings

echo "== CPython loads everything the encoder wrote (fixtures written by the guest tests above)"
.venv/bin/python tests/pickle/check_encoder_fixtures.py target/encoder-fixtures

echo "== fuzz smoke run of the payload codec (cargo-fuzz, nightly toolchain)"
if rustup run nightly rustc --version >/dev/null 2>&1; then
    command -v cargo-fuzz >/dev/null || cargo +nightly install cargo-fuzz --locked
    for target in decode scan; do
        (cd guest/fuzz && cargo +nightly fuzz run -O "$target" -- -max_total_time=20 -rss_limit_mb=2048)
    done
else
    echo "SKIPPED: no nightly toolchain on this machine, so no fuzz smoke run (the guest's mutation tests above still ran)"
fi

echo "== Python tests (schemas, CLI cross-checks, the pickle corpus against CPython, the wandb SDK against wandguard serve)"
# target/debug/wandguard is the binary `cargo test --workspace` built for the host's CLI tests.
# In a network namespace with only loopback where the machine allows it: proof that the tests (the wandb SDK among
# them) reach nothing but the servers they start on 127.0.0.1.
WANDGUARD_BIN="$PWD/target/debug/wandguard" bash scripts/loopback-only.sh .venv/bin/python -m pytest -q tests

echo "== Python package: pip install ./python into a fresh venv, then python/tests against the installed package"
bash scripts/build-guest.sh   # the plain component, as shipped (whatever build ran last)
rm -rf target/python-venv
python3 -m venv target/python-venv
target/python-venv/bin/pip install --quiet --disable-pip-version-check ./python -r python/tests/requirements.txt
(cd python && WANDGUARD_CACHE_DIR="$PWD/../target/python-cache" \
    WANDGUARD_FAULT_COMPONENT="$PWD/../target/fault-injection-guest.wasm" ../target/python-venv/bin/python -m pytest -q tests)
