"""What every format shares: the plan document, what a format carries, and its errors."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from registry.records import field, record
from registry.release import artifacts

# The plan document is the shape of a release's plan artifact (registry.release.artifacts):
# {plan, title, description, owners, sources, objectives, lifecycle, consumers,
#  common: {properties}, identify: {traits}, group: {traits}, events: {name: {...}}}
Document = dict[str, Any]
SECTIONS = {"common": "properties", "identify": "traits", "group": "traits"}
# The document's keys as the artifact writes them: a key added there is carried by each
# format or named in its export's warning, never dropped in silence (a copy of these lists
# here once lacked `consumers`, and every export left them out without a word).
META_KEYS = artifacts.META_KEYS
EVENT_KEYS = (*artifacts.EVENT_KEYS, "variants")
# A property's JSON Schema constraints, the part every JSON-Schema-based format carries.
CONSTRAINTS = ("enum", "const", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
               "exclusiveMaximum", "minLength", "maxLength")  # fmt: skip
PROPERTY_KEYS = ("type", "required", *CONSTRAINTS, "items", "properties",
                 "additional_properties", "anyOf", "oneOf", "description", "examples", "pii",
                 "deprecated", "renamed_from")  # fmt: skip


def unique_slug(name: str, taken: set[str], fallback: str = "item") -> str:
    """`name` as lower case letters, digits and underscores (`Signed Up` -> `signed_up`),
    made unique among `taken` by a counter (`signed_up_2`), and added to it: the ids and
    file names exporters give events and properties."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or fallback
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}_{n}"
    taken.add(found)
    return found


class FormatError(Exception):
    """Input a format cannot read: the message names the file and the line or row (exit 2)."""


@record(frozen=True)
class Carries:
    """The parts of a plan a format can hold; the rest is listed in one warning on export."""

    meta: tuple[str, ...] = ()
    sections: tuple[str, ...] = ()
    event: tuple[str, ...] = ()
    property: tuple[str, ...] = ()
    first_example_only: bool = False
    # What an array's `items` keeps (None: what a property keeps), and what a property of a
    # case of an event's `variants` keeps (when `variants` is carried at all).
    item: tuple[str, ...] | None = None
    case: tuple[str, ...] = ("required",)
    default_named: bool = True  # a variant's default keeps its name and description
    # The plan's common properties travel inside each event (a format of self-contained
    # event schemas, such as Iglu): the event's own definition of a name wins.
    common_in_events: bool = False
    # The parts of a `deprecated: {reason, replaced_by, sunset}` the format writes, where
    # it carries `deprecated` at all (a flag alone keeps none of them).
    deprecation: tuple[str, ...] = ("reason", "replaced_by", "sunset")


@record(frozen=True)
class Loss:
    """One definition of the source the plan cannot hold: its kind (event, property, trait,
    label, keyword, rule), where it is (`file:line` and its path in the file) and what it is."""

    kind: str
    where: str
    path: str
    what: str

    def to_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "where": self.where, "path": self.path, "what": self.what}

    def __str__(self) -> str:
        return f"{self.what} at {self.path or 'the top'} ({self.where})"


@record
class Imported:
    """A plan read from another format: the document, every definition of the source the
    plan cannot hold (`lost`, each named with its place; notes in `left_out`), and comments
    to write above events (e.g. their version history)."""

    document: Document
    left_out: list[str] = field(default_factory=list)
    comments: dict[str, str] = field(default_factory=dict)
    lost: list[Loss] = field(default_factory=list)
    # Files of a folder source that could not be read, each with why: the rest is imported,
    # and the command exits 1.
    skipped: list[str] = field(default_factory=list)


# Values that mean "not set": a property is not required unless `required: true`, an event
# is open unless `additional_properties: false`. Anything else present is information.
_DEFAULTS: dict[str, Any] = {"required": False, "additional_properties": True}


def _present(key: str, spec: dict[str, Any]) -> bool:
    if key not in spec or spec[key] is None:
        return False
    value = spec[key]
    if key in _DEFAULTS:
        return bool(value != _DEFAULTS[key])
    if key in ("description", "title"):
        return bool(value != "")
    if key in (
        "owners",
        "sources",
        "objectives",
        "renamed_from",
        "examples",
        "lifecycle",
        "labels",
    ):
        return value not in ([], {})
    return True  # 0, false and [] are values: `minimum: 0`, `const: false`


def _property(spec: dict[str, Any], carries: Carries, item: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key in carries.item if item and carries.item is not None else carries.property:
        if key == "required" and item:
            continue  # no meaning for an array's items
        if not _present(key, spec):
            continue
        value = spec[key]
        if key == "items" and isinstance(value, dict):
            out[key] = _property(value, carries, item=True)
        elif key == "properties" and isinstance(value, dict):
            if value:
                out[key] = {n: _property(s, carries) for n, s in sorted(value.items())}
        elif key == "examples" and carries.first_example_only and isinstance(value, list):
            out[key] = value[:1]
        else:
            out[key] = value
    return out


def project(document: Document, carries: Carries) -> Document:
    """The part of a plan document a format carries, normalised (defaults left out), so two
    documents compare equal when they agree on everything the format can hold."""
    out: Document = {"plan": document.get("plan")}
    for key in carries.meta:
        if _present(key, document):
            out[key] = document[key]
    for section in carries.sections:
        props = (document.get(section) or {}).get(SECTIONS[section]) or {}
        if props:
            out[section] = {n: _property(s, carries) for n, s in sorted(props.items())}
    events = {}
    common = (document.get("common") or {}).get("properties") or {}
    for name, event in sorted((document.get("events") or {}).items()):
        body: dict[str, Any] = {k: event[k] for k in carries.event if _present(k, event)}
        if "variants" in body:
            body["variants"] = _variants(body["variants"], carries.case, carries.default_named)
        props = event.get("properties") or {}
        if carries.common_in_events:
            props = {**common, **props}
        if props:
            body["properties"] = {n: _property(s, carries) for n, s in sorted(props.items())}
        events[name] = body
    out["events"] = events
    return out


def _variants(value: Any, keys: tuple[str, ...], default_named: bool = True) -> Any:
    """An event's variants with each case's properties cut to what the format keeps."""
    if not isinstance(value, list):
        return value
    out = []
    for variant in value:
        if not isinstance(variant, dict):
            out.append(variant)
            continue
        variant = dict(variant)
        cases = [*(variant.get("cases") or ()), *([variant["default"]] if isinstance(
            variant.get("default"), dict) else [])]  # fmt: skip
        kept = [{**c, "properties": {n: {k: v for k, v in s.items() if k in keys and
                                          _present(k, s)}
                                     for n, s in sorted((c.get("properties") or {}).items())
                                     if isinstance(s, dict)}}
                if isinstance(c, dict) else c for c in cases]  # fmt: skip
        if isinstance(variant.get("default"), dict):
            default = kept.pop()
            variant["default"] = default if default_named else {
                k: v for k, v in default.items() if k not in ("name", "description")}  # fmt: skip
        variant["cases"] = kept
        out.append(variant)
    return out


def _case_properties(event: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for variant in event.get("variants") or ():
        if not isinstance(variant, dict):
            continue
        default = variant.get("default")
        for case in [*(variant.get("cases") or ()), *([default] if default else [])]:
            if isinstance(case, dict):
                yield from (s for s in (case.get("properties") or {}).values()
                            if isinstance(s, dict))  # fmt: skip


def left_out(document: Document, carries: Carries, format_name: str) -> str | None:
    """One warning listing what the document has that the format cannot carry, or None."""
    found: dict[str, int] = {}

    def count(what: str) -> None:
        found[what] = found.get(what, 0) + 1

    def walk(specs: Iterable[tuple[dict[str, Any], bool]], whose: str) -> None:
        for spec, item in specs:
            kept = carries.item if item and carries.item is not None else carries.property
            for key in PROPERTY_KEYS:
                if key not in kept and (key != "required" or not item) and _present(key, spec):
                    count(f"{whose}{' item' if item else ''} {key}")
            if "deprecated" in kept:
                deprecation(spec, f"{whose}{' item' if item else ''}")
            examples = spec.get("examples")
            if carries.first_example_only and isinstance(examples, list) and len(examples) > 1:
                count(f"{whose} examples past the first")

    def deprecation(spec: dict[str, Any], whose: str) -> None:
        said = spec.get("deprecated")
        if not isinstance(said, dict):
            return
        for key in sorted(said):
            if key not in carries.deprecation and said[key] not in (None, ""):
                count(f"{whose} deprecation {key}")

    for key in META_KEYS:
        if key not in carries.meta and _present(key, document):
            count(f"plan {key}")
    for section, inner in SECTIONS.items():
        props = (document.get(section) or {}).get(inner) or {}
        if not props:
            continue
        if section == "common" and carries.common_in_events:
            walk(_all_properties(props), "common property")
            continue
        if section not in carries.sections:
            found[f"{section} {inner}"] = len(props)
        else:
            walk(_all_properties(props), "trait" if inner == "traits" else "common property")
    for event in (document.get("events") or {}).values():
        for key in EVENT_KEYS:
            if key not in carries.event and _present(key, event):
                count(f"event {key}")
        if "deprecated" in carries.event:
            deprecation(event, "event")
        walk(_all_properties(event.get("properties") or {}), "property")
        if "variants" in carries.event:
            for variant in event.get("variants") or ():
                default = variant.get("default") if isinstance(variant, dict) else None
                if isinstance(default, dict) and not carries.default_named:
                    for key in ("name", "description"):
                        if _present(key, default):
                            count(f"variant default {key}")
            for spec in _case_properties(event):
                for key in PROPERTY_KEYS:
                    if key not in carries.case and _present(key, spec):
                        count(f"variant case property {key}")
    if not found:
        return None
    parts = [f"{what} ({n})" for what, n in sorted(found.items())]
    return f"{format_name} cannot carry, so the export leaves out: " + ", ".join(parts)


def _all_properties(props: dict[str, Any]) -> Iterable[tuple[dict[str, Any], bool]]:
    """Each property spec at any depth, with whether it is an array's `items`."""
    for spec in props.values():
        if isinstance(spec, dict):
            yield spec, False
            yield from _all_properties(spec.get("properties") or {})
            if isinstance(spec.get("items"), dict):
                yield spec["items"], True
                yield from _all_properties(spec["items"].get("properties") or {})
