"""Config validation from Python against the same fixtures as the Rust host and the CLI
(tests/config-fixtures/rules.json): exactly the expected (code, severity, pointer, line, column) set, or the
expected input error; the guide's examples validate clean; dicts give the same codes and pointers as text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import wandguard
from conftest import REPO

FIXTURES = REPO / "tests" / "config-fixtures"
EXAMPLES = REPO / "examples"
CASES: list[dict[str, Any]] = json.loads((FIXTURES / "rules.json").read_text())


def _syntax(path: Path) -> str:
    return {".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(path.suffix, "auto")


@pytest.mark.parametrize("case", CASES, ids=[case["file"] for case in CASES])
def test_rule_fixture(case: dict[str, Any]) -> None:
    path = FIXTURES / case["file"]
    call = dict(
        kind=case["kind"],
        context=case["context"],
        partitioned=case["partitioned"],
        artifact_object=case["artifact_object"],
        resources=case.get("resources") or None,
        ops=case.get("ops") or None,
        syntax=_syntax(path),
    )
    if case["input_error"] is not None:
        with pytest.raises(wandguard.InvalidConfigDocumentError) as raised:
            wandguard.validate(path.read_bytes(), **call)
        expected = case["input_error"]
        assert raised.value.code == expected["code"]
        assert raised.value.line == expected["line"]
        if expected.get("column") is not None:
            assert raised.value.column == expected["column"]
        return
    found = sorted(
        (d.code, d.severity, d.pointer, d.line, d.column) for d in wandguard.validate(path.read_bytes(), **call)
    )
    expected = sorted((e["code"], e["severity"], e["pointer"], e["line"], e["column"]) for e in case["expect"])
    assert found == expected


def test_every_guide_example_validates_clean() -> None:
    checked = 0
    for path in sorted(EXAMPLES.iterdir()):
        kind, separator, _ = path.name.partition("--")
        if not separator or kind == "broken":
            continue
        context = "op" if "--op-" in path.name else "multi-asset" if "--multi-asset-" in path.name else "asset"
        found = wandguard.validate(
            path.read_text(), kind=kind, context=context, partitioned="--partitioned-" in path.name,
            ops={"my_launched_job": "launch-job"}, syntax=_syntax(path),
        )  # fmt: skip
        assert found == [], path.name
        checked += 1
    assert checked >= 30


def test_a_dict_gives_the_codes_and_pointers_of_its_json_text() -> None:
    config = {"name": "my artifact!", "aliase": ["latest"], "type": "dataset"}
    from_dict = wandguard.validate(config, kind="artifact-output", context="op")
    from_text = wandguard.validate(json.dumps(config, indent=2), kind="artifact-output", context="op")
    assert [(d.code, d.pointer) for d in from_dict] == [(d.code, d.pointer) for d in from_text]
    assert ("unknown-key", "/aliase") in {(d.code, d.pointer) for d in from_dict}
    unknown = next(d for d in from_text if d.code == "unknown-key")
    assert (unknown.line, unknown.column, unknown.hint) == (3, 3, "did you mean 'aliases'?")


def test_kind_is_inferred_or_the_ambiguity_is_an_error() -> None:
    assert wandguard.validate("resources:\n  wandb_config:\n    config:\n      entity: e\n      project: p\n", kind=None) == []
    with pytest.raises(wandguard.InvalidConfigDocumentError) as raised:
        wandguard.validate("{\"name\": \"x\"}", kind=None)
    assert raised.value.code == "ambiguous-kind"


def test_schema_is_the_embedded_json_schema() -> None:
    schema = wandguard.schema("artifact-output")
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    on_disk = json.loads((REPO / "schemas" / "artifact-output.schema.json").read_text())
    assert schema == on_disk
