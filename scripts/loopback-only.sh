#!/usr/bin/env bash
# Runs a command with no network but loopback (a fresh network namespace whose only interface is `lo`), so tests
# can prove they talk to nothing but the servers they start on 127.0.0.1. Where namespaces are not available
# (no `unshare`/`ip`, or not permitted), runs the command as is and says so; the wandb SDK tests then still point
# every proxy variable at a closed loopback port.
set -euo pipefail
if command -v unshare >/dev/null && command -v ip >/dev/null && unshare -rn true 2>/dev/null; then
    exec unshare -rn sh -c 'ip link set lo up && exec "$@"' loopback-only "$@"
fi
echo "loopback-only: network namespaces unavailable here; running without network isolation" >&2
exec "$@"
