"""What every format shares: the plan document, what a format carries, and its errors."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# The plan document is the shape of a release's plan artifact (registry.artifacts):
# {plan, title, description, owners, sources, objectives, lifecycle,
#  common: {properties}, identify: {traits}, group: {traits}, events: {name: {...}}}
Document = dict[str, Any]
SECTIONS = {"common": "properties", "identify": "traits", "group": "traits"}
META_KEYS = ("title", "description", "owners", "sources", "objectives", "lifecycle")
EVENT_KEYS = (
    "description",
    "owners",
    "sources",
    "objectives",
    "stage",
    "renamed_from",
    "deprecated",
    "additional_properties",
)
# A property's JSON Schema constraints, the part every JSON-Schema-based format carries.
CONSTRAINTS = ("enum", "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
               "exclusiveMaximum", "minLength", "maxLength")  # fmt: skip
PROPERTY_KEYS = ("type", "required", *CONSTRAINTS, "items", "properties", "description",
                 "examples", "pii", "deprecated", "renamed_from")  # fmt: skip


class FormatError(Exception):
    """Input a format cannot read: the message names the file and the line or row (exit 2)."""


@dataclass(frozen=True)
class Carries:
    """The parts of a plan a format can hold; the rest is listed in one warning on export."""

    meta: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    event: tuple[str, ...] = ()
    property: tuple[str, ...] = ()


@dataclass
class Imported:
    """A plan read from another format: the document, what the source had that trackplan
    does not keep, and comments to write above events (e.g. their version history)."""

    document: Document
    left_out: list[str] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)


def _present(value: Any) -> bool:
    return value not in (None, "", [], {}, False)


def _property(spec: dict[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in keys:
        value = spec.get(key)
        if key == "required":
            if value is True:
                out[key] = True
        elif key == "items" and isinstance(value, dict):
            out[key] = _property(value, tuple(k for k in keys if k != "required"))  # no meaning
        elif key == "properties" and isinstance(value, dict):
            if value:
                out[key] = {n: _property(s, keys) for n, s in sorted(value.items())}
        elif key in spec and (
            _present(value)
            or key
            in (
                "const",
                "minimum",
                "maximum",
                "exclusiveMinimum",
                "exclusiveMaximum",
                "minLength",
                "maxLength",
            )
        ):
            out[key] = value
    return out


def project(document: Document, carries: Carries) -> Document:
    """The part of a plan document a format carries, normalised (defaults left out), so two
    documents compare equal when they agree on everything the format can hold."""
    out: Document = {"plan": document.get("plan")}
    for key in carries.meta:
        if _present(document.get(key)):
            out[key] = document[key]
    for section in carries.sections:
        props = (document.get(section) or {}).get(SECTIONS[section]) or {}
        if props:
            out[section] = {n: _property(s, carries.property) for n, s in sorted(props.items())}
    events = {}
    for name, event in sorted((document.get("events") or {}).items()):
        body: dict[str, Any] = {}
        for key in carries.event:
            value = event.get(key)
            if key == "additional_properties":
                if value is False:
                    body[key] = False
            elif _present(value):
                body[key] = value
        props = event.get("properties") or {}
        if props:
            body["properties"] = {
                n: _property(s, carries.property) for n, s in sorted(props.items())
            }
        events[name] = body
    out["events"] = events
    return out


def left_out(document: Document, carries: Carries, format_name: str) -> str | None:
    """One warning listing what the document has that the format cannot carry, or None."""
    found: dict[str, int] = {}

    def count(what: str, n: int = 1) -> None:
        found[what] = found.get(what, 0) + n

    for key in META_KEYS:
        if key not in carries.meta and _present(document.get(key)):
            count(f"plan {key}")
    for section, inner in SECTIONS.items():
        props = (document.get(section) or {}).get(inner) or {}
        if props and section not in carries.sections:
            count(f"{section} {inner}", len(props))
    for event in (document.get("events") or {}).values():
        for key in EVENT_KEYS:
            if key not in carries.event and _present(
                False
                if key == "additional_properties" and event.get(key) is not False
                else event.get(key)
            ):
                count(f"event {key}")
        for spec in _all_properties(event.get("properties") or {}):
            for key in PROPERTY_KEYS:
                if key not in carries.property and _present(spec.get(key)):
                    count(f"property {key}")
    if not found:
        return None
    parts = [f"{what} ({n})" for what, n in sorted(found.items())]
    return f"{format_name} cannot carry, so the export leaves out: " + ", ".join(parts)


def _all_properties(props: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for spec in props.values():
        if isinstance(spec, dict):
            yield spec
            yield from _all_properties(spec.get("properties") or {})
            if isinstance(spec.get("items"), dict):
                yield spec["items"]
