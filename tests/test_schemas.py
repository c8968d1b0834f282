"""Cross-checks wandguard's JSON Schemas with the Python reference implementation of JSON Schema.

Run with a throwaway environment (no cargo needed):

    python3 -m venv /tmp/schemavenv
    /tmp/schemavenv/bin/pip install -q jsonschema referencing pyyaml pytest
    /tmp/schemavenv/bin/pytest -q tests/check_schemas.py

What it checks:
  * every schema in schemas/ is a valid draft 2020-12 schema with the agreed `$schema`/`$id`/titles;
  * every case in tests/config-fixtures/schema-cases.json gets the verdict it expects (the Rust side
    compares its own verdicts against the same file);
  * every property at every level carries editor hover text (`markdownDescription`), every enum documents
    its values, and closed objects stay closed;
  * every example in examples/ except `broken--*` is valid under its kind's schema, and the broken one is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

ROOT = Path(__file__).resolve().parent.parent
SCHEMA_DIR = ROOT / "schemas"
EXAMPLES_DIR = ROOT / "examples"
CASES_FILE = ROOT / "tests" / "config-fixtures" / "schema-cases.json"

ID_BASE = "https://wandguard.dev/schemas/"
KINDS = [
    "artifact-output",
    "artifact-input",
    "io-manager",
    "wandb-resource",
    "wandb-config",
    "launch-agent",
    "launch-job",
    "run-config",
]

# Keywords whose value is one subschema, a list of subschemas, or a map of name -> subschema.
SINGLE_SUBSCHEMA = {
    "items", "additionalProperties", "not", "if", "then", "else", "contains",
    "propertyNames", "unevaluatedItems", "unevaluatedProperties",
}
LIST_OF_SUBSCHEMAS = {"anyOf", "oneOf", "allOf", "prefixItems"}
MAP_OF_SUBSCHEMAS = {"properties", "patternProperties", "$defs", "dependentSchemas"}

# Objects that Dagster or dagster-wandb leave open on purpose; every other object schema is closed.
OPEN_OBJECTS = {
    ("artifact-output", "/$defs/serializationModule/properties/parameters"),  # kwargs of dump()
    ("artifact-output", "/properties/partitions"),  # accepted and unused on write
    ("artifact-input", "/properties/partitions"),  # keys are partition keys; values are closed via $defs
    ("launch-job", "/properties/parameters"),  # Noneable(Permissive())
    ("launch-job", "/properties/resource_args"),
    ("launch-job", "/properties/config"),
    ("run-config", ""),  # Dagster has more top-level keys
    ("run-config", "/properties/resources"),
    ("run-config", "/properties/ops"),
    ("run-config", "/properties/execution"),
    ("run-config", "/properties/loggers"),
}
OPEN_BLOCK_PREFIXES = ("/properties/resources/properties/", "/properties/ops/properties/")


def load_schema(kind: str) -> dict[str, Any]:
    return json.loads((SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8"))


SCHEMAS = {kind: load_schema(kind) for kind in KINDS}


def build_registry() -> Registry:
    return Registry().with_resources(
        (schema["$id"], DRAFT202012.create_resource(schema)) for schema in SCHEMAS.values()
    )


REGISTRY = build_registry()
VALIDATORS = {kind: Draft202012Validator(schema, registry=REGISTRY) for kind, schema in SCHEMAS.items()}


def subschemas(schema: Any, pointer: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Every schema object reachable through schema keywords (never through `examples`, `default`, `enum`)."""
    if not isinstance(schema, dict):
        return
    yield pointer, schema
    for keyword, value in schema.items():
        here = f"{pointer}/{keyword}"
        if keyword in SINGLE_SUBSCHEMA:
            yield from subschemas(value, here)
        elif keyword in LIST_OF_SUBSCHEMAS and isinstance(value, list):
            for index, item in enumerate(value):
                yield from subschemas(item, f"{here}/{index}")
        elif keyword in MAP_OF_SUBSCHEMAS and isinstance(value, dict):
            for name, item in value.items():
                yield from subschemas(item, f"{here}/{name.replace('~', '~0').replace('/', '~1')}")


def properties_everywhere(schema: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    for pointer, node in subschemas(schema):
        for name, prop in node.get("properties", {}).items():
            yield f"{pointer}/properties/{name}", prop


def load_cases() -> list[dict[str, Any]]:
    return json.loads(CASES_FILE.read_text(encoding="utf-8"))


CASES = load_cases()


def load_example(path: Path) -> Any:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        return json.loads(text)
    return yaml.safe_load(text)


def example_files() -> list[Path]:
    return sorted(p for p in EXAMPLES_DIR.iterdir() if p.suffix in {".json", ".yaml", ".yml"})


# ---------------------------------------------------------------------------------------------------- (a)


@pytest.mark.parametrize("kind", KINDS)
def test_schema_is_valid_draft_2020_12(kind: str) -> None:
    Draft202012Validator.check_schema(SCHEMAS[kind])


@pytest.mark.parametrize("kind", KINDS)
def test_schema_header(kind: str) -> None:
    schema = SCHEMAS[kind]
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"{ID_BASE}{kind}.schema.json"
    for key in ("title", "description", "markdownDescription"):
        assert isinstance(schema.get(key), str) and schema[key].strip(), f"{kind}: root lacks {key}"
    assert schema.get("type") == "object"


@pytest.mark.parametrize("kind", KINDS)
def test_no_dynamic_refs_and_only_known_refs(kind: str) -> None:
    text = (SCHEMA_DIR / f"{kind}.schema.json").read_text(encoding="utf-8")
    assert "$dynamicRef" not in text and "$dynamicAnchor" not in text
    for pointer, node in subschemas(SCHEMAS[kind]):
        ref = node.get("$ref")
        if ref is None:
            continue
        if ref.startswith("#/"):
            target: Any = SCHEMAS[kind]
            for token in ref[2:].split("/"):
                target = target[token]
            assert isinstance(target, dict), f"{kind}{pointer}: {ref} is not a schema"
        else:
            assert kind == "run-config", f"{kind}{pointer}: only run-config may refer to other schemas"
            assert ref in {f"{k}.schema.json" for k in KINDS}, f"{kind}{pointer}: relative ref {ref!r} expected"
            REGISTRY.resolver(base_uri=SCHEMAS[kind]["$id"]).lookup(ref)


# ---------------------------------------------------------------------------------------------------- (b)


def test_case_file_shape() -> None:
    assert isinstance(CASES, list) and len(CASES) >= 60
    for index, case in enumerate(CASES):
        assert set(case) == {"kind", "document", "valid", "note"}, f"case {index} has keys {sorted(case)}"
        assert case["kind"] in KINDS, f"case {index}: unknown kind {case['kind']!r}"
        assert isinstance(case["valid"], bool)
        assert isinstance(case["note"], str) and case["note"]
    for kind in KINDS:
        verdicts = {case["valid"] for case in CASES if case["kind"] == kind}
        assert verdicts == {True, False}, f"{kind}: needs both valid and invalid cases"


@pytest.mark.parametrize(
    "case",
    CASES,
    ids=[f"{i:03d}-{c['kind']}-{'ok' if c['valid'] else 'bad'}" for i, c in enumerate(CASES)],
)
def test_schema_case(case: dict[str, Any]) -> None:
    validator = VALIDATORS[case["kind"]]
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in validator.iter_errors(case["document"])]
    assert validator.is_valid(case["document"]) == case["valid"], f"{case['note']}: errors={errors}"


def test_cases_exercise_every_enum_value() -> None:
    for kind, schema in SCHEMAS.items():
        for pointer, node in subschemas(schema):
            for value in node.get("enum", []):
                assert value in json.dumps([c["document"] for c in CASES if c["kind"] == kind]), (
                    f"{kind}{pointer}: enum value {value!r} appears in no case"
                )


# ---------------------------------------------------------------------------------------------------- (c)


@pytest.mark.parametrize("kind", KINDS)
def test_every_property_has_markdown_description(kind: str) -> None:
    missing = [
        pointer
        for pointer, prop in properties_everywhere(SCHEMAS[kind])
        if not (isinstance(prop, dict) and isinstance(prop.get("markdownDescription"), str) and prop["markdownDescription"].strip())
    ]
    assert not missing, f"{kind}: properties without markdownDescription: {missing}"


@pytest.mark.parametrize("kind", KINDS)
def test_hover_text_gives_default_and_example(kind: str) -> None:
    """House style: the hover text says what the key does, its default (or that it is required), and an example."""
    lacking = []
    for pointer, prop in properties_everywhere(SCHEMAS[kind]):
        text = prop["markdownDescription"]
        if not any(word in text for word in ("Default", "default", "Required")):
            lacking.append(f"{pointer} (default)")
        if not any(word in text for word in ("Example", "e.g.")):
            lacking.append(f"{pointer} (example)")
    assert not lacking, f"{kind}: {lacking}"


@pytest.mark.parametrize("kind", KINDS)
def test_every_def_and_branch_is_described(kind: str) -> None:
    schema = SCHEMAS[kind]
    for name, definition in schema.get("$defs", {}).items():
        assert definition.get("markdownDescription"), f"{kind}: $defs/{name} lacks markdownDescription"
    for pointer, node in subschemas(schema):
        for branch in node.get("anyOf", []):
            assert branch.get("markdownDescription"), f"{kind}{pointer}: anyOf branch lacks markdownDescription"


@pytest.mark.parametrize("kind", KINDS)
def test_every_enum_is_documented(kind: str) -> None:
    for pointer, node in subschemas(SCHEMAS[kind]):
        if "enum" in node:
            docs = node.get("markdownEnumDescriptions")
            assert isinstance(docs, list) and len(docs) == len(node["enum"]), f"{kind}{pointer}: enum docs"
            assert all(isinstance(d, str) and d.strip() for d in docs)


@pytest.mark.parametrize("kind", KINDS)
def test_defaults_and_examples_are_valid(kind: str) -> None:
    schema = SCHEMAS[kind]
    for pointer, node in subschemas(schema):
        if "$ref" in node:
            continue
        local = Draft202012Validator({**node, "$defs": schema.get("$defs", {})}, registry=REGISTRY)
        if "default" in node:
            assert local.is_valid(node["default"]), f"{kind}{pointer}: default does not match its own schema"
        for example in node.get("examples", []):
            assert local.is_valid(example) if pointer else VALIDATORS[kind].is_valid(example), (
                f"{kind}{pointer}: example {example!r} does not match"
            )


@pytest.mark.parametrize("kind", KINDS)
def test_closed_objects_stay_closed(kind: str) -> None:
    for pointer, node in subschemas(SCHEMAS[kind]):
        if node.get("type") != "object" and "object" not in (node.get("type") or []):
            continue
        if (kind, pointer) in OPEN_OBJECTS:
            continue
        if kind == "run-config" and pointer.startswith(OPEN_BLOCK_PREFIXES) and pointer.count("/properties/") == 2:
            continue  # a bound resource/op block: `config` is checked, Dagster's other keys are not
        assert node.get("additionalProperties") is False, f"{kind}{pointer}: object is not closed"


# ---------------------------------------------------------------------------------------------------- (d)

EXAMPLES = [p for p in example_files() if not p.name.startswith("broken--")]


def test_enough_examples() -> None:
    assert len(EXAMPLES) >= 14
    assert {p.name.split("--", 1)[0] for p in EXAMPLES} == set(KINDS), "every kind needs an example"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_is_valid(path: Path) -> None:
    kind = path.name.split("--", 1)[0]
    assert kind in KINDS, f"{path.name}: file name does not start with a kind"
    document = load_example(path)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}" for e in VALIDATORS[kind].iter_errors(document)]
    assert not errors, f"{path.name}: {errors}"


def test_examples_read_api_key_from_env() -> None:
    for path in EXAMPLES:
        text = json.dumps(load_example(path))
        if "api_key" in text:
            assert '"api_key": {"env": "WANDB_API_KEY"}' in text, f"{path.name}: api_key must be {{env: WANDB_API_KEY}}"


def test_broken_example_is_reported() -> None:
    path = EXAMPLES_DIR / "broken--artifact-output.json"
    document = load_example(path)
    errors = list(VALIDATORS["artifact-output"].iter_errors(document))
    messages = " ".join(e.message for e in errors)
    assert "aliase" in messages, "the misspelled key must be reported"
    assert any(e.validator == "enum" for e in errors), "the unsupported serialization module must be reported"
    assert " " in document["name"], "the artifact name with a space is for the Rust naming rule"


def test_readme_lists_every_example() -> None:
    readme = (EXAMPLES_DIR / "README.md").read_text(encoding="utf-8")
    for path in example_files():
        assert f"`{path.name}`" in readme, f"examples/README.md does not list {path.name}"
