#!/usr/bin/env bash
# Builds the guest component exactly as host/build.rs does (same profile and target dir), as a top-level cargo
# run: the build script's nested cargo then finds everything up to date.
set -euo pipefail
cd "$(dirname "$0")/.."
rustup target add wasm32-wasip2 >/dev/null
cargo build --package wandguard-guest --target wasm32-wasip2 --profile guest --target-dir target/guest --locked
