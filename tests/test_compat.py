"""registry.diff.compat.compare: JSON Schema differences and backward compatibility."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from registry.diff.compat import compare


def kinds(old: Any, new: Any) -> set[tuple[str, str, bool, bool]]:
    return {(d.kind, d.pointer, d.narrows, d.widens) for d in compare(old, new).differences}


@pytest.mark.parametrize(
    ("old", "new", "expected", "backward"),
    [
        ({"type": "number"}, {"type": "integer"}, ("type-narrowed", "/type", True, False), False),
        ({"type": "integer"}, {"type": "number"}, ("type-widened", "/type", False, True), True),
        ({"type": "string"}, {"type": "integer"}, ("type-changed", "/type", True, True), False),
        ({"type": ["string", "null"]}, {"type": "string"}, ("type-narrowed", "/type", True, False),
         False),
        ({"enum": ["a", "b"]}, {"enum": ["a"]}, ("enum-value-removed", "/enum", True, False),
         False),
        ({"enum": ["a"]}, {"enum": ["a", "b"]}, ("enum-value-added", "/enum", False, True), True),
        ({}, {"enum": ["a"]}, ("enum-added", "/enum", True, False), False),
        ({"const": 1}, {"const": 2}, ("const-changed", "/const", True, True), False),
        ({}, {"pattern": "^a"}, ("pattern-added", "/pattern", True, False), False),
        ({"pattern": "^a"}, {"pattern": "^b"}, ("pattern-changed", "/pattern", True, True), False),
        ({"format": "email"}, {}, ("format-removed", "/format", False, True), True),
        ({"minimum": 0}, {"minimum": 1}, ("minimum-tightened", "/minimum", True, False), False),
        ({"maximum": 5}, {"maximum": 9}, ("maximum-relaxed", "/maximum", False, True), True),
        ({"maxLength": 9}, {"maxLength": 5}, ("max-length-tightened", "/maxLength", True, False),
         False),
        ({"properties": {"a": {}}, "required": []}, {"properties": {"a": {}}, "required": ["a"]},
         ("required-added", "/required", True, False), False),
        ({"required": ["a"]}, {}, ("required-removed", "/required", False, True), True),
        ({"type": "object"}, {"type": "object", "additionalProperties": False},
         ("additional-properties-closed", "/additionalProperties", True, False), False),
        ({"description": "a"}, {"description": "b"},
         ("description-changed", "/description", False, False), True),
    ],
)  # fmt: skip
def test_each_kind_of_difference(old: Any, new: Any, expected: tuple[str, str, bool, bool],
                                 backward: bool) -> None:  # fmt: skip
    assert expected in kinds(old, new)
    assert compare(old, new).backward is backward


def test_properties_under_open_and_closed_content_models() -> None:
    typed = {"type": "string"}
    open_added = kinds({"properties": {}}, {"properties": {"a": typed}})
    assert ("property-added", "/properties/a", True, False) in open_added  # was unconstrained
    closed_added = kinds({"properties": {}, "additionalProperties": False},
                         {"properties": {"a": typed}, "additionalProperties": False})  # fmt: skip
    assert ("property-added", "/properties/a", False, True) in closed_added
    closed_removed = kinds({"properties": {"a": typed}, "additionalProperties": False},
                           {"properties": {}, "additionalProperties": False})  # fmt: skip
    assert ("property-removed", "/properties/a", True, False) in closed_removed
    open_removed = kinds({"properties": {"a": typed}}, {"properties": {}})
    assert ("property-removed", "/properties/a", False, True) in open_removed


def test_nested_items_and_refs() -> None:
    old = {"$defs": {"price": {"type": "number"}},
           "properties": {"lines": {"type": "array", "items": {"properties": {
               "price": {"$ref": "#/$defs/price"}}}}}}  # fmt: skip
    new = {"$defs": {"price": {"type": "integer"}}, "properties": old["properties"]}
    assert kinds(old, new) == {
        ("type-narrowed", "/properties/lines/items/properties/price/type", True, False)
    }


def test_identical_and_recursive_schemas() -> None:
    schema = {"$defs": {"node": {"properties": {"next": {"$ref": "#/$defs/node"}}}},
              "$ref": "#/$defs/node"}  # fmt: skip
    assert compare(schema, schema).differences == ()
    assert compare({"type": "string"}, {"type": "string"}).backward
    assert compare(True, False).backward is False
    assert compare(False, True).backward is True


def test_output_is_deterministic_and_json_ready() -> None:
    old = {"type": "object", "properties": {"b": {"enum": [1, 2, 3]}, "a": {"type": "number"}}}
    new = {"type": "object", "properties": {"b": {"enum": [3]}, "a": {"type": "integer"}}}
    first = compare(old, new).to_dict()
    assert first == compare(old, new).to_dict()
    assert [d["pointer"] for d in first["differences"]] == [
        "/properties/a/type", "/properties/b/enum", "/properties/b/enum"
    ]  # fmt: skip


# --- soundness: `backward` is never claimed when some old-valid instance is rejected -------

leaf = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["string", "integer", "number", "boolean", "null"]),
        "enum": st.lists(
            st.sampled_from(["x", "y", 1, 2, 2.5, True, None]),
            min_size=1,
            max_size=3,
            unique_by=repr,
        ),
        "minimum": st.integers(-2, 2),
        "maximum": st.integers(-2, 3),
        "maxLength": st.integers(0, 3),
    },
)
schema = st.recursive(
    leaf,
    lambda inner: st.fixed_dictionaries(
        {"type": st.just("object"), "properties": st.dictionaries(st.sampled_from("ab"), inner)},
        optional={
            "required": st.lists(st.sampled_from("ab"), unique=True),
            "additionalProperties": st.booleans(),
        },
    ),
    max_leaves=4,
)
value = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 3),
        st.sampled_from([2.5, -0.5]),
        st.sampled_from(["", "x", "y", "long text"]),
    ),
    lambda inner: st.dictionaries(st.sampled_from("abc"), inner, max_size=3),
    max_leaves=5,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(schema, schema, st.lists(value, min_size=1, max_size=8))
def test_backward_is_sound(old: dict[str, Any], new: dict[str, Any], instances: list[Any]) -> None:
    if not compare(old, new).backward:
        return
    old_check, new_check = Draft202012Validator(old), Draft202012Validator(new)
    for instance in instances:
        if old_check.is_valid(instance):
            assert new_check.is_valid(instance), (old, new, instance)


# Scalars where JSON equality and Python's part ways: 1 is 1.0 but not true, "1" is neither.
finite_value = st.sampled_from(["x", "", "1", 1, 0, 1.0, 2.5, True, False, None, 10**20])
enum_schema = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(["string", "integer", "number", "boolean", "null"])
        | st.lists(
            st.sampled_from(["string", "integer", "boolean", "null"]),
            min_size=1,
            max_size=2,
            unique=True,
        ),
        "enum": st.lists(finite_value, min_size=1, max_size=4),
        "const": finite_value,
        "description": st.just("d"),
        "format": st.sampled_from(["email", "uri"]),
    },
)


@settings(max_examples=400, deadline=None)
@given(enum_schema.filter(lambda s: "enum" in s or "const" in s), enum_schema)
def test_a_finite_schema_is_backward_exactly_when_every_value_it_accepts_still_passes(
    old: dict[str, Any], new: dict[str, Any]
) -> None:
    """A plan's enum changes are decided value by value: the answer is jsonschema's."""
    values = old["enum"] if "enum" in old else [old["const"]]
    old_check, new_check = Draft202012Validator(old), Draft202012Validator(new)
    expected = all(new_check.is_valid(v) for v in values if old_check.is_valid(v))
    assert compare(old, new).backward is expected, (old, new)


# --- the generator extended to every keyword compare() models -----------------------------

scalar = st.fixed_dictionaries(
    {},
    optional={
        "type": st.sampled_from(
            ["string", "integer", "number", "boolean", "null", "array", "object"]
        )
        | st.lists(
            st.sampled_from(["string", "integer", "number", "null"]),
            min_size=1,
            max_size=2,
            unique=True,
        ),
        "enum": st.lists(
            st.sampled_from(["x", "y", "xy", 1, 2, 2.5, 6, True, None]),
            min_size=1,
            max_size=3,
            unique_by=repr,
        ),
        "const": st.sampled_from(["x", 2, None]),
        "minimum": st.integers(-2, 2),
        "exclusiveMinimum": st.integers(-2, 2) | st.sampled_from([0.5]),
        "maximum": st.integers(-2, 6),
        "exclusiveMaximum": st.integers(-2, 6),
        "multipleOf": st.sampled_from([1, 2, 3, 0.5]),
        "minLength": st.integers(0, 2),
        "maxLength": st.integers(0, 3),
        "pattern": st.sampled_from(["^x", "^x+$", "y", "^[xy]{1,2}$"]),
    },
)
composite = st.recursive(
    scalar,
    lambda inner: st.one_of(
        st.fixed_dictionaries(
            {"type": st.just("object")},
            optional={
                "properties": st.dictionaries(st.sampled_from("ab"), inner, max_size=2),
                "required": st.lists(st.sampled_from("ab"), unique=True),
                "additionalProperties": st.booleans() | inner,
                "patternProperties": st.dictionaries(
                    st.sampled_from(["^a", "b"]), inner, max_size=1
                ),
                "dependentRequired": st.dictionaries(
                    st.sampled_from("ab"),
                    st.lists(st.sampled_from("abc"), unique=True, max_size=2),
                    max_size=1,
                ),
                "minProperties": st.integers(0, 2),
                "maxProperties": st.integers(0, 3),
            },
        ),
        st.fixed_dictionaries(
            {"type": st.just("array")},
            optional={
                "items": st.booleans() | inner,
                "prefixItems": st.lists(inner, max_size=2),
                "minItems": st.integers(0, 2),
                "maxItems": st.integers(0, 3),
                "uniqueItems": st.booleans(),
            },
        ),
        st.fixed_dictionaries({"not": inner}),
        st.fixed_dictionaries(
            {},
            optional={
                "allOf": st.lists(inner, min_size=1, max_size=2),
                "anyOf": st.lists(inner, min_size=1, max_size=2),
                "oneOf": st.lists(inner, min_size=1, max_size=2),
            },
        ),
        st.booleans(),
    ),
    max_leaves=5,
)
instance = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-3, 7),
        st.sampled_from([0.5, 2.5, -0.5]),
        st.sampled_from(["", "x", "y", "xy", "xx", "long text"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from("abc"), inner, max_size=3)
    ),
    max_leaves=6,
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(composite, composite, st.lists(instance, min_size=1, max_size=12))
def test_backward_is_sound_for_every_modelled_keyword(old: Any, new: Any,
                                                      instances: list[Any]) -> None:  # fmt: skip
    """When compare() says compatible, no instance valid under OLD fails NEW — with tuples,
    combinators, not, dependencies, patternProperties, multipleOf and exclusive bounds."""
    if not compare(old, new).backward:
        return
    old_check, new_check = Draft202012Validator(old), Draft202012Validator(new)
    for item in instances:
        if old_check.is_valid(item):
            assert new_check.is_valid(item), (old, new, item)


KEYWORDS = ["type", "enum", "const", "items", "prefixItems", "additionalItems", "properties",
            "required", "additionalProperties", "patternProperties", "dependencies", "allOf",
            "anyOf", "oneOf", "not", "minimum", "exclusiveMinimum", "multipleOf", "pattern",
            "format", "$ref", "if", "then", "contains", "dependentSchemas", "x"]  # fmt: skip
any_json = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=True),
        st.text(max_size=5),
        st.sampled_from([*KEYWORDS, "#", "#/x", "^(", "[", "\\\\"]),
    ),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(KEYWORDS) | st.text(max_size=3), inner, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(any_json, any_json)
@example({}, {"allOf": [None], "anyOf": True})  # once a TypeError: a combinator not a list
def test_compare_is_total_over_any_json_value(old: Any, new: Any) -> None:
    """Fuzz: any two JSON values (keywords of the wrong type, non-schemas, broken refs and
    regexes) give a Comparison, never an exception, and the same one twice."""
    first = compare(old, new)
    assert first == compare(old, new)
    assert isinstance(first.backward, bool)
    if json.dumps(old, sort_keys=True) == json.dumps(new, sort_keys=True):  # 0 is not false
        assert first.backward


@pytest.mark.parametrize(
    ("old", "new", "backward", "kind"),
    [
        ({"items": [{"type": "string"}], "additionalItems": False},
         {"items": [{"type": "string"}, {"type": "number"}], "additionalItems": False},
         True, "schema-changed"),
        ({"prefixItems": [{"type": "string"}, {"type": "number"}]},
         {"prefixItems": [{"type": "string"}]}, True, None),
        ({"items": [{"type": "string"}]}, {"items": [{"type": "integer"}]}, False, "type-changed"),
        ({"type": 5}, {"type": "string"}, False, "unknown"),
        ({"enum": ["a", "b"]}, {"enum": ["a", "b"], "type": "string"}, True, "type-narrowed"),
        ({"type": "string", "pattern": "^[0-9a-f-]{36}$"},
         {"type": "string", "pattern": "^[0-9a-f-]{36}$", "maxLength": 36}, True,
         "max-length-added"),
        ({"required": ["a"]}, {"required": ["a", "b"]}, False, "required-added"),
        ({"required": ["a", "b"]}, {"required": ["b"]}, True, "required-removed"),
        ({"not": {"type": "string"}}, {"not": {"type": ["string", "null"]}}, False, "not-changed"),
        ({"oneOf": [{"type": "string"}]}, {"oneOf": [{"type": "string"}, {"type": "number"}]},
         True, "combinator-changed"),
        ({"oneOf": [{"type": "string"}, {"maxLength": 5}]},
         {"oneOf": [{"type": "string"}, {"maxLength": 10}]}, False, "combinator-changed"),
        ({"allOf": [{"type": "string"}]}, {"anyOf": [{"type": "string"}, {"type": "null"}]},
         True, "combinator-changed"),
        ({"dependentRequired": {"a": ["b"]}}, {"dependentRequired": {"a": ["b", "c"]}}, False,
         "dependency-changed"),
        ({"multipleOf": 4}, {"multipleOf": 2}, True, "multiple-of-changed"),
        ({"type": "integer", "minimum": 3}, {"type": "integer", "exclusiveMinimum": 2}, True,
         None),
        ({"properties": {"a": {"type": "string"}}, "additionalProperties": False},
         {"patternProperties": {"^a$": {"type": "string"}}, "additionalProperties": False},
         True, "property-removed"),
        ({"properties": {"a": {"type": "string"}}},
         {"patternProperties": {"^a": {"type": "string"}}}, False, "pattern-property-added"),
        ({"type": "string", "format": "sku"}, {"type": "string", "format": "ean"}, False,
         "unknown"),
    ],
)  # fmt: skip
def test_keywords_beyond_the_plan_subset(old: Any, new: Any, backward: bool,
                                         kind: str | None) -> None:  # fmt: skip
    result = compare(old, new)
    assert result.backward is backward, result.to_dict()
    if kind is not None:
        assert kind in {d.kind for d in result.differences}, result.to_dict()


APICURIO = json.loads(
    (Path(__file__).parent / "fixtures" / "jsonschema_compat_apicurio.json").read_text()
)["vectors"]
# Where compare() and Apicurio's verdicts differ, and why compare() is right or safe.
KNOWN_DISAGREEMENTS = {
    # The old schema accepts nothing (a string whose const is an array): nothing can break.
    "Const": True,
    # contentEncoding / contentMediaType changes are not modelled: reported as unknown.
    "String: contentEncoding 2": False,
    "String: contentMediaType 2": False,
    # oneOf branches that overlap: "abcdefg" matches one branch before and two after.
    # ("Complex: oneOf 2", the same branches in another order, is agreed: no change.)
    "Complex: oneOf 1": False,
    "Complex: oneOf 3": False,
    # A branch of if/then/else is compared without the rest of the schema: conservative.
    "Conditional: then": False,
    "Conditional: else": False,
    # A $ref through an $id-anchored schema is not resolved: conservative.
    "References: $id": False,
}


def test_agreement_with_a_production_registry_s_vectors() -> None:
    """Apicurio Registry's JSON Schema compatibility test data (Apache-2.0, see the
    fixture's `source`): every vector is decided without an error, and where the verdicts
    differ it is one of the known, explained cases."""
    disagree = {}
    for vector in APICURIO:
        verdict = compare(vector["old"], vector["new"]).backward
        if verdict != vector["compatible"]:
            disagree[vector["description"]] = verdict
    agreement = 1 - len(disagree) / len(APICURIO)
    print(f"agreement with Apicurio: {len(APICURIO) - len(disagree)}/{len(APICURIO)} "
          f"= {agreement:.1%}")  # fmt: skip
    assert disagree == KNOWN_DISAGREEMENTS


NARROWED = {"$defs": {"s": {"type": "string"}}}
WIDER = {"$defs": {"s": {"type": ["string", "integer"]}}}


@pytest.mark.parametrize(("shape", "pointer"), [
    ({"anyOf": [{"$ref": "#/$defs/s"}, {"type": "null"}]}, "/anyOf"),
    ({"oneOf": [{"$ref": "#/$defs/s"}]}, "/oneOf"),
    ({"allOf": [{"$ref": "#/$defs/s"}]}, "/allOf"),
    ({"if": {"type": "object"}, "then": {"$ref": "#/$defs/s"}}, "/then/type"),
])  # fmt: skip
def test_a_definition_narrowed_where_a_combinator_or_branch_uses_it(
    shape: dict[str, Any], pointer: str
) -> None:
    """The text of the combinator is the same on both sides; the `$ref` in it points at a
    definition that no longer takes integers: not backward."""
    result = compare({**WIDER, **shape}, {**NARROWED, **shape})
    assert result.backward is False
    assert [d.pointer for d in result.differences if d.narrows] == [pointer]


@pytest.mark.parametrize("keyword", ["allOf", "anyOf", "oneOf"])
def test_branches_in_another_order_are_no_change(keyword: str) -> None:
    """A combinator accepts the same whatever the order of its branches (a tool that writes
    them sorted, an editor that moves one up): no difference, not a changed combinator."""
    branches = [{"type": "string", "maxLength": 8}, {"type": "integer", "minimum": 0},
                {"type": "null"}]  # fmt: skip
    moved = {"properties": {"id": {keyword: [branches[2], branches[0], branches[1]]}}}
    assert compare({"properties": {"id": {keyword: branches}}}, moved).to_dict() == {
        "backward": True, "differences": []}  # fmt: skip
    # Moved and changed: still told, as before.
    changed = {keyword: [branches[2], {"type": "string", "maxLength": 4}, branches[1]]}
    result = compare({keyword: branches}, changed)
    assert [d.kind for d in result.differences] == ["combinator-changed"]
    # Moved, with a `$ref` whose definition changed: still told.
    result = compare({**WIDER, keyword: [{"$ref": "#/$defs/s"}, {"type": "null"}]},
                     {**NARROWED, keyword: [{"type": "null"}, {"$ref": "#/$defs/s"}]})  # fmt: skip
    assert result.backward is False
