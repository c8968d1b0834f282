"""The whole pickle corpus through the real `wandguard` binary, checked against CPython:

- decode: benign files decode; code payloads are refused as `code-object`; hostile files and bombs are refused
  with one of the codes the manifest allows (never decoded);
- scan: the verdict is one the manifest allows — benign files are clean, hostile files and bombs never are;
- round trip: CPython's load of (decode -> encode) equals CPython's load of the original, types and sharing included;
- JSON: `decode --to json` of plain data equals `json.dumps` of CPython's value.
"""

import json
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import differential  # noqa: E402

HERE = Path(__file__).resolve().parent
WORKERS = max(2, os.cpu_count() or 2)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    subprocess.run([sys.executable, str(HERE / "generate_corpus.py"), str(out)], check=True, capture_output=True)
    return out, differential.load_manifest(out)["entries"]


def run(binary, *args, timeout=120):
    return subprocess.run([str(binary), *map(str, args)], capture_output=True, timeout=timeout, check=False)


def refusal_code(stderr):
    match = re.search(rb"refused \[([a-z-]+)\]", stderr)
    return match.group(1).decode() if match else None


def parallel(function, items):
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(function, items))


def test_decode_outcomes_follow_the_manifest(corpus, wandguard_bin):
    out, entries = corpus

    def check(entry):
        result = run(wandguard_bin, "decode", "--policy", "data", "--to", "msgpack", out / entry["file"])
        if entry["expect"] == "decode":
            return None if result.returncode == 0 else f"{entry['id']}: exit {result.returncode}: {result.stderr[-400:]!r}"
        if result.returncode != 1:
            return f"{entry['id']}: expected refusal {entry['expect_any']}, got exit {result.returncode} {result.stderr[-300:]!r}"
        code = refusal_code(result.stderr)
        if code not in entry["expect_any"]:
            return f"{entry['id']}: refused as {code}, expected one of {entry['expect_any']}"
        return None

    failures = [f for f in parallel(check, entries) if f]
    assert not failures, f"{len(failures)} of {len(entries)} files:\n" + "\n".join(failures[:40])


def test_scan_verdicts_follow_the_manifest(corpus, wandguard_bin):
    out, entries = corpus
    batches = [entries[i:i + 100] for i in range(0, len(entries), 100)]

    def check(batch):
        result = run(wandguard_bin, "scan", "--format", "json", *[out / e["file"] for e in batch])
        report = json.loads(result.stdout)
        problems = []
        for entry, scanned in zip(batch, report["files"]):
            verdict = scanned.get("verdict")
            if verdict not in entry["scan_any"]:
                problems.append(f"{entry['id']}: verdict {verdict}, expected one of {entry['scan_any']}")
            if entry["category"] in ("hostile", "bomb") and verdict == "clean":
                problems.append(f"{entry['id']}: hostile file scanned clean")
        return problems

    failures = [p for problems in parallel(check, batches) for p in problems]
    assert not failures, f"{len(failures)} problems:\n" + "\n".join(failures[:40])


def test_code_payloads_are_shown_symbolically_under_inspect(corpus, wandguard_bin):
    out, entries = corpus
    code = [e for e in entries if e["category"] == "code"]
    assert code
    for entry in code:
        result = run(wandguard_bin, "decode", "--policy", "inspect", "--to", "json", out / entry["file"])
        assert result.returncode == 0, (entry["id"], result.stderr[-300:])
        assert b'"$type"' in result.stdout, entry["id"]


def test_benign_round_trip_equals_cpython(corpus, wandguard_bin, tmp_path):
    out, entries = corpus
    benign = [e for e in entries if e["category"] == "benign"]

    def check(entry):
        source = out / entry["file"]
        reference = differential.python_load(source, entry["python"])
        decoded = tmp_path / (entry["id"] + ".msgpack")
        encoded = tmp_path / (entry["id"] + (".joblib" if entry["python"] == "joblib" else ".pickle"))
        result = run(wandguard_bin, "decode", "--to", "msgpack", "-o", decoded, source)
        if result.returncode != 0:
            return f"{entry['id']}: decode failed {result.stderr[-300:]!r}"
        layout = ["--to", "joblib"] if entry["python"] == "joblib" else ["--to", "pickle"]
        protocol = entry["protocol"] if entry["protocol"] is not None else 5
        result = run(wandguard_bin, "encode", "--from", "msgpack", *layout, "--protocol", max(protocol, 2 if entry["python"] == "joblib" else 0), "-o", encoded, decoded)
        if result.returncode != 0:
            return f"{entry['id']}: encode failed {result.stderr[-300:]!r}"
        ours = differential.python_load(encoded, "joblib" if entry["python"] == "joblib" else "pickle")
        difference = differential.explain_difference(reference, ours)
        return None if difference is None else f"{entry['id']}: {difference}"

    failures = [f for f in parallel(check, benign) if f]
    assert not failures, f"{len(failures)} of {len(benign)} benign files:\n" + "\n".join(failures[:40])


def test_plain_data_renders_as_python_json(corpus, wandguard_bin):
    out, entries = corpus
    plain = [e for e in entries if e["category"] == "benign" and e["json_equal"]]
    assert plain

    def check(entry):
        result = run(wandguard_bin, "decode", "--to", "json-plain", out / entry["file"])
        if result.returncode != 0:
            return f"{entry['id']}: exit {result.returncode}"
        reference = differential.python_load(out / entry["file"], entry["python"])
        return None if differential.json_equal(result.stdout.decode(), reference) else f"{entry['id']}: JSON differs"

    failures = [f for f in parallel(check, plain) if f]
    assert not failures, f"{len(failures)} of {len(plain)}:\n" + "\n".join(failures[:40])
