"""The fast schema check (fastjsonschema, compiled) judges plan files as jsonschema does."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from registry.load.file_schemas import check_document, precheck, validator
from registry.load.yamlsafe import YamlDocument
from schemas import PLAN_SCHEMA

TYPE_NAMES = ["string", "number", "integer", "boolean", "object", "array", "null"]


def mostly(valid: Any, invalid: Any) -> Any:
    """Valid values three times in four: a file invalid in one place hides every other."""
    return st.one_of(valid, valid, valid, invalid)


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
                "sunset": st.just("2027-01-31"),
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
    }
    if depth:
        inner = properties(depth - 1)
        keys["items"] = inner
        keys["properties"] = st.dictionaries(st.sampled_from(["a", "b"]), inner, max_size=2)
        keys["anyOf"] = mostly(st.lists(inner, min_size=1, max_size=2), st.just([]))
    return st.fixed_dictionaries({}, optional=keys)


plan_files = st.builds(
    lambda props, deprecated: {
        "events": {
            "Signed Up": {
                "description": "A sign-up.",
                "properties": props,
                **({"deprecated": deprecated} if deprecated is not None else {}),
            }
        }
    },
    st.dictionaries(st.sampled_from(["plan", "email", "age"]), properties(2), max_size=3),
    st.one_of(st.none(), deprecation_values),
)


@settings(max_examples=400, deadline=None)
@given(plan_files)
def test_the_fast_check_and_jsonschema_agree_on_plan_files(data: dict[str, Any]) -> None:
    valid = validator(PLAN_SCHEMA).is_valid(data)
    assert precheck(YamlDocument(data), PLAN_SCHEMA) == valid, data
    findings = check_document("plans/web/events.yaml", YamlDocument(data), PLAN_SCHEMA)
    assert (not findings) == valid, (data, findings)
