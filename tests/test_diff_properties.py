"""Property-based tests of the diff over random plans and random mutations (hypothesis)."""

from __future__ import annotations

import copy
import json
from collections import Counter
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from registry.diff.changes import swap_audiences
from registry.diff.compare import DiffReport, compare
from registry.diff.render import render_json
from registry.load.snapshot import MemorySnapshot

TYPES = ["string", "integer", "number", "boolean"]
WORDS = ["alpha", "beta", "gamma", "delta"]
EVENTS = ["Order Completed", "Page Viewed", "Signed Up", "Cart Viewed", "Product Added"]
PROPS = ["order_id", "total", "path", "method", "seats", "plan_tier"]

prop_spec = st.fixed_dictionaries(
    {"type": st.sampled_from(TYPES)},
    optional={
        "required": st.booleans(),
        "description": st.sampled_from(["One.", "Two."]),
        "minimum": st.integers(0, 5),
    },
)
string_enum_spec = st.fixed_dictionaries(
    {"type": st.just("string"), "enum": st.lists(st.sampled_from(WORDS), min_size=1, unique=True)}
)
event_spec = st.fixed_dictionaries(
    {"properties": st.dictionaries(st.sampled_from(PROPS), st.one_of(prop_spec, string_enum_spec))},
    optional={"additional_properties": st.booleans()},
)
plan_data = st.dictionaries(st.sampled_from(EVENTS), event_spec, min_size=1, max_size=4)


def snapshot(events: dict[str, Any]) -> MemorySnapshot:
    doc = {"plan": {"id": "web"}, "events": events}
    # JSON is YAML: the loader reads it like any plan file.
    return MemorySnapshot({"plans/web/plan.yaml": json.dumps(doc, indent=1).encode()})


def diff(a: dict[str, Any], b: dict[str, Any]) -> DiffReport:
    return compare(snapshot(a), snapshot(b), validate_head=False)


# A mutation changes one property in place and knows its inverse.
Mutation = tuple[str, str, str, Any]  # (kind, event, property, argument)


@st.composite
def plan_and_mutation(draw: st.DrawFn) -> tuple[dict[str, Any], Mutation]:
    events = draw(plan_data)
    candidates = [(e, p) for e, spec in sorted(events.items()) for p in sorted(spec["properties"])]
    if not candidates:
        event = sorted(events)[0]
        events[event]["properties"]["total"] = {"type": "number"}
        candidates = [(event, "total")]
    event, prop = draw(st.sampled_from(candidates))
    kind = draw(st.sampled_from(["type", "required", "enum-add", "minimum", "closed"]))
    argument = draw(st.sampled_from(TYPES)) if kind == "type" else draw(st.sampled_from(WORDS))
    return events, (kind, event, prop, argument)


def apply(events: dict[str, Any], mutation: Mutation) -> tuple[dict[str, Any], Mutation]:
    """The mutated plan and the mutation that undoes it."""
    kind, event, prop, argument = mutation
    result = copy.deepcopy(events)
    spec = result[event]["properties"][prop]
    if kind == "type":
        undo = (kind, event, prop, spec["type"])
        spec["type"] = argument
    elif kind == "required":
        undo = (kind, event, prop, None)
        spec["required"] = not spec.get("required", False)
    elif kind == "enum-add":
        if "enum" not in spec:
            spec["enum"] = []
            undo = ("enum-drop", event, prop, None)
        else:
            undo = ("enum-set", event, prop, list(spec["enum"]))
        if argument not in spec["enum"]:
            spec["enum"].append(argument)
    elif kind == "enum-set":
        undo = ("enum-set", event, prop, list(spec["enum"]))
        spec["enum"] = argument
    elif kind == "enum-drop":
        undo = ("enum-set", event, prop, spec.pop("enum"))
    elif kind == "minimum":
        undo = ("minimum-set", event, prop, spec.get("minimum"))
        spec["minimum"] = spec.get("minimum", 0) + 1
    elif kind == "minimum-set":
        undo = ("minimum-set", event, prop, spec.get("minimum"))
        if argument is None:
            spec.pop("minimum", None)
        else:
            spec["minimum"] = argument
    else:  # closed: toggle the event's content model
        undo = ("closed", event, prop, None)
        closed = result[event].get("additional_properties") is False
        result[event]["additional_properties"] = closed
    if kind == "required" and not spec["required"]:
        spec.pop("required")
    return result, undo


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(plan_data)
def test_a_plan_diffed_with_itself_has_no_changes(events: dict[str, Any]) -> None:
    assert diff(events, events).changes == []


@FAST
@given(plan_and_mutation())
def test_a_mutation_and_its_inverse_cancel_out(case: tuple[dict[str, Any], Mutation]) -> None:
    events, mutation = case
    mutated, undo = apply(events, mutation)
    restored, _ = apply(mutated, undo)
    assert diff(events, restored).changes == []


def _audiences(report: DiffReport) -> Counter[tuple[str, tuple[str, ...]]]:
    return Counter((c.subject, c.breaks) for c in report.changes if c.breaks)


@FAST
@given(plan_and_mutation())
def test_swapping_base_and_head_swaps_producers_and_consumers(
    case: tuple[dict[str, Any], Mutation],
) -> None:
    # In-place changes (types, enums, required, bounds, content models) are symmetric.
    # Whole additions and removals are not, by design (DESIGN.md §4): removing an event
    # breaks its consumers, adding one breaks nobody. See docs/rules.md.
    events, mutation = case
    mutated, _ = apply(events, mutation)
    forward = _audiences(diff(events, mutated))
    backward = _audiences(diff(mutated, events))
    assert backward == Counter({(s, swap_audiences(b)): n for (s, b), n in forward.items()})


@FAST
@given(plan_and_mutation())
def test_output_bytes_are_identical_across_runs(case: tuple[dict[str, Any], Mutation]) -> None:
    events, mutation = case
    mutated, _ = apply(events, mutation)
    assert render_json(diff(events, mutated)) == render_json(diff(events, mutated))


def _with_common(events: dict[str, Any], common: dict[str, Any]) -> MemorySnapshot:
    doc = {"plan": {"id": "web"}, "common": {"properties": common}, "events": events}
    return MemorySnapshot({"plans/web/plan.yaml": json.dumps(doc, indent=1).encode()})


@FAST
@given(plan_data, st.sampled_from(PROPS), prop_spec)
def test_a_property_in_common_or_in_each_event_is_the_same_contract(
    events: dict[str, Any], name: str, spec: dict[str, Any]
) -> None:
    """`common` is shorthand: a plan whose common property `name` every event sends (but
    those that define it themselves) and the plan with `name` written into each such event
    send the same events, so their diff is empty either way. An event that then defines
    `name` otherwise (an override) changes that event."""
    spelled = copy.deepcopy(events)
    for event in spelled.values():
        event["properties"].setdefault(name, spec)
    shared = _with_common(events, {name: spec})
    assert compare(shared, snapshot(spelled), validate_head=False).changes == []
    assert compare(snapshot(spelled), shared, validate_head=False).changes == []
    first = sorted(events)[0]
    if name in events[first]["properties"]:
        return  # an override already: the plan says the same either way
    other = "boolean" if spec["type"] != "boolean" else "string"
    overridden = copy.deepcopy(events)
    overridden[first]["properties"][name] = {**spec, "type": other}
    changes = compare(shared, _with_common(overridden, {name: spec}), validate_head=False).changes
    assert [(c.rule, c.subject) for c in changes] == [
        ("property-type-changed", f"events/{first}/properties/{name}")
    ], changes
