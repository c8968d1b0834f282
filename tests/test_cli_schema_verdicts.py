"""wandguard's schema stage (jsonschema-rs inside the sandbox) must give the same verdict as Python's
`jsonschema` on every case of tests/config-fixtures/schema-cases.json, through the real CLI."""

import json
import subprocess
from collections import defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CASES = json.loads((ROOT / "tests/config-fixtures/schema-cases.json").read_text())
SCHEMA_CODES = {"unknown-key", "wrong-type", "invalid-value", "missing-key", "out-of-range", "invalid-format", "schema-mismatch"}


@pytest.fixture(scope="module")
def verdicts(wandguard_bin, tmp_path_factory):
    """{case index: set of schema-stage codes wandguard reported}, one CLI run per kind."""
    scratch = tmp_path_factory.mktemp("cases")
    by_kind = defaultdict(list)
    for index, case in enumerate(CASES):
        path = scratch / f"case-{index}.json"
        path.write_text(json.dumps(case["document"]))
        by_kind[case["kind"]].append((index, path))
    found = {}
    for kind, files in by_kind.items():
        run = subprocess.run(
            [str(wandguard_bin), "validate", "--kind", kind, "--format", "json", *[str(p) for _, p in files]],
            capture_output=True, text=True, check=False,
        )
        assert run.returncode in (0, 1, 2), run.stderr
        report = json.loads(run.stdout)
        for (index, _), entry in zip(files, report["files"]):
            if "error" in entry:
                found[index] = {entry["error"]["code"]}
            else:
                found[index] = {d["code"] for d in entry["diagnostics"] if d["code"] in SCHEMA_CODES}
    return found


@pytest.mark.parametrize("index", range(len(CASES)), ids=[f"{c['kind']}:{c.get('note', '')[:40]}" for c in CASES])
def test_schema_verdict_matches_python_jsonschema(verdicts, index):
    case = CASES[index]
    codes = verdicts[index]
    if case["valid"]:
        assert codes == set(), f"{case['note']}: wandguard reported {codes}"
    else:
        assert codes, f"{case['note']}: wandguard found nothing wrong"
