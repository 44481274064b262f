"""Resolve plan sugar into plain JSON Schema: `$ref` expanded, `required: true` lifted."""

from __future__ import annotations

from typing import Any

from registry.load.model import Case, Event, Plan
from registry.load.pii import carries, pii_class

# Keys copied as they are into JSON Schema.
SCHEMA_KEYS = (
    "type", "enum", "const", "pattern", "format", "minimum", "maximum",
    "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength", "description", "examples",
)  # fmt: skip


COMBINATORS = ("anyOf", "oneOf")


class ResolveError(Exception):
    """A `$ref` that cannot be resolved (validation reports these as ref-unknown)."""


def resolved_spec(spec: dict[str, Any], plan: Plan, _seen: tuple[str, ...] = ()) -> dict[str, Any]:
    """The spec with its `$ref` chain laid under it: keys written beside `$ref` win."""
    ref = spec.get("$ref")
    if not isinstance(ref, str):
        return spec
    if ref in _seen or ref not in plan.shared:
        raise ResolveError(f"$ref '{ref}' cannot be resolved in plan '{plan.id}'")
    base = resolved_spec(plan.shared[ref].spec, plan, (*_seen, ref))
    merged = dict(base)
    merged.update((k, v) for k, v in spec.items() if k != "$ref")
    return merged


def property_schema(spec: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """JSON Schema (2020-12) for one property spec; `pii` and `deprecated` become annotations."""
    spec = resolved_spec(spec, plan)
    schema: dict[str, Any] = {k: spec[k] for k in SCHEMA_KEYS if k in spec}
    if spec.get("deprecated"):
        schema["deprecated"] = True
    if carries(spec.get("pii")):
        schema["x-pii"] = pii_class(spec.get("pii"))  # the class: indirect, direct, sensitive
    items = spec.get("items")
    if isinstance(items, dict):
        schema["items"] = property_schema(items, plan)
    for keyword in COMBINATORS:  # each branch a property definition of its own
        branches = spec.get(keyword)
        if isinstance(branches, list):
            schema[keyword] = [property_schema(b, plan) for b in branches if isinstance(b, dict)]
    nested = spec.get("properties")
    if isinstance(nested, dict):
        closed = True if spec.get("additional_properties") is False else None
        shape = object_schema(nested, plan, closed=closed)
        del shape["type"]  # keep the property's own type, e.g. [object, null]
        schema.update(shape)
        schema.setdefault("type", "object")
    return schema


def is_required(spec: dict[str, Any], plan: Plan) -> bool:
    """`required: true` on the property, or on its `$ref` target unless the use overrides it."""
    return resolved_spec(spec, plan).get("required") is True


def object_schema(props: dict[str, Any], plan: Plan, closed: bool | None) -> dict[str, Any]:
    """`properties` and `required` for a map of property specs; closed adds additionalProperties."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {
            name: property_schema(spec, plan)
            for name, spec in sorted(props.items())
            if isinstance(spec, dict)
        },
    }
    required = sorted(n for n, s in props.items() if isinstance(s, dict) and is_required(s, plan))
    if required:
        schema["required"] = required
    if closed is not None:
        schema["additionalProperties"] = not closed
    return schema


def event_properties(plan: Plan, event: Event) -> dict[str, dict[str, Any]]:
    """The event's property specs with the plan's `common` ones (the event's own win)."""
    merged = {name: prop.spec for name, prop in plan.common.items()}
    merged.update((name, prop.spec) for name, prop in event.properties.items())
    return merged


def event_schema(plan: Plan, event: Event) -> dict[str, Any]:
    """JSON Schema of an event's `properties` payload, common properties included."""
    closed = event.spec.get("additional_properties") is False
    schema = object_schema(event_properties(plan, event), plan, closed=closed)
    conditions = variant_conditions(plan, event)
    if conditions:
        schema["allOf"] = conditions
    description = event.spec.get("description")
    if isinstance(description, str):
        schema = {"description": description, **schema}
    if event.spec.get("deprecated"):
        schema["deprecated"] = True
    return schema


def variant_conditions(plan: Plan, event: Event) -> list[dict[str, Any]]:
    """One `if`/`then`/`else` chain per variant of the event: the first case whose values
    the discriminator holds applies (`then`), else the next, else the default. A case's
    properties are among the event's, so the event's closed keys stay exact."""
    chains: dict[tuple[Any, ...], list[Case]] = {}
    for case in event.cases:
        chains.setdefault(case.variant, []).append(case)
    conditions = []
    for cases in chains.values():
        default = next((c for c in cases if c.match is None), None)
        otherwise: dict[str, Any] | None = _case_schema(default, plan) if default else None
        for case in reversed([c for c in cases if c.match is not None]):
            condition: dict[str, Any] = {
                "if": {"properties": {case.discriminator: {"enum": list(case.match or ())}},
                       "required": [case.discriminator]},
                "then": _case_schema(case, plan),
            }  # fmt: skip
            if otherwise is not None:
                condition["else"] = otherwise
            otherwise = condition
        if otherwise is not None:
            conditions.append(otherwise)
    return conditions


def _case_schema(case: Case, plan: Plan) -> dict[str, Any]:
    shape = object_schema({n: p.spec for n, p in case.properties.items()}, plan, closed=None)
    del shape["type"]
    for name, prop in case.properties.items():  # a case narrows: it never sets a type unasked
        _unwritten_types(shape["properties"][name], prop.spec, plan)
    return {"description": f"when {case.key}", "x-when": case.key, **shape}


def _unwritten_types(schema: dict[str, Any], spec: dict[str, Any], plan: Plan) -> None:
    """Drop the `type: object` that nested `properties` imply where the spec wrote no type:
    in a case, `address: {properties: {city: {required: true}}}` constrains an address that
    is an object, and lets one that the event allows to be null stay null."""
    spec = resolved_spec(spec, plan)
    if "type" not in spec and schema.get("type") == "object":
        del schema["type"]
    nested, written = schema.get("properties"), spec.get("properties")
    if isinstance(nested, dict) and isinstance(written, dict):
        for name, sub in nested.items():
            if isinstance(written.get(name), dict):
                _unwritten_types(sub, written[name], plan)


def traits_schema(plan: Plan, section: str) -> dict[str, Any]:
    """JSON Schema of identify or group traits."""
    traits = plan.identify if section == "identify" else plan.group
    return object_schema({name: t.spec for name, t in traits.items()}, plan, closed=None)


def required_or_written(spec: dict[str, Any], plan: Plan) -> bool:
    """Whether the property is required; what is written when its `$ref` does not resolve."""
    try:
        return is_required(spec, plan)
    except ResolveError:
        return spec.get("required") is True


def schema_or_written(spec: dict[str, Any], plan: Plan) -> dict[str, Any]:
    """The property's JSON Schema; what is written when its `$ref` does not resolve."""
    try:
        return property_schema(spec, plan)
    except ResolveError:  # an invalid plan: validation reports the $ref; compare what is written
        return {k: v for k, v in spec.items() if k not in ("$ref", "required")}
