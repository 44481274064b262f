"""Check parsed files against the JSON Schemas in schemas/ and turn errors into findings."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from typing import TYPE_CHECKING, Any

import schemas
from registry.findings import ERROR, Finding, Location
from registry.load import fastcheck
from registry.load.fastcheck import Check
from registry.load.yamlsafe import Path, YamlDocument
from schemas import PLAN_SCHEMA, SETTINGS_SCHEMA, WAIVERS_SCHEMA

if TYPE_CHECKING:  # jsonschema explains errors only: loaded when a file has some
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError

SCHEMA_UNKNOWN_FIELD = "schema-unknown-field"
SCHEMA_INVALID_VALUE = "schema-invalid-value"
PROPERTY_TYPE_UNKNOWN = "property-type-unknown"

TYPE_NAMES = ("string", "number", "integer", "boolean", "object", "array", "null")


@cache
def validator(name: str) -> Draft202012Validator:
    from jsonschema import Draft202012Validator

    return Draft202012Validator(schemas.load(name))


@cache
def _fast_check(name: str) -> Check:
    return fastcheck.compile_check(schemas.load(name))


def prepare_check(schema_name: str) -> None:
    """Compile the fast check now: before parse workers fork, so that each worker does not
    compile its own."""
    _fast_check(schema_name)


def is_valid(data: Any, schema_name: str) -> bool:
    return _fast_check(schema_name)(data)


def schema_for(path: str) -> str | None:
    """The schema a registry file must follow."""
    if path == "trackplan.yaml":
        return SETTINGS_SCHEMA
    if path == "waivers.yaml":
        return WAIVERS_SCHEMA
    if path.startswith("plans/"):
        return PLAN_SCHEMA
    return None


def precheck(doc: YamlDocument, schema_name: str) -> bool:
    """Whether the document is valid, remembered on it (and so in the parse cache)."""
    known = doc.valid.get(schema_name)
    if known is None:
        known = doc.valid[schema_name] = is_valid(doc.data, schema_name)
    return known


def check_document(
    file: str, doc: YamlDocument, schema_name: str, plan: str | None = None
) -> list[Finding]:
    """Every schema violation of one parsed file, at the line it concerns."""
    if precheck(doc, schema_name):
        return []  # the common case; jsonschema below explains every error when there are some
    found: list[Finding] = []
    for error in validator(schema_name).iter_errors(doc.data):
        for path, rule, message, hint in _explain(error):
            line, column = doc.position(path)
            found.append(Finding(rule, ERROR, Location(file, line, column), message, hint, plan))
    return found


def _explain(error: ValidationError) -> Iterator[tuple[Path, str, str, str]]:
    path: Path = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        allowed = sorted(schema.get("properties", {}))
        for key in sorted(set(error.instance) - set(allowed)):
            yield (*path, key), SCHEMA_UNKNOWN_FIELD, *_unknown_field(path, key, allowed)
        return
    if path and path[-1] == "type" and _in_property(path[:-1]):
        bad = error.instance if isinstance(error.instance, list) else [error.instance]
        names = [str(t) for t in bad if t not in TYPE_NAMES] or [repr(error.instance)]
        import difflib  # here: only a mistake needs it (start-up)

        close = difflib.get_close_matches(names[0], TYPE_NAMES, n=1)
        hint = f"Use one of: {', '.join(TYPE_NAMES)}."
        if close:
            hint = f"Did you mean '{close[0]}'? " + hint
        message = f"{_describe(path[:-1])} has unknown type '{names[0]}'"
        yield path, PROPERTY_TYPE_UNKNOWN, message, hint
        return
    if error.validator in ("oneOf", "anyOf") and error.context:
        from jsonschema.exceptions import best_match

        deeper = best_match(error.context)
        yield from _explain(deeper)
        return
    yield path, SCHEMA_INVALID_VALUE, *_invalid_value(error, path)


def _unknown_field(path: Path, key: str, allowed: list[str]) -> tuple[str, str]:
    where = _describe(path)
    message = f"unknown field '{key}' in {where}" if path else f"unknown top-level field '{key}'"
    import difflib  # here: only a mistake needs it (start-up)

    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"Allowed here: {', '.join(allowed)}."
    if close:
        hint = f"Did you mean '{close[0]}'? " + hint
    return message, hint


def _invalid_value(error: ValidationError, path: Path) -> tuple[str, str]:
    where = _describe(path)
    value = _short(error.instance)
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}
    if kind == "type":
        expected = error.validator_value
        expected_text = " or ".join(expected) if isinstance(expected, list) else str(expected)
        got = _json_type(error.instance)
        return f"{where} must be {_article(expected_text)}, not {got} {value}", (
            f"Write {where} as {_article(expected_text)}."
        )
    if kind == "enum":
        options = ", ".join(str(o) for o in schema.get("enum", []))
        return f"{where} is {value}, not one of: {options}", f"Use one of: {options}."
    if kind == "pattern":
        what = schema.get("description", "")
        return f"{where} {value} does not match {error.validator_value}", (
            f"Fix the value. {what}".strip()
        )
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else "a field"
        return f"{where} is missing '{missing}'", f"Add '{missing}' to {where}."
    if kind in ("minItems", "minLength"):
        return f"{where} must not be empty", f"Give {where} a value, or remove it."
    if kind == "uniqueItems":
        return f"{where} lists a value twice", f"Remove the repeated entry from {where}."
    return f"{where}: {error.message[:200]}", "Fix the value to match the plan format (schemas/)."


def _in_property(path: Path) -> bool:
    """True when `path` points at a property/trait spec (where `type` means a JSON type)."""
    if len(path) < 2:
        return False
    parent = path[-2]
    return parent in ("properties", "traits", "items") or path[-1] == "items"


def _describe(path: Path) -> str:
    """A human name for a place in a plan file: `property 'type' of event 'Signed Up'`."""
    if not path:
        return "the file"
    parts: list[str] = []
    i = 0
    while i < len(path):
        key = path[i]
        nxt = path[i + 1] if i + 1 < len(path) else None
        if key == "events" and nxt is not None:
            parts.append(f"event '{nxt}'")
            i += 2
        elif key in ("properties", "traits") and nxt is not None and i > 0:
            kind = "trait" if key == "traits" else "property"
            parts.append(f"{kind} '{nxt}'")
            i += 2
        elif key == "properties" and nxt is not None:
            parts.append(f"shared property '{nxt}'")
            i += 2
        elif isinstance(key, int):
            parts.append(f"item {key + 1}")
            i += 1
        else:
            parts.append(f"'{key}'")
            i += 1
    return " of ".join(reversed(parts))


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    return "a mapping"


def _article(text: str) -> str:
    words = {
        "object": "a mapping",
        "array": "a list",
        "string": "a string",
        "boolean": "a boolean",
        "integer": "an integer",
        "number": "a number",
        "null": "null",
    }
    return " or ".join(words.get(t, t) for t in text.split(" or "))


def _short(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return ""
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
