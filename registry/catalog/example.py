"""An example payload for an event page: each property's first `examples:` value, else a
value its definition accepts, and the call that sends it in each generated language."""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from registry.codegen import CALL_NAMES
from registry.codegen.model import event_idents
from registry.jsontext import indented_json
from registry.lint.patterns import PatternError, search

# A value per `format` that validates as that format.
FORMATS = {
    "email": "jane@example.com", "idn-email": "jane@example.com",
    "date-time": "2026-01-31T12:00:00Z", "date": "2026-01-31", "time": "12:00:00Z",
    "uri": "https://example.com/", "iri": "https://example.com/",
    "uuid": "123e4567-e89b-12d3-a456-426614174000", "ipv4": "192.0.2.1", "ipv6": "2001:db8::1",
    "hostname": "example.com", "duration": "P1D",
}  # fmt: skip
# How each language's generated Tracker is called (`tracker` as README names it).
CALL_SHAPES = {
    "typescript": "tracker.{method}({payload});",
    "python": "tracker.{method}({payload})",
    "go": "tracker.{method}(properties)",
    "java": "tracker.{method}(properties);",
    "kotlin": "tracker.{method}(properties)",
    "swift": "tracker.{method}(properties)",
}
MAX_DEPTH = 6
PATTERN_TRIES = ("EUR", "ABC", "abc", "example-1", "a1", "A1", "1", "123", "1.0.0", "x",
                 "example_1", "Example")  # fmt: skip


def _spelled(pattern: str) -> str | None:
    """The shortest text a simple pattern spells (literals, classes, repeats at their
    minimum, the first branch of an alternation); None past what this reads."""
    # Python's own regex parser (untyped, hence by name): the syntax both engines share.
    sre_parse = importlib.import_module("re._parser")
    try:
        return _spell(sre_parse.parse(pattern))
    except Exception:
        return None


def _spell(items: Any) -> str:
    out = []
    for op, arg in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(arg))
        elif name == "IN":
            out.append(_member(arg))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            low, _, sub = arg
            out.append(_spell(sub) * low)
        elif name == "SUBPATTERN":
            out.append(_spell(arg[-1]))
        elif name == "BRANCH":
            out.append(_spell(arg[1][0]))
        elif name == "ANY":
            out.append("a")
        elif name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        else:
            raise ValueError(name)
    return "".join(out)


def _member(items: Any) -> str:
    """A character a class holds (`[a-f0-9]` -> `a`, `\\d` -> `0`)."""
    for op, arg in items:
        name = str(op)
        if name == "NEGATE":
            raise ValueError(name)
        if name == "LITERAL":
            return chr(arg)
        if name == "RANGE":
            return chr(arg[0])
        if name == "CATEGORY":
            return {"CATEGORY_DIGIT": "0", "CATEGORY_WORD": "a", "CATEGORY_SPACE": " "}.get(
                str(arg), "a")  # fmt: skip
    raise ValueError("empty class")


def _matches(pattern: str, text: str) -> bool:
    try:
        return search(pattern, text)
    except PatternError:
        return False


def example_value(spec: Mapping[str, Any], depth: int = 0) -> Any:
    """A value the (resolved) property definition accepts, its own example when it has one."""
    examples = spec.get("examples")
    if isinstance(examples, list) and examples:
        return examples[0]
    if "const" in spec:
        return spec["const"]
    if isinstance(spec.get("enum"), list) and spec["enum"]:
        return spec["enum"][0]
    for key in ("anyOf", "oneOf"):
        if isinstance(spec.get(key), list) and spec[key] and isinstance(spec[key][0], Mapping):
            return example_value(spec[key][0], depth + 1)
    kinds = spec.get("type")
    kind = next((k for k in kinds if k != "null"), "null") if isinstance(kinds, list) else kinds
    if kind == "string":
        text = FORMATS.get(str(spec.get("format")), "example")
        pattern = spec.get("pattern")
        if isinstance(pattern, str):  # the shortest text the pattern spells, else a usual shape
            tries = (text, _spelled(pattern), *PATTERN_TRIES)
            text = next((c for c in tries if c is not None and _matches(pattern, c)), text)
        low = spec.get("minLength")
        return text + "x" * (low - len(text)) if isinstance(low, int) and low > len(text) else text
    if kind in ("integer", "number"):
        return _number(spec, kind == "integer")
    if kind == "boolean":
        return True
    if kind == "array":
        found, least = spec.get("items"), spec.get("minItems")
        items: Mapping[str, Any] = found if isinstance(found, Mapping) else {}
        count = max(1, least) if isinstance(least, int) else 1
        return [] if depth >= MAX_DEPTH else [example_value(items, depth + 1)] * count
    if kind == "object" or isinstance(spec.get("properties"), Mapping):
        nested = spec.get("properties")
        if depth >= MAX_DEPTH or not isinstance(nested, Mapping):
            return {}
        return {k: example_value(v, depth + 1) for k, v in nested.items() if isinstance(v, Mapping)}
    return None


def _number(spec: Mapping[str, Any], whole: bool) -> int | float:
    low, high = spec.get("minimum"), spec.get("maximum")
    if isinstance(spec.get("exclusiveMinimum"), (int, float)):
        low = spec["exclusiveMinimum"] + (1 if whole else 0.5)
    if isinstance(spec.get("exclusiveMaximum"), (int, float)):
        high = spec["exclusiveMaximum"] - (1 if whole else 0.5)
    value: int | float = low if isinstance(low, (int, float)) else (1 if whole else 9.99)
    if isinstance(high, (int, float)) and value > high:
        value = high
    return int(value) if whole else value


def example_payload(properties: Mapping[str, Any], common: Mapping[str, Any]) -> dict[str, Any]:
    """The event's properties, then the plan's required common ones, each with a value."""
    payload = {name: example_value(spec) for name, spec in properties.items()
               if isinstance(spec, Mapping)}  # fmt: skip
    for name, spec in common.items():
        if isinstance(spec, Mapping) and spec.get("required") is True and name not in payload:
            payload[name] = example_value(spec)
    return payload


def methods(events: list[str]) -> dict[str, dict[str, str]]:
    """Each event's Tracker method in each language generate writes (event -> language ->
    method), worked out once per plan."""
    idents = event_idents(events)
    found: dict[str, dict[str, str]] = {}
    for language in CALL_SHAPES:
        for method, event in CALL_NAMES[language](idents).items():
            found.setdefault(event, {})[language] = method
    return found


def python_literal(value: Any, indent: str = "") -> str:
    """JSON data as a Python literal, one key or item a line (pprint's work, at a fraction of
    its cost: a catalog writes one per event)."""
    inner = indent + "    "
    if isinstance(value, dict) and value:
        items = ",\n".join(f"{inner}{k!r}: {python_literal(v, inner)}" for k, v in value.items())
        return "{\n" + items + ",\n" + indent + "}"
    if isinstance(value, list) and value:
        return (
            "[\n"
            + ",\n".join(inner + python_literal(v, inner) for v in value)
            + ",\n"
            + indent
            + "]"
        )
    return repr(value)


def calls(methods: Mapping[str, str], payload: dict[str, Any],
          text: str | None = None) -> list[tuple[str, str]]:  # fmt: skip
    """(language, the line that sends the payload) for each language generate writes;
    `text`: the payload as JSON when the caller has it already."""
    shown = {"python": python_literal(payload)}
    text = indented_json(payload) if text is None else text
    return [(language, shape.format(method=methods[language],
                                    payload=shown.get(language, text)))
            for language, shape in CALL_SHAPES.items() if language in methods]  # fmt: skip
