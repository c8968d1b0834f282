#!/usr/bin/env bash
# The main job: builds wandguard (the guest component is built and embedded by build.rs) and validates every
# configuration in examples/ — the W&B Dagster guide's examples, which must all be clean, then one broken
# file to show what diagnostics look like.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-guest.sh
cargo build -p wandguard --locked
wandguard=target/debug/wandguard

# Flags follow the file name: `--op-` configs sit on a plain @op, `--partitioned-` ones on a partitioned input.
flags_for() {
    local name flags=()
    name=$(basename "$1")
    case "$name" in *--op-*) flags+=(--context op) ;; esac
    case "$name" in *--partitioned-*) flags+=(--partitioned) ;; esac
    echo "${flags[@]}"
}

status=0
echo "== the W&B Dagster guide's configurations (all must be clean)"
for file in examples/*.json examples/*.yaml; do
    case "$(basename "$file")" in broken--*) continue ;; esac
    kind=$(basename "$file" | sed 's/--.*//')
    # shellcheck disable=SC2046
    "$wandguard" validate --kind "$kind" $(flags_for "$file") "$file" || status=1
done

echo
echo "== a broken configuration (diagnostics expected)"
for file in examples/broken--*; do
    kind=$(basename "$file" | sed 's/^broken--//; s/\..*//')
    if "$wandguard" validate --kind "$kind" "$file"; then
        echo "expected $file to have errors" >&2
        status=1
    fi
done
exit "$status"
