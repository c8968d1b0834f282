"""A guest panic is a `SandboxError` carrying the panic message, and the next call works. Needs the guest
built with its `fault-injection` test hook; scripts/test.sh keeps the one its fault-injection step builds and
sets WANDGUARD_FAULT_COMPONENT. By hand:

    cargo build -p wandguard-guest --target wasm32-wasip2 --profile guest --features fault-injection \\
        --target-dir target/guest-fault
    WANDGUARD_FAULT_COMPONENT=target/guest-fault/wasm32-wasip2/guest/wandguard_guest.wasm pytest python/tests
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

FAULT_COMPONENT = os.environ.get("WANDGUARD_FAULT_COMPONENT")

SCRIPT = """
import json, wandguard
try:
    wandguard.validate("#wandguard-fault-injection:panic", kind="artifact-output")
except wandguard.SandboxError as error:
    fault = [error.code, str(error)]
after = wandguard.validate({"type": "dataset"}, kind="artifact-output", context="op")[0].code
print(json.dumps([fault, after]))
"""


@pytest.mark.skipif(not FAULT_COMPONENT, reason="WANDGUARD_FAULT_COMPONENT (the fault-injection guest) is not set")
def test_a_guest_panic_is_a_sandbox_error_and_the_next_call_works(tmp_path):
    env = dict(os.environ, WANDGUARD_COMPONENT=str(FAULT_COMPONENT), WANDGUARD_CACHE_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "-c", SCRIPT], env=env, capture_output=True, text=True, check=True)
    (code, message), after = json.loads(result.stdout)
    assert code == "guest-fault"
    assert message.startswith("the sandbox faulted: wasm trap")
    assert "fault injected by the host's test" in message
    assert after == "name-required"
