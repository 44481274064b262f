"""Importers lose nothing silently: every definition of the source is in the plan or named,
with its place, in the warning (imported + reported = read, counted independently)."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from registry.load.cache import ParseCache
from registry.load.yamlsafe import load_yaml
from registry.pull.sources import from_registry
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
FIXTURES = Path(__file__).parent / "fixtures" / "formats"
CALL_PARTS = {"context", "properties", "traits"}


# --- counting a Segment file, written apart from the importer ------------------------------


def _resolve(schema: Any, root: Any) -> Any:
    while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
        target = root
        for part in schema["$ref"].lstrip("#").split("/")[1:]:
            target = target.get(part) if isinstance(target, dict) else None
        schema = {**(target or {}), **{k: v for k, v in schema.items() if k != "$ref"}}
    return schema


def _members(schema: Any, root: Any) -> Iterator[dict[str, Any]]:
    """Every property definition reachable through `properties` and `items`, any depth."""
    schema = _resolve(schema, root)
    if not isinstance(schema, dict):
        return
    for sub in (schema.get("properties") or {}).values():
        sub = _resolve(sub, root)
        if isinstance(sub, dict):
            yield sub
            yield from _members(sub, root)
    items = _resolve(schema.get("items"), root)
    if isinstance(items, dict):
        yield from _members(items, root)


def _payload(schema: Any, part: str) -> tuple[Any, Any]:
    """(the part a rule constrains, the context part or None)."""
    props = (schema or {}).get("properties") if isinstance(schema, dict) else None
    if isinstance(props, dict) and props and set(props) <= CALL_PARTS:
        return props.get(part), props.get("context")
    return schema, None


def _count_segment(data: Any) -> Counter[str]:
    """definitions: events, properties (traits too), labels, enum values, other rules."""
    found: Counter[str] = Counter()
    for key in ("data", "tracking_plan", "trackingPlan"):
        if isinstance(data.get(key), dict) and "rules" not in data:
            data = data[key]
    if isinstance(data.get("trackingPlans"), list):
        data = data["trackingPlans"][0]
    rules = data.get("rules")
    entries: list[tuple[str, Any, Any, str]] = []  # (kind, schema, labels, part)
    if isinstance(rules, list):
        for rule in rules:
            kind = rule.get("type", "TRACK")
            schema = rule.get("jsonSchema")
            if kind == "TRACK":
                entries.append(("event", schema, (schema or {}).get("labels"), "properties"))
            elif kind in ("IDENTIFY", "GROUP", "COMMON"):
                entries.append(("section", schema, None, "traits" if kind != "COMMON" else
                                "properties"))  # fmt: skip
            else:
                found["rule"] += 1
    else:
        events = rules["events"] if isinstance(rules, dict) else data["events"]
        newest: dict[str, Any] = {}
        for entry in events:  # one event per name: its newest version
            if entry["name"] not in newest or entry.get("version", 1) > newest[entry["name"]].get(
                "version", 1
            ):
                newest[entry["name"]] = entry
        found["event"] += len(events) - len(newest)  # each older version: an event definition
        for entry in newest.values():
            labels = {**(entry.get("labels") or {}), **(entry["rules"].get("labels") or {})}
            entries.append(("event", entry["rules"], labels, "properties"))
        for key in ("global", "identify", "group"):
            if isinstance(rules, dict) and rules.get(key):
                entries.append(("section", rules[key], None,
                                "properties" if key == "global" else "traits"))  # fmt: skip
    for kind, schema, labels, part in entries:
        if kind == "event":
            found["event"] += 1
        found["label"] += len(labels or {})
        payload, context = _payload(schema, part)
        for member in _members(payload, schema):
            found["property"] += 1
            items = _resolve(member.get("items"), schema)
            for spec in (member, items if isinstance(items, dict) else {}):
                found["enum value"] += len(spec.get("enum") or [])
        for _ in (context or {}).get("properties") or {}:
            found["property"] += 1
    return found


def _count_plan(document: dict[str, Any]) -> Counter[str]:
    found: Counter[str] = Counter()

    def walk(props: dict[str, Any]) -> None:
        for spec in props.values():
            found["property"] += 1
            found["enum value"] += len(spec.get("enum") or [])
            walk(spec.get("properties") or {})
            items = spec.get("items") or {}
            walk(items.get("properties") or {})
            found["enum value"] += len(items.get("enum") or [])

    for section, inner in (("common", "properties"), ("identify", "traits"), ("group", "traits")):
        walk((document.get(section) or {}).get(inner) or {})
    for event in (document.get("events") or {}).values():
        found["event"] += 1
        found["label"] += len(event.get("labels") or {}) + bool(event.get("renamed_from"))
        walk(event.get("properties") or {})
    return found


@pytest.mark.parametrize(
    "fixture",
    [
        "segment_config_api.json",
        "segment_public_api.json",
        "segment_public_api_typewriter.json",
        "segment_typewriter_local.json",
    ],
)
def test_every_segment_definition_is_imported_or_named(
    fixture: str, run_cli: Cli, tmp_path: Path
) -> None:
    source = FIXTURES / fixture
    done = run_cli("import", "segment", str(source), "--plan", "web", "--repo", str(tmp_path),
                   "--format", "json")  # fmt: skip
    assert done.code in (0, 1), done.err
    lost = Counter(loss["kind"] for loss in done.json()["lost"])
    written = load_yaml((tmp_path / "plans/web/plan.yaml").read_bytes()).data
    read = _count_segment(json.loads(source.read_text()))
    imported = _count_plan(written)
    for kind in ("event", "property", "label", "enum value", "rule"):
        assert imported[kind] + lost[kind] == read[kind], (kind, imported, lost, read)
    assert read["property"] > 0


def test_keywords_read_in_part_are_kept_or_named(run_cli: Cli, tmp_path: Path) -> None:
    """A map's value schema, an open or closed object without properties, `anyOf` beside a
    `oneOf` of constants, branches that are not schemas, a required name no property has,
    and a track call's traits: each kept in the plan or named with its place."""
    props = {
        "prices": {"type": "object", "additionalProperties": {"type": "number"}},
        "closed": {"type": "object", "additionalProperties": False},
        "b": {"oneOf": [{"const": "p"}, {"const": "q"}], "anyOf": [{"minLength": 2}]},
        "d": {"anyOf": [True, {"type": "string"}]},
        "x": {"type": "string"},
    }
    schema = {"type": "object", "properties": {
        "properties": {"type": "object", "properties": props, "required": ["x", "nope"]},
        "traits": {"type": "object", "properties": {"plan": {"type": "string"}}},
    }}  # fmt: skip
    source = tmp_path / "segment.json"
    source.write_text(json.dumps({"name": "W", "rules": [
        {"type": "TRACK", "key": "Order Completed", "jsonSchema": schema}]}))  # fmt: skip
    done = run_cli("import", "segment", str(source), "--plan", "web", "--repo", str(tmp_path),
                   "--format", "json")  # fmt: skip
    assert done.code == 0, done.err
    at = "rules[0].jsonSchema.properties"
    assert sorted((loss["what"], loss["path"]) for loss in done.json()["lost"]) == [
        ("additionalProperties as a schema", f"{at}.properties.properties.prices."
         "additionalProperties"),
        ("keyword anyOf", f"{at}.properties.properties.d.anyOf"),
        ("required 'nope', a property `properties` does not define",
         f"{at}.properties.required[1]"),
        ("traits property plan", f"{at}.traits.properties.plan"),
    ]  # fmt: skip
    written = load_yaml((tmp_path / "plans/web/plan.yaml").read_bytes()).data
    kept = written["events"]["Order Completed"]["properties"]
    assert kept["closed"] == {"type": "object", "additional_properties": False}
    assert kept["b"] == {"enum": ["p", "q"], "anyOf": [{"minLength": 2}]}
    assert kept["x"] == {"type": "string", "required": True}


def test_strict_refuses_any_loss_and_writes_nothing(run_cli: Cli, tmp_path: Path) -> None:
    source = FIXTURES / "segment_public_api_typewriter.json"
    done = run_cli("import", "segment", str(source), "--plan", "web", "--repo", str(tmp_path),
                   "--strict")  # fmt: skip
    assert done.code == 1
    assert "the plan cannot hold 1 property, 1 rule; left out:" in done.err
    assert "--strict refuses any loss; nothing was written" in done.err
    assert not (tmp_path / "plans").exists()


def test_the_public_api_as_typewriter_stores_it_keeps_every_property(
    run_cli: Cli, tmp_path: Path
) -> None:
    source = FIXTURES / "segment_public_api_typewriter.json"
    assert run_cli("import", "segment", str(source), "--plan", "web", "--repo",
                   str(tmp_path)).code == 0  # fmt: skip
    (plan,), _ = from_registry(tmp_path, None, ParseCache(None))
    document = plan.document
    assert document["title"] == "Webflow Designer"
    published = document["events"]["Site Published"]
    assert published["labels"] == {"area": "publishing", "squad": "hosting"}
    props = published["properties"]
    assert props["domains"]["items"]["properties"]["host"] == {"type": "string", "required": True}
    assert props["settings"]["properties"]["ssl"]["type"] == ["boolean", "null"]
    assert "type" not in props["payload"]  # draft-03 `any`: no constraint
    assert props["plan"]["enum"] == ["free", "basic", "cms", None]
    assert document["identify"]["traits"]["role"]["enum"] == ["designer", "editor"]


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ('{"name": "my-app", "version": "1.0.0", "dependencies": {}}',
         "not a Segment tracking plan: expected `rules.events` (Config API), a `rules` list "
         "(Public API) or an `events` list of rules (Typewriter); its keys: dependencies, "
         "name, version"),
        ('{"trackingPlans": [{"rules": []}, {"rules": []}]}',
         "the file holds 2 tracking plans"),
    ],
)  # fmt: skip
def test_a_file_that_is_not_one_segment_plan_is_refused_not_read_as_empty(
    content: str, said: str, run_cli: Cli, tmp_path: Path
) -> None:
    source = tmp_path / "plan.json"
    source.write_text(content)
    done = run_cli("import", "segment", str(source), "--plan", "web", "--repo",
                   str(tmp_path / "repo"))  # fmt: skip
    assert done.code == 2
    assert said in done.err and f"{source}:1" in done.err
    assert not (tmp_path / "repo").exists()


def test_a_named_shape_must_match(run_cli: Cli, tmp_path: Path) -> None:
    done = run_cli("import", "segment", str(FIXTURES / "segment_config_api.json"), "--plan",
                   "web", "--repo", str(tmp_path), "--shape", "public")  # fmt: skip
    assert done.code == 2
    assert "not the public shape of a Segment plan (it looks like the config shape)" in done.err
    wrong = run_cli("import", "csv", str(FIXTURES / "sheet.csv"), "--plan", "web", "--repo",
                    str(tmp_path), "--shape", "public")  # fmt: skip
    assert wrong.code == 2 and "the csv format's shapes are none: it has one shape" in wrong.err


def _count_schema(schema: Any) -> Counter[str]:
    """Properties (any depth, through properties and items) and enum values of one JSON
    Schema, counted apart from the importer."""
    found: Counter[str] = Counter()
    for member in _members(schema, schema):
        found["property"] += 1
        items = _resolve(member.get("items"), schema)
        for spec in (member, items if isinstance(items, dict) else {}):
            found["enum value"] += len(spec.get("enum") or [])
    return found


def test_every_iglu_definition_is_imported_or_named(run_cli: Cli, tmp_path: Path) -> None:
    schemas = FIXTURES / "iglu" / "schemas"
    newest: dict[tuple[str, str], Path] = {}
    for path in sorted(schemas.glob("*/*/jsonschema/*")):
        key = (path.parts[-4], path.parts[-3])
        rank = tuple(int(n) for n in path.name.split("-"))
        if key not in newest or rank > tuple(int(n) for n in newest[key].name.split("-")):
            newest[key] = path
    read: Counter[str] = Counter(event=len(newest))
    for path in newest.values():
        read += _count_schema(json.loads(path.read_text()))
    done = run_cli("import", "iglu", str(schemas), "--plan", "web", "--repo", str(tmp_path),
                   "--format", "json")  # fmt: skip
    assert done.code in (0, 1), done.err
    lost = Counter(loss["kind"] for loss in done.json()["lost"])
    written = load_yaml((tmp_path / "plans/web/plan.yaml").read_bytes()).data
    imported = _count_plan(written)
    for kind in ("event", "property", "enum value"):
        assert imported[kind] + lost[kind] == read[kind], (kind, imported, lost, read)


def test_every_glean_definition_is_imported_or_named(run_cli: Cli, tmp_path: Path) -> None:
    source = FIXTURES / "glean_metrics.yaml"
    data = load_yaml(source.read_bytes()).data
    read: Counter[str] = Counter()
    for category, metrics in data.items():
        if category.startswith("$"):
            continue
        for metric in metrics.values():
            if metric.get("type") == "event":
                read["event"] += 1
                read["property"] += len(metric.get("extra_keys") or {})
            else:
                read["metric"] += 1
    done = run_cli("import", "glean", str(source), "--plan", "web", "--repo", str(tmp_path),
                   "--format", "json")  # fmt: skip
    lost = Counter(loss["kind"] for loss in done.json()["lost"])
    written = load_yaml((tmp_path / "plans/web/plan.yaml").read_bytes()).data
    imported = _count_plan(written)
    for kind in ("event", "property", "metric"):
        assert imported[kind] + lost[kind] == read[kind], (kind, imported, lost, read)


def test_every_sheet_row_is_imported(run_cli: Cli, tmp_path: Path) -> None:
    """A sheet of events, properties and trait rows: each event and each property or trait
    row is in the plan (the sheet holds nothing a plan cannot)."""
    rows = [
        "event,property,type,required,allowed values,call",
        "Order Completed,order_id,string,yes,,",
        "Order Completed,currency,string,yes,EUR|USD,",
        "Order Completed,total,float,no,,",
        "Cart Viewed,,,,,",
        "Cart Viewed,cart_id,string,yes,,track",
        ",email,string,yes,,identify",
        ",seats,int,no,,group",
        ",app_version,text,yes,,common",
    ]
    sheet = tmp_path / "plan.csv"
    sheet.write_text("\n".join(rows) + "\n")
    lines = [dict(zip(rows[0].split(","), r.split(","), strict=True)) for r in rows[1:]]
    read = Counter(
        event=len({r["event"] for r in lines if r["event"]}),
        property=sum(1 for r in lines if r["property"]),
    )
    read["enum value"] = sum(len(r["allowed values"].split("|")) for r in lines
                             if r["allowed values"])  # fmt: skip
    done = run_cli("import", "csv", str(sheet), "--plan", "web", "--repo", str(tmp_path / "r"),
                   "--format", "json")  # fmt: skip
    assert done.code == 0, done.err
    assert done.json()["lost"] == []
    written = load_yaml((tmp_path / "r/plans/web/plan.yaml").read_bytes()).data
    imported = _count_plan(written)
    for kind in ("event", "property", "enum value"):
        assert imported[kind] == read[kind], (kind, imported, read)
