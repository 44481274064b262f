"""Property maps to JSON Schema objects and back: what Segment, Iglu and Mixpanel hold."""

from __future__ import annotations

from typing import Any

from registry.formats.base import CONSTRAINTS

# The JSON Schema keywords a trackplan property is made of (DESIGN.md §2), besides
# `properties`, `items` and `required`, which are walked.
KEYWORDS = ("type", *CONSTRAINTS, "description", "examples")
CARRIED = (*KEYWORDS, "required", "items", "properties")
IGNORED = frozenset({"$schema", "$id", "id", "self", "title", "$comment"})


def object_schema(props: dict[str, Any], closed: bool = False) -> dict[str, Any]:
    """A JSON Schema object for a property map (required sugar into a `required` list)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {n: property_schema(s) for n, s in sorted(props.items())},
    }
    required = sorted(n for n, s in props.items() if s.get("required") is True)
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


def property_schema(spec: dict[str, Any]) -> dict[str, Any]:
    out = {k: spec[k] for k in KEYWORDS if k in spec}
    if isinstance(spec.get("items"), dict):
        out["items"] = property_schema(spec["items"])
    if isinstance(spec.get("properties"), dict):
        nested = object_schema(spec["properties"])
        out["properties"] = nested["properties"]
        if "required" in nested:
            out["required"] = nested["required"]
    return out


def from_object_schema(schema: Any, where: str, unknown: set[str]) -> tuple[dict[str, Any], bool]:
    """(property map, closed) of a JSON Schema object; keywords trackplan has no place for
    go into `unknown` (reported once by the importer). `where` is the object's path inside
    the file, for messages (the importer adds the file and line)."""
    where = where or "the schema"
    if schema in (None, True, {}):
        return {}, False
    if not isinstance(schema, dict):
        raise ValueError(f"{where}: expected a JSON Schema object, got {type(schema).__name__}")
    props = schema.get("properties") or {}
    if not isinstance(props, dict):
        raise ValueError(f"{where}: `properties` is not an object")
    required = schema.get("required") or []
    if not isinstance(required, list):
        raise ValueError(f"{where}: `required` is not a list")
    out = {}
    for name, sub in props.items():
        spec = from_property_schema(sub, f"{where}/{name}", unknown)
        if name in required:
            spec["required"] = True
        out[str(name)] = spec
    for key in schema:
        if key not in (
            "type",
            "properties",
            "required",
            "additionalProperties",
            "description",
            "labels",
            *IGNORED,
        ):
            unknown.add(key)
    return out, schema.get("additionalProperties") is False


def from_property_schema(schema: Any, where: str, unknown: set[str]) -> dict[str, Any]:
    if schema is True or schema == {}:
        return {}
    if not isinstance(schema, dict):
        raise ValueError(f"{where}: expected a JSON Schema, got {type(schema).__name__}")
    spec: dict[str, Any] = {k: schema[k] for k in KEYWORDS if k in schema}
    if "items" in schema:
        if isinstance(schema["items"], dict):
            spec["items"] = from_property_schema(schema["items"], f"{where}[]", unknown)
        else:
            unknown.add("items (tuples)")
    if isinstance(schema.get("properties"), dict):
        nested, _closed = from_object_schema(
            {"properties": schema["properties"], "required": schema.get("required") or []},
            where,
            unknown,
        )
        spec["properties"] = nested
    for key in schema:
        if key not in (*CARRIED, *IGNORED, "additionalProperties"):
            unknown.add(key)
    if schema.get("additionalProperties") is False:
        unknown.add("additionalProperties: false (on a nested object)")
    return spec
