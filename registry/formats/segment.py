"""Segment Protocols tracking plans: the Config API / Public API JSON that Typewriter reads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.formats.base import Carries, Document, Imported
from registry.formats.schema_props import CARRIED, SchemaReader, object_schema
from registry.formats.source import Losses, Source, mapping, sequence, text
from registry.release.artifacts import canonical_json

NAME = "segment"
SUMMARY = (
    "Segment Protocols tracking plan JSON: imports the Config API, Public API and "
    "Typewriter shapes; exports the Public API's"
)
FOLDER = False
CARRIES = Carries(
    meta=("title", "description"),
    sections=("common", "identify", "group"),
    event=("description", "labels", "renamed_from", "additional_properties"),
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
    """The plan as Segment's Public API takes it: the tracking plan's `name`, `description`
    and `type`, and its `rules` (the body of replacing a plan's rules): one TRACK rule per
    event, IDENTIFY, GROUP and COMMON rules for traits and common properties, each rule's
    `jsonSchema` a call schema with the event's description and labels where Segment keeps
    them."""
    plan = str(document["plan"])
    rules: list[dict[str, Any]] = []
    for name, event in sorted((document.get("events") or {}).items()):
        closed = event.get("additional_properties") is False
        schema = _call_schema("properties", object_schema(event.get("properties") or {}, closed))
        schema["required"] = ["properties"]
        if event.get("description"):
            schema["description"] = event["description"]
        labels = dict(event.get("labels") or {})
        if event.get("renamed_from"):
            labels[RENAMED_LABEL] = json.dumps(event["renamed_from"])
        if labels:
            schema["labels"] = dict(sorted(labels.items()))
        rules.append({"type": "TRACK", "key": name, "version": 1, "jsonSchema": schema})
    for kind, section, part in (("IDENTIFY", "identify", "traits"), ("GROUP", "group", "traits"),
                                ("COMMON", "common", "properties")):  # fmt: skip
        props = (document.get(section) or {}).get("traits" if part == "traits" else part) or {}
        if props:
            rules.append({"type": kind, "version": 1,
                          "jsonSchema": _call_schema(part, object_schema(props))})  # fmt: skip
    out = {
        "name": document.get("title") or plan,
        "description": document.get("description", ""),
        "type": "LIVE",
        "rules": rules,
    }
    return {f"{plan}.segment.json": canonical_json(out)}


SHAPES = ("config", "public", "typewriter")
# The parts of a Segment call schema: a rule constrains `properties` (track), `traits`
# (identify, group) and `context`.
CALL_PARTS = frozenset({"context", "properties", "traits"})


def read(path: Path, plan_id: str, shape: str | None = None) -> Imported:
    """A Segment tracking plan in any of the shapes Segment's tools write: the Config API
    (`rules.events[]`), the Public API (a `rules` list, as Typewriter 8 stores it), or
    Typewriter's local plan files (`{name, events[]}`). Anything else is refused."""
    source = Source(path)
    data = mapping(source, source.data, (), "the file")
    at: tuple[str | int, ...] = ()
    for wrapper in ("data", "tracking_plan", "trackingPlan"):  # API responses wrap the plan
        if isinstance(data.get(wrapper), dict) and "rules" not in data and "events" not in data:
            data, at = data[wrapper], (*at, wrapper)
    plans = data.get("trackingPlans", data.get("tracking_plans"))
    if isinstance(plans, list) and "rules" not in data:
        if len(plans) != 1:
            raise source.fail(
                (*at, "trackingPlans"),
                f"the file holds {len(plans)} tracking "
                "plans; export one plan, or import each from a file of its own",
            )
        data, at = mapping(source, plans[0], (*at, "trackingPlans", 0), "a plan"), (
            *at, "trackingPlans", 0)  # fmt: skip
    found = _shape(data)
    if shape is not None and found != shape:
        raise source.fail(
            at,
            f"not the {shape} shape of a Segment plan"
            + (f" (it looks like the {found} shape)" if found else ""),
        )
    if found is None:
        keys = ", ".join(sorted(map(str, data))[:8]) or "none"
        raise source.fail(at, "not a Segment tracking plan: expected `rules.events` (Config "
                          "API), a `rules` list (Public API) or an `events` list of rules "
                          f"(Typewriter); its keys: {keys}")  # fmt: skip
    document: Document = {"plan": plan_id, "events": {}}
    # The Config API names a plan by a resource path (`workspaces/w/tracking-plans/rs_1`) and
    # shows `display_name`; the Public API and Typewriter's files call the shown name `name`.
    resource: str = data["name"] if isinstance(data.get("name"), str) else ""
    title = data.get("display_name") or ("" if "/" in resource else resource)
    # A plan with no title is exported under its id (the Public API's `name`, or the last
    # part of the Config API's resource name).
    if (
        isinstance(title, str)
        and title
        and "/" not in title
        and title != plan_id
        and ("/" not in resource or title != resource.rsplit("/")[-1])
    ):
        document["title"] = title
    if isinstance(data.get("description"), str) and data["description"]:
        document["description"] = data["description"]
    imported = Imported(document)
    reader = _Reader(source, imported)
    if found == "public":
        reader.public_rules(data["rules"], (*at, "rules"))
    elif found == "typewriter":
        reader.events(data["events"], (*at, "events"))
        reader.trait_lists(data, at)
    else:
        rules = data["rules"]
        reader.events(rules["events"], (*at, "rules", "events"))
        for key, section in (("global", "common"), ("identify", "identify"), ("group", "group")):
            if rules.get(key) is not None:
                reader.section(section, rules[key], (*at, "rules", key))
        reader.trait_lists(rules, (*at, "rules"))
    return imported


def _shape(data: dict[str, Any]) -> str | None:
    rules = data.get("rules")
    if isinstance(rules, dict) and isinstance(rules.get("events"), list):
        return "config"
    if isinstance(rules, list):
        return "public"
    events = data.get("events")
    if (
        rules is None
        and isinstance(events, list)
        and all(isinstance(e, dict) and "name" in e and "rules" in e for e in events)
    ):
        return "typewriter"
    return None


_PUBLIC_TYPES = {"TRACK": None, "IDENTIFY": "identify", "GROUP": "group", "COMMON": "common"}


class _Reader:
    def __init__(self, source: Source, imported: Imported) -> None:
        self.source = source
        self.imported = imported
        self.losses = Losses(source, imported.lost)
        self.versions: dict[str, tuple[int, tuple[str | int, ...]]] = {}  # event: kept, where

    def events(self, entries: Any, at: tuple[str | int, ...]) -> None:
        for index, entry in enumerate(sequence(self.source, entries, at, "the events")):
            here = (*at, index)
            entry = mapping(self.source, entry, here, "an event rule")
            name = text(self.source, entry.get("name"), (*here, "name"), "an event's `name`")
            self.event(name, entry.get("description"), entry.get("rules"), entry.get("labels"),
                       entry.get("version"), here, (*here, "rules"))  # fmt: skip

    def public_rules(self, rules: list[Any], at: tuple[str | int, ...]) -> None:
        for index, rule in enumerate(rules):
            here = (*at, index)
            rule = mapping(self.source, rule, here, "a rule")
            kind = str(rule.get("type") or "TRACK").upper()
            key = "jsonSchema" if "jsonSchema" in rule else "json_schema"
            schema = rule.get(key)
            if kind not in _PUBLIC_TYPES:
                self.losses.add("rule", (*here, "type"), f"a {kind} rule "
                                f"{rule.get('key') or ''}".rstrip())  # fmt: skip
                continue
            section = _PUBLIC_TYPES[kind]
            if section is not None:
                self.section(section, schema, (*here, key))
                continue
            name = text(self.source, rule.get("key"), (*here, "key"), "a TRACK rule's `key`")
            meta = schema.get("eventMetadata") if isinstance(schema, dict) else None
            description = (schema or {}).get("description") if isinstance(schema, dict) else None
            if isinstance(meta, dict) and isinstance(meta.get("description"), str):
                description = description or meta["description"]
            labels = schema.get("labels") if isinstance(schema, dict) else None
            self.event(name, description, schema, labels, rule.get("version"), here,
                       (*here, key))  # fmt: skip

    def event(self, name: str, description: Any, schema: Any, labels: Any, version: Any,
              at: tuple[str | int, ...], schema_at: tuple[str | int, ...]) -> None:  # fmt: skip
        number = version if isinstance(version, int) and not isinstance(version, bool) else 1
        if name in self.versions:  # several versions of one event: the newest is kept
            newest, newest_at = self.versions[name]
            if number <= newest:
                self.losses.add("event", at, f"version {number} of event {name!r} (version "
                                f"{newest} is imported)")  # fmt: skip
                return
            self.losses.add("event", newest_at, f"version {newest} of event {name!r} (version "
                            f"{number} is imported)")  # fmt: skip
        self.versions[name] = (number, at)
        part, where, call = self.part(schema, "properties", schema_at)
        reader = SchemaReader(self.losses, schema)
        allowed = () if call else ("labels", "eventMetadata")
        try:
            props, closed = reader.object(part, where, allowed=allowed)
        except ValueError as exc:
            raise self.source.fail(where, str(exc)) from None
        event: dict[str, Any] = {}
        if isinstance(description, str) and description:
            event["description"] = description
        inner = schema.get("labels") if isinstance(schema, dict) else None
        kept = self.labels(
            labels, (*at, "labels") if labels is not inner else (*schema_at, "labels")
        )
        if inner is not None and inner is not labels:  # the Config API's, in the rule too
            kept.update(self.labels(inner, (*schema_at, "labels")))
        renamed = kept.pop(RENAMED_LABEL, None)
        if renamed:
            try:
                names = json.loads(renamed) if renamed.startswith("[") else renamed.split(",")
            except ValueError:
                said = "label renamed_from is not a JSON list"
                raise self.source.fail((*at, "labels"), said) from None
            event["renamed_from"] = [str(n).strip() for n in names if str(n).strip()]
        if kept:
            event["labels"] = dict(sorted(kept.items()))
        if call:
            self.context(schema, schema_at, "properties")
        if closed:
            event["additional_properties"] = False
        if props:
            event["properties"] = props
        self.imported.document["events"][name] = event
        if isinstance(version, int) and version > 1:
            self.imported.comments[name] = f"Segment event version {version}"

    def labels(self, labels: Any, at: tuple[str | int, ...]) -> dict[str, str]:
        """Segment's labels as the plan keeps them: strings, a scalar written as JSON."""
        if labels in (None, {}):
            return {}
        if not isinstance(labels, dict):
            self.losses.add("label", at, "labels that are not a map of strings")
            return {}
        kept = {}
        for key, value in labels.items():
            if isinstance(value, (str, int, float, bool)):  # a scalar, written as JSON does
                kept[str(key)] = value if isinstance(value, str) else json.dumps(value)
            else:
                self.losses.add("label", (*at, key), f"label {key} (not a string)")
        return kept

    def context(self, schema: Any, at: tuple[str | int, ...], read: str) -> None:
        """The parts of a call schema other than the one `read`: rules on its `context`
        (Segment's device, page, app fields), which the plan has no place for, and the
        `traits` of a track or common rule (the plan's traits are identify's and group's),
        or the `properties` of a traits rule. Each property is named."""
        parts = schema.get("properties") if isinstance(schema, dict) else None
        if not isinstance(parts, dict):
            return
        for part in sorted(CALL_PARTS - {read}):
            found = parts.get(part)
            if not isinstance(found, dict):
                continue
            for name in found.get("properties") or {}:
                self.losses.add("property", (*at, "properties", part, "properties", name),
                                f"{part} property {name}")  # fmt: skip

    def part(self, schema: Any, part: str, at: tuple[str | int, ...]
             ) -> tuple[Any, tuple[str | int, ...], bool]:  # fmt: skip
        """The `properties` (or `traits`) of a rule: inside a call schema (its `properties`
        holding context/properties/traits), or the rule's schema itself when it describes
        the payload directly (the Public API as Typewriter stores it). Also: whether it
        was a call schema."""
        schema = mapping(self.source, schema, at, "a rule's JSON Schema")
        parts = schema.get("properties")
        if (
            isinstance(parts, dict)
            and parts
            and set(parts) <= CALL_PARTS
            and all(isinstance(v, dict) for v in parts.values())
        ):
            return parts.get(part), (*at, "properties", part), True
        if not parts:
            return None, at, True
        return schema, at, False

    def section(self, section: str, schema: Any, at: tuple[str | int, ...]) -> None:
        inner = "properties" if section == "common" else "traits"
        part, where, call = self.part(schema, inner, at)
        reader = SchemaReader(self.losses, schema)
        try:
            props, closed = reader.object(part, where, allowed=() if call else ("labels",))
        except ValueError as exc:
            raise self.source.fail(where, str(exc)) from None
        if closed:
            self.losses.add("keyword", (*where, "additionalProperties"),
                            f"additionalProperties: false on {section}")  # fmt: skip
        if call:
            self.context(schema, at, inner)
        if props:
            found = self.imported.document.setdefault(section, {inner: {}})
            found[inner].update(props)

    def trait_lists(self, holder: dict[str, Any], at: tuple[str | int, ...]) -> None:
        """`identify_traits` / `group_traits` (older Config API and Typewriter files): lists
        of trait rules, each a JSON Schema of one trait under its `key` or `name`."""
        for key, section in (("identify_traits", "identify"), ("group_traits", "group")):
            entries = holder.get(key)
            if not entries:
                continue
            traits = {}
            for index, entry in enumerate(sequence(self.source, entries, (*at, key), f"`{key}`")):
                here = (*at, key, index)
                entry = mapping(self.source, entry, here, "a trait rule")
                name = entry.get("key") or entry.get("name")
                if not isinstance(name, str) or not name:
                    self.losses.add("trait", here, "a trait rule without a key")
                    continue
                schema = mapping(self.source, entry.get("rules", entry.get("jsonSchema", entry)),
                                 here, "a trait rule's schema")  # fmt: skip
                body = {k: v for k, v in schema.items() if k not in ("key", "name")}
                try:
                    traits[name] = SchemaReader(self.losses, schema).property(body, here, name)
                except ValueError as exc:
                    raise self.source.fail(here, str(exc)) from None
            if traits:
                self.imported.document.setdefault(section, {"traits": {}})["traits"].update(traits)
