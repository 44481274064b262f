"""Segment Protocols tracking plans: the Config API / Public API JSON that Typewriter reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.formats.base import Carries, Document, Imported
from registry.formats.schema_props import (
    CARRIED,
    from_object_schema,
    object_schema,
)
from registry.formats.source import Source, mapping, sequence, text
from registry.release.artifacts import canonical_json

NAME = "segment"
SUMMARY = "Segment Protocols tracking plan JSON (rules.events[] with JSON Schemas; Typewriter's)"
FOLDER = False
CARRIES = Carries(
    meta=("title", "description"),
    sections=("common", "identify", "group"),
    event=("description", "renamed_from", "additional_properties"),
    property=CARRIED,
)
DRAFT_07 = "http://json-schema.org/draft-07/schema#"
# Segment labels are string key/values on an event: former names travel in this one, as a
# JSON list (names may hold commas).
RENAMED_LABEL = "renamed_from"


def _call_schema(section: str, schema: dict[str, Any]) -> dict[str, Any]:
    """A Segment rule: a JSON Schema of the whole call, `section` holding the plan's part."""
    parts: dict[str, Any] = {"context": {}, "properties": {}, "traits": {}}
    parts[section] = schema
    return {"$schema": DRAFT_07, "type": "object", "properties": parts}


def export(document: Document) -> dict[str, bytes]:
    plan = str(document["plan"])
    events = []
    for name, event in sorted((document.get("events") or {}).items()):
        closed = event.get("additional_properties") is False
        rules = _call_schema("properties", object_schema(event.get("properties") or {}, closed))
        rules["required"] = ["properties"]
        entry: dict[str, Any] = {
            "name": name,
            "description": event.get("description", ""),
            "version": 1,
            "rules": rules,
        }
        if event.get("renamed_from"):
            entry["labels"] = {RENAMED_LABEL: json.dumps(event["renamed_from"])}
        events.append(entry)
    sections = {
        "global": ("properties", (document.get("common") or {}).get("properties") or {}),
        "identify": ("traits", (document.get("identify") or {}).get("traits") or {}),
        "group": ("traits", (document.get("group") or {}).get("traits") or {}),
    }
    plan_rules: dict[str, Any] = {"events": events}
    for key, (section, props) in sections.items():
        if props:
            plan_rules[key] = _call_schema(section, object_schema(props))
    out = {
        "name": f"tracking-plans/{plan}",
        "display_name": document.get("title") or plan,
        "description": document.get("description", ""),
        "rules": plan_rules,
    }
    return {f"{plan}.segment.json": canonical_json(out)}


def read(path: Path, plan_id: str) -> Imported:
    source = Source(path)
    data = mapping(source, source.data, (), "the file")
    at: tuple[str | int, ...] = ()
    for wrapper in ("data", "tracking_plan", "trackingPlan"):  # API responses wrap the plan
        if isinstance(data.get(wrapper), dict) and "rules" not in data:
            data, at = data[wrapper], (*at, wrapper)
    rules = data.get("rules")
    unknown: set[str] = set()
    document: Document = {"plan": plan_id, "events": {}}
    title = data.get("display_name") or data.get("name")
    resource = str(data.get("name") or "")
    # A plan with no title is exported under its id (the last part of its resource name).
    if isinstance(title, str) and title and "/" not in title and title != resource.rsplit("/")[-1]:
        document["title"] = title
    if isinstance(data.get("description"), str) and data["description"]:
        document["description"] = data["description"]
    imported = Imported(document)
    if isinstance(rules, list):  # the Public API: a list of {key, type, version, jsonSchema}
        _public_rules(source, rules, (*at, "rules"), imported, unknown)
    else:
        rules = mapping(source, rules, (*at, "rules"), "`rules`")
        for index, entry in enumerate(
            sequence(source, rules.get("events"), (*at, "rules", "events"), "`rules.events`")
        ):
            here = (*at, "rules", "events", index)
            entry = mapping(source, entry, here, "an event rule")
            name = text(source, entry.get("name"), (*here, "name"), "an event's `name`")
            _add_event(
                source,
                imported,
                name,
                entry.get("description"),
                entry.get("rules"),
                entry.get("labels"),
                entry.get("version"),
                here,
                unknown,
            )
        for key, section in (("global", "common"), ("identify", "identify"), ("group", "group")):
            if rules.get(key) is not None:
                _add_section(source, imported, section, rules[key], (*at, "rules", key), unknown)
    if unknown:
        imported.left_out.append("what trackplan has no place for: " + ", ".join(sorted(unknown)))
    return imported


_PUBLIC_TYPES = {"TRACK": None, "IDENTIFY": "identify", "GROUP": "group", "COMMON": "common"}


def _public_rules(
    source: Source,
    rules: list[Any],
    at: tuple[str | int, ...],
    imported: Imported,
    unknown: set[str],
) -> None:
    for index, rule in enumerate(rules):
        here = (*at, index)
        rule = mapping(source, rule, here, "a rule")
        kind = str(rule.get("type") or "TRACK").upper()
        if kind not in _PUBLIC_TYPES:
            imported.left_out.append(f"{source.at(*here, 'type')}: rules of type {kind}")
            continue
        schema = rule.get("jsonSchema", rule.get("json_schema"))
        section = _PUBLIC_TYPES[kind]
        if section is not None:
            _add_section(source, imported, section, schema, (*here, "jsonSchema"), unknown)
            continue
        name = text(source, rule.get("key"), (*here, "key"), "a TRACK rule's `key`")
        description = schema.get("description") if isinstance(schema, dict) else None
        labels = schema.get("labels") if isinstance(schema, dict) else None
        _add_event(
            source, imported, name, description, schema, labels, rule.get("version"), here, unknown
        )


def _part(
    source: Source, schema: Any, part: str, at: tuple[str | int, ...]
) -> tuple[Any, tuple[str | int, ...]]:
    """The `properties` (or `traits`) part of a rule's call schema."""
    schema = mapping(source, schema, at, "a rule's JSON Schema")
    parts = mapping(source, schema.get("properties"), (*at, "properties"), "the call's properties")
    return parts.get(part), (*at, "properties", part)


def _add_event(
    source: Source,
    imported: Imported,
    name: str,
    description: Any,
    schema: Any,
    labels: Any,
    version: Any,
    at: tuple[str | int, ...],
    unknown: set[str],
) -> None:
    events = imported.document["events"]
    if name in events:
        previous = imported.comments.get(name, "")
        if not isinstance(version, int) or version <= int(previous.rsplit(" ", 1)[-1] or 0):
            return  # an older version of an event already read: the newest is kept
    part, where = _part(source, schema, "properties", at)
    try:
        props, closed = from_object_schema(part, "/".join(map(str, where)), unknown)
    except ValueError as exc:
        raise source.fail(where, str(exc)) from None
    event: dict[str, Any] = {}
    if isinstance(description, str) and description:
        event["description"] = description
    others = sorted(k for k in labels if k != RENAMED_LABEL) if isinstance(labels, dict) else []
    if others:
        unknown.add("event labels (" + ", ".join(map(str, others)) + ")")
    rule_parts = schema.get("properties") if isinstance(schema, dict) else None
    if isinstance(rule_parts, dict) and rule_parts.get("context") not in (None, {}):
        unknown.add("rules on `context`")
    renamed = (labels or {}).get(RENAMED_LABEL) if isinstance(labels, dict) else None
    if isinstance(renamed, str) and renamed:
        try:
            names = json.loads(renamed) if renamed.startswith("[") else renamed.split(",")
        except ValueError:
            raise source.fail((*at, "labels"), "label renamed_from is not a JSON list") from None
        event["renamed_from"] = [str(n).strip() for n in names if str(n).strip()]
    if closed:
        event["additional_properties"] = False
    if props:
        event["properties"] = props
    events[name] = event
    if isinstance(version, int) and version > 1:
        imported.comments[name] = f"Segment event version {version}"


def _add_section(
    source: Source,
    imported: Imported,
    section: str,
    schema: Any,
    at: tuple[str | int, ...],
    unknown: set[str],
) -> None:
    part, where = _part(source, schema, "properties" if section == "common" else "traits", at)
    try:
        props, closed = from_object_schema(part, "/".join(map(str, where)), unknown)
    except ValueError as exc:
        raise source.fail(where, str(exc)) from None
    if closed:
        unknown.add(f"additionalProperties: false on {section}")
    if props:
        inner = "properties" if section == "common" else "traits"
        imported.document[section] = {inner: props}
