#!/usr/bin/env bash
# The main job, end to end on the embedded default: builds wandguard, starts `wandguard serve` on a free
# loopback port, validates the W&B Dagster guide's configurations (and shows one broken file's diagnostics),
# logs a dataset whose value is encoded into `output.pickle` inside the sandbox, fetches it back through the
# md5-verified cache and decodes it in the sandbox, refuses an invalid artifact configuration before anything
# is sent, and refuses a hostile pickle artifact after download. Everything stays on 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/build-guest.sh
cargo build -p wandguard --locked
wandguard="$PWD/target/debug/wandguard"

status=0
step() { printf '\n== %s\n' "$*"; }

# Flags follow the file name: `--op-` configs sit on a plain @op, `--partitioned-` ones on a partitioned input.
flags_for() {
    local name flags=()
    name=$(basename "$1")
    case "$name" in *--op-*) flags+=(--context op) ;; esac
    case "$name" in *--partitioned-*) flags+=(--partitioned) ;; esac
    echo "${flags[@]}"
}

step "1. the W&B Dagster guide's configurations (all must be clean)"
for file in examples/*.json examples/*.yaml; do
    case "$(basename "$file")" in broken--*) continue ;; esac
    kind=$(basename "$file" | sed 's/--.*//')
    # shellcheck disable=SC2046
    "$wandguard" validate --kind "$kind" $(flags_for "$file") "$file" || status=1
done

step "2. a broken configuration (diagnostics expected)"
for file in examples/broken--*; do
    kind=$(basename "$file" | sed 's/^broken--//; s/\..*//')
    if "$wandguard" validate --kind "$kind" "$file"; then
        echo "expected $file to have errors" >&2
        status=1
    fi
done

work=$(mktemp -d)
server_pid=""
cleanup() {
    if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    rm -rf "$work"
}
trap cleanup EXIT

step "3. start wandguard serve on a free loopback port (data in a fresh directory)"
# A throw-away key in the form the wandb SDK accepts; it is only ever passed through the environment.
WANDB_API_KEY="demo_$(od -An -N24 -tx1 /dev/urandom | tr -d ' \n')"
export WANDB_API_KEY WANDGUARD_SERVE_API_KEY="$WANDB_API_KEY"
"$wandguard" serve --port 0 --dir "$work/server" --entity demo >"$work/serve.out" 2>"$work/serve.err" &
server_pid=$!
for _ in $(seq 100); do
    grep -q '^listening on ' "$work/serve.out" 2>/dev/null && break
    sleep 0.1
done
base_url=$(sed -n 's/^listening on //p' "$work/serve.out")
if [ -z "$base_url" ]; then
    echo "wandguard serve did not start:" >&2
    cat "$work/serve.err" >&2
    exit 1
fi
echo "wandguard serve is listening on $base_url"
export WANDB_BASE_URL="$base_url" WANDB_PROJECT=demo-project WANDGUARD_ARTIFACT_CACHE="$work/cache"
unset WANDB_ENTITY

step "4. an invalid artifact configuration is refused in the sandbox before any request"
echo "fine" >"$work/notes.txt"
if "$wandguard" artifact log --name "my dataset!" --type dataset --add-file "$work/notes.txt" --quiet; then
    echo "expected the invalid name to be refused" >&2
    status=1
fi

step "5. log a pickled dataset: the value is encoded into output.pickle inside the sandbox"
cat >"$work/dataset.json" <<'EOF'
{"columns": ["id", "species", "petal_length"],
 "rows": [[1, "setosa", 1.4], [2, "versicolor", 4.7], [3, "virginica", 6.0]],
 "source": "wandguard demo"}
EOF
echo "dataset card: three iris rows" >"$work/README.txt"
"$wandguard" artifact log --name iris --type dataset --alias best --description "three iris rows" \
    --value "$work/dataset.json" --serialization-module pickle --param protocol=5 \
    --add-file "$work/README.txt" --quiet || status=1

step "6. fetch it back (md5 of every file verified, through the cache) and decode output.pickle in the sandbox"
"$wandguard" artifact get "demo/demo-project/iris:best" --root "$work/iris" --quiet || status=1
"$wandguard" artifact get "demo/demo-project/iris:latest" --root "$work/iris" --decode --quiet || status=1

step "7. a hostile artifact: output.pickle would call os.system under CPython"
printf "cos\nsystem\n(S'echo pwned'\ntR." >"$work/output.pickle"
"$wandguard" artifact log --name hostile --type dataset --add-file "$work/output.pickle" --quiet || status=1
if "$wandguard" artifact get "demo/demo-project/hostile:latest" --root "$work/hostile" --decode --quiet; then
    echo "expected the hostile payload to be refused" >&2
    status=1
else
    echo "refused: nothing was executed"
fi

step "done"
if [ "$status" -eq 0 ]; then echo "every step behaved as expected"; else echo "some step failed" >&2; fi
exit "$status"
