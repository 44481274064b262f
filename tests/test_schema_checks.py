"""The fast schema check (jsonschema-rs, or fastjsonschema) judges plan files as jsonschema does."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import schemas
from registry.load.fastcheck import compile_check
from registry.load.file_schemas import check_document, precheck, validator
from registry.load.yamlsafe import YamlDocument
from schemas import PLAN_SCHEMA

TYPE_NAMES = ["string", "number", "integer", "boolean", "object", "array", "null"]


def mostly(valid: Any, invalid: Any) -> Any:
    """Valid values three times in four: a file invalid in one place hides every other."""
    return st.one_of(valid, valid, valid, invalid)


# Text where Python's regular expressions and Rust's differ: `$` before a final newline,
# U+001C-U+001F as whitespace; and numbers JSON cannot hold.
owner_values = mostly(
    st.sampled_from(["@acme/web", "@acme", "ana@example.com"]),
    st.sampled_from(["a\x1c@b.co", "@acme/web\n", "ana@example.com\n", "ana", "@"]),
)
date_values = mostly(st.just("2027-01-31"), st.sampled_from(["2027-01-31\n", "2027-1-31"]))
number_values = mostly(
    st.one_of(st.integers(), st.floats(allow_nan=False, allow_infinity=False)),
    st.one_of(st.sampled_from([math.inf, -math.inf, math.nan, 10**40, True]), st.text(max_size=1)),
)

# Values near the edges of what the plan schema allows, for the keys whose rules combine
# several definitions (anyOf/oneOf) or bound a list.
type_values = mostly(
    st.one_of(st.sampled_from(TYPE_NAMES), st.lists(st.sampled_from(TYPE_NAMES), max_size=3)),
    st.one_of(st.just("strin"), st.lists(st.just("strin"), min_size=1), st.integers()),
)
deprecation_values = mostly(
    st.one_of(
        st.booleans(),
        st.fixed_dictionaries(
            {},
            optional={
                "reason": st.text(max_size=3),
                "replaced_by": st.text(max_size=3),
                "sunset": date_values,
            },
        ),
    ),
    st.one_of(
        st.text(max_size=3),
        st.just({"reason": 1}),
        st.just({"bogus": True}),
        st.just({"sunset": "soon"}),
    ),
)
pii_values = mostly(
    st.one_of(st.booleans(), st.sampled_from(["none", "indirect", "direct", "sensitive"])),
    st.sampled_from(["yes", 1, None]),
)


def properties(depth: int) -> Any:
    keys: dict[str, Any] = {
        "type": type_values,
        "deprecated": deprecation_values,
        "pii": pii_values,
        "enum": mostly(
            st.lists(st.integers(), min_size=1, max_size=2),
            st.one_of(st.just([]), st.text(max_size=2)),
        ),
        "minLength": mostly(st.integers(min_value=0, max_value=2), st.just(-1)),
        "minimum": number_values,
        "pattern": mostly(st.just("^[a-z]+$"), st.integers()),  # a field named as a keyword
    }
    if depth:
        inner = properties(depth - 1)
        keys["items"] = inner
        keys["properties"] = st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)
        keys["anyOf"] = mostly(st.lists(inner, min_size=1, max_size=2), st.just([]))
    return st.fixed_dictionaries({}, optional=keys)


plan_files = st.builds(
    lambda props, deprecated, owners: {
        "events": {
            "Signed Up": {
                "description": "A sign-up.",
                "properties": props,
                **({"deprecated": deprecated} if deprecated is not None else {}),
                **({"owners": owners} if owners else {}),
            }
        }
    },
    st.dictionaries(st.sampled_from(["plan", "email", "age"]), properties(2), max_size=3),
    st.one_of(st.none(), deprecation_values),
    st.lists(owner_values, max_size=2),
)
ENGINES = {"jsonschema-rs": True, "fastjsonschema": False}


@pytest.mark.parametrize("engine", ENGINES)
@settings(max_examples=150, deadline=None)
@given(data=plan_files)
def test_the_fast_check_never_passes_a_file_jsonschema_refuses(
    engine: str, data: dict[str, Any]
) -> None:
    """jsonschema-rs, its patterns judged by Python's re, agrees exactly on what JSON can
    hold; a no of the fallback (fastjsonschema reads `$` as the end of the text) or on
    infinity only sends the file to jsonschema, which decides."""
    fast = compile_check(schemas.load(PLAN_SCHEMA), rust=ENGINES[engine])
    valid = validator(PLAN_SCHEMA).is_valid(data)
    if engine == "jsonschema-rs" and _json_numbers(data):
        assert fast(data) == valid, data
    else:
        assert valid or not fast(data), data


@settings(max_examples=150, deadline=None)
@given(data=plan_files)
def test_schema_findings_come_exactly_when_jsonschema_finds_the_file_invalid(
    data: dict[str, Any],
) -> None:
    valid = validator(PLAN_SCHEMA).is_valid(data)
    assert valid or not precheck(YamlDocument(data), PLAN_SCHEMA), data
    findings = check_document("plans/web/events.yaml", YamlDocument(data), PLAN_SCHEMA)
    assert (not findings) == valid, (data, findings)


def _json_numbers(value: Any) -> bool:
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, dict):
        return all(_json_numbers(v) for v in value.values())
    if isinstance(value, list):
        return all(_json_numbers(v) for v in value)
    return True


@pytest.mark.parametrize("name", [PLAN_SCHEMA, "trackplan.schema.json", "waivers.schema.json"])
def test_every_pattern_of_the_shipped_schemas_is_judged_by_python(name: str) -> None:
    """Rust would judge a pattern the walker missed (one under a keyword it does not walk)
    and every regex key of patternProperties, which no shipped schema may use."""
    from registry.load.fastcheck import python_patterns

    def keywords(schema: Any, inside_properties: bool = False) -> list[tuple[str, Any]]:
        found: list[tuple[str, Any]] = []
        if isinstance(schema, list):
            for item in schema:
                found += keywords(item)
        elif isinstance(schema, dict):
            for key, value in schema.items():
                if not inside_properties:
                    found.append((key, value))
                found += keywords(value, key in ("properties", "$defs"))
        return found

    walked = keywords(python_patterns(schemas.load(name)))
    assert not [value for key, value in walked if key == "pattern" and isinstance(value, str)]
    assert "patternProperties" not in [key for key, _ in walked]
