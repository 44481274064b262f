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

from registry.cache import ParseCache
from registry.formats import FORMATS, IMPORTERS
from registry.formats.base import project
from registry.formats.plan_yaml import plan_yaml
from registry.formats.transfer import export_files, import_plan, write_export
from registry.plan_source import from_registry

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


@pytest.mark.parametrize("fmt", sorted(IMPORTERS))
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
