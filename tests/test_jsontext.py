"""registry.jsontext writes what json.dumps(indent=2, ensure_ascii=False) writes, byte for byte."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from registry.jsontext import indented_json

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(),  # NaN, infinities and -0.0 included
    st.text(),  # control characters, quotes, backslashes, every plane, lone surrogates
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.lists(inner, max_size=3).map(tuple),
        st.dictionaries(st.text(max_size=6), inner, max_size=4),
    ),
    max_leaves=30,
)


@settings(max_examples=600, deadline=None)
@given(values, st.booleans())
def test_indented_json_is_json_dumps_byte_for_byte(value: Any, sort_keys: bool) -> None:
    expected = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    assert indented_json(value, sort_keys=sort_keys) == expected


def test_keys_that_are_not_text_are_written_as_json_writes_them() -> None:
    value = {"b": {1: "one", None: [True, 2.5]}, "a": (1, {}), "c": []}
    for sort_keys in (False, True):
        try:
            expected = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
        except TypeError:  # mixed keys json cannot sort
            continue
        assert indented_json(value, sort_keys=sort_keys) == expected
    assert indented_json(value) == json.dumps(value, indent=2, ensure_ascii=False)


def test_deep_nesting_is_written_as_json_writes_it() -> None:
    # A chain of shared properties joined by anyOf: hundreds of levels in a release's schemas.
    for depth in (300, 900):  # json itself may refuse 900 under pytest's deeper stack
        value: Any = "leaf"
        for level in range(depth):
            value = [value] if level % 2 else {"anyOf": value}
        try:
            expected = json.dumps(value, indent=2, ensure_ascii=False, sort_keys=True)
        except RecursionError:
            expected = None
        if expected is None:  # json's own limit: refused here as json refuses it
            with pytest.raises(RecursionError):
                indented_json(value, sort_keys=True)
        else:
            assert indented_json(value, sort_keys=True) == expected
