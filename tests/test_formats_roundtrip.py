"""Export then import gives back the same plan, for every field each format carries."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.formats import FORMATS, IMPORTERS
from registry.formats.base import project
from registry.formats.plan_yaml import plan_yaml
from registry.formats.transfer import export_files, import_plan, write_export
from registry.formats.yaml_writer import dump_with_positions
from registry.load.cache import ParseCache
from registry.load.yamlsafe import load_yaml
from registry.pull.sources import from_registry

EXAMPLES = int(os.environ.get("TRACKPLAN_FORMAT_EXAMPLES", "15"))
OBJECTS = ["Order", "Cart", "Product", "Video", "Account", "Page", "Coupon", "Search"]
ACTIONS = ["Viewed", "Completed", "Shared", "Started", "Played", "Applied", "Updated"]
WORDS = ["id", "name", "price", "count", "kind", "total", "url", "label", "step", "tier"]
TEXT = (
    st.text(alphabet="abcdefghij KLMNOP.,;:'()-é", min_size=1, max_size=30)
    .map(lambda s: " ".join(s.split()))
    .filter(bool)
)
NAMES = st.lists(st.sampled_from(WORDS), min_size=1, max_size=2).map("_".join)


@st.composite
def prop(draw: st.DrawFn, depth: int = 0) -> dict[str, Any]:
    kind = draw(
        st.sampled_from(
            ["string", "number", "integer", "boolean", "array", "object"]
            if depth < 1
            else ["string", "number", "boolean"]
        )
    )
    spec: dict[str, Any] = {"type": kind}
    if draw(st.booleans()) and kind in ("string", "number"):
        spec["type"] = [kind, "null"]
    if kind == "string" and draw(st.booleans()):
        spec["enum"] = draw(st.lists(TEXT, min_size=1, max_size=3, unique=True))
    elif kind == "string" and draw(st.booleans()):
        spec["minLength"] = draw(st.integers(0, 5))
    if kind in ("number", "integer") and draw(st.booleans()):
        spec["minimum"] = draw(st.integers(-5, 5))
    if kind == "array" and draw(st.booleans()):
        spec["items"] = draw(prop(depth + 1))
    if kind == "object" and draw(st.booleans()):
        spec["properties"] = draw(st.dictionaries(NAMES, prop(depth + 1), min_size=1, max_size=2))
    if draw(st.booleans()):
        spec["required"] = True
    if draw(st.booleans()):
        spec["description"] = draw(TEXT)
    if kind == "string" and "enum" not in spec and draw(st.booleans()):
        spec["examples"] = [draw(TEXT)]
    return spec


@st.composite
def plan_document(draw: st.DrawFn) -> dict[str, Any]:
    names = draw(
        st.lists(
            st.tuples(st.sampled_from(OBJECTS), st.sampled_from(ACTIONS)).map(" ".join),
            min_size=1,
            max_size=5,
            unique=True,
        )
    )
    events = {}
    for name in names:
        event: dict[str, Any] = {}
        if draw(st.booleans()):
            event["description"] = draw(TEXT)
        if draw(st.booleans()):
            event["owners"] = [
                draw(st.sampled_from(["@acme/growth", "@acme/data", "dana@acme.io"]))
            ]
        if draw(st.booleans()):
            event["sources"] = draw(
                st.lists(st.sampled_from(["web", "ios"]), min_size=1, max_size=2, unique=True)
            )
        if draw(st.booleans()):
            event["stage"] = draw(st.sampled_from(["Visitor", "Customer"]))
        if draw(st.booleans()):
            event["renamed_from"] = [f"Old {name}"]
        if draw(st.booleans()):
            event["additional_properties"] = False
        props = draw(st.dictionaries(NAMES, prop(), max_size=4))
        if props:
            event["properties"] = props
        events[name] = event
    document: dict[str, Any] = {
        "plan": "web",
        "sources": {"web": {}, "ios": {}},
        "lifecycle": [{"stage": "Visitor"}, {"stage": "Customer"}],
        "events": events,
    }
    if draw(st.booleans()):
        document["title"] = draw(TEXT)
    if draw(st.booleans()):
        document["description"] = draw(TEXT)
    for section, inner in (("common", "properties"), ("identify", "traits"), ("group", "traits")):
        props = draw(st.dictionaries(NAMES, prop(1), max_size=2))
        if props:
            document[section] = {inner: props}
    return document


def _registry_document(root: Path, plan_id: str) -> dict[str, Any]:
    (found,), errors = from_registry(root, None, ParseCache(None))
    assert not errors, errors
    return found.document


@pytest.mark.parametrize("fmt", sorted(set(IMPORTERS) & set(FORMATS)))  # both ways
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(document=plan_document())
def test_export_then_import_keeps_what_the_format_carries(
    fmt: str, document: dict[str, Any]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        original = root / "original"
        (original / "plans/web").mkdir(parents=True)
        (original / "plans/web/plan.yaml").write_text(plan_yaml("web", document))
        before = _registry_document(original, "web")
        files, _dropped = export_files(fmt, before)
        out = root / "exported"
        write_export(
            files, out if FORMATS[fmt].FOLDER else out / next(iter(files)), FORMATS[fmt].FOLDER
        )
        source = out if FORMATS[fmt].FOLDER else out / next(iter(files))
        result = import_plan(fmt, source, "web", root / "imported")
        assert not [f for f in result.findings if f.level == "error"], result.findings
        after = _registry_document(root / "imported", "web")
        carries = FORMATS[fmt].CARRIES
        assert project(after, carries) == project(before, carries)


@settings(max_examples=EXAMPLES, deadline=None)
@given(document=plan_document())
def test_mixpanel_entries_are_draft_7_schemas_that_accept_the_plans_calls(
    document: dict[str, Any],
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "plans/web").mkdir(parents=True)
        (root / "plans/web/plan.yaml").write_text(plan_yaml("web", document))
        before = _registry_document(root, "web")
    (data,) = export_files("mixpanel", before)[0].values()
    entries = json.loads(data)["entries"]
    events = [e for e in entries if e["entityType"] == "event"]
    assert [e["name"] for e in events] == sorted(before["events"])
    for entry in entries:
        jsonschema.Draft7Validator.check_schema(entry["schemaJson"])
        required = entry["schemaJson"].get("required", [])
        assert set(required) <= set(entry["schemaJson"]["properties"])


SCALARS = (st.none() | st.booleans() | st.integers(-(10**30), 10**30)
           | st.floats(allow_nan=False) | st.text(max_size=20))  # fmt: skip
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=EXAMPLES * 20, deadline=None)
@given(data=st.dictionaries(st.text(max_size=10), VALUES, max_size=5))
def test_the_yaml_writer_reads_back_as_written_with_the_parser_s_positions(
    data: dict[str, Any],
) -> None:
    text, positions = dump_with_positions(data)
    parsed = load_yaml(text.encode())
    assert parsed.data == data
    assert positions == parsed.positions


def test_a_large_import_is_split_into_event_files(run_cli: Any, tmp_path: Path) -> None:
    rows = "".join(f"Thing {chr(65 + i // 26)}{chr(97 + i % 26)} Viewed,prop_a,string\n"
                   for i in range(450))  # fmt: skip
    sheet = tmp_path / "big.csv"
    sheet.write_text("event,property,type\n" + rows)
    result = run_cli("import", "csv", str(sheet), "--plan", "big", "--repo", str(tmp_path / "r"))
    assert result.code == 0, result.err
    assert result.out == "wrote plans/big/: plan big, 450 events\n"
    folder = tmp_path / "r/plans/big"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*.yaml")) == [
        "events/events-001.yaml", "events/events-002.yaml", "events/events-003.yaml",
        "plan.yaml"]  # fmt: skip
    assert len(_registry_document(tmp_path / "r", "big")["events"]) == 450
