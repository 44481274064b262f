"""A JSON Schema compiled to a yes/no check, for the common case of a valid file.

jsonschema explains errors (registry/load/file_schemas.py); deciding that a file has none is
this module's job, once per file, so its speed is every command's. jsonschema-rs (Rust)
decides a 2,000-event plan in 8 ms where fastjsonschema's compiled Python took 130 ms and
jsonschema seconds. Its regular expressions are Rust's, though, where jsonschema's are
Python's (`$` matches before a final newline in Python, `\\s` takes U+001C-U+001F there), so
every `pattern` is judged by Python's `re` through a keyword of its own: the same verdict as
jsonschema, whatever a plan's author writes. A value jsonschema-rs cannot hold (infinity,
NaN) makes the check answer no: a no only sends the file to jsonschema, which decides.
Without jsonschema-rs (a platform with no wheel) fastjsonschema does the job.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# Our own keyword for `pattern`: an `x-` name no schema of ours uses.
PYTHON_PATTERN = "x-trackplan-python-pattern"
# Keywords whose value maps names to schemas (the names are data, not keywords), and those
# whose value is a schema or a list of schemas.
_NAMED_SCHEMAS = ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas")
_SCHEMAS = ("items", "additionalProperties", "not", "if", "then", "else", "contains",
            "propertyNames", "unevaluatedItems", "unevaluatedProperties")  # fmt: skip
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf", "prefixItems")


def compile_check(schema: dict[str, Any], *, rust: bool = True) -> Check:
    """`schema` (draft 2020-12) as a function that says whether data is valid; by
    fastjsonschema when jsonschema-rs is not installed, or `rust` is false."""
    try:
        if not rust:
            raise ImportError("fastjsonschema asked for")
        import jsonschema_rs
    except ImportError:
        return _fastjsonschema_check(schema)
    validator = jsonschema_rs.validator_for(
        python_patterns(schema), keywords={PYTHON_PATTERN: _PythonPattern}
    )

    def check(data: Any) -> bool:
        try:
            return bool(validator.is_valid(data))
        except Exception:  # what it cannot read, jsonschema judges
            return False

    return check


def python_patterns(schema: Any) -> Any:
    """A copy of `schema` with each `pattern` keyword under the name of ours."""
    if isinstance(schema, list):
        return [python_patterns(s) for s in schema]
    if not isinstance(schema, dict):
        return schema  # true, false
    out: dict[str, Any] = {}
    for keyword, value in schema.items():
        if keyword == "pattern" and isinstance(value, str):
            out[PYTHON_PATTERN] = value
        elif keyword in _NAMED_SCHEMAS and isinstance(value, dict):
            out[keyword] = {name: python_patterns(s) for name, s in value.items()}
        elif keyword in _SCHEMAS or keyword in _SCHEMA_LISTS:
            out[keyword] = python_patterns(value)
        else:
            out[keyword] = value  # enum, const, examples...: data, kept as written
    return out


class _PythonPattern:
    """`pattern`, as jsonschema reads it: `re.search` on strings, other values pass."""

    def __init__(self, parent_schema: Any, value: str, schema_path: Any) -> None:
        self.search = re.compile(value).search

    def validate(self, instance: Any) -> None:
        if isinstance(instance, str) and self.search(instance) is None:
            raise ValueError("does not match the pattern")


def _fastjsonschema_check(schema: dict[str, Any]) -> Check:
    """fastjsonschema knows drafts up to 7; the plan schemas use no 2020-12-only keyword
    ($defs is reached by JSON pointer), so it compiles them as draft 7."""
    import fastjsonschema

    compiled = fastjsonschema.compile(
        {**schema, "$schema": "http://json-schema.org/draft-07/schema#"},
        detailed_exceptions=False,
    )

    def check(data: Any) -> bool:
        try:
            compiled(data)
        except fastjsonschema.JsonSchemaException:
            return False
        return True

    return check
