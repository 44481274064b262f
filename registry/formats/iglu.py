"""Snowplow Iglu: a folder of self-describing JSON Schemas, vendor/name/jsonschema/M-R-A."""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from registry.diff.compat import compare
from registry.formats.base import Carries, Document, FormatError, Imported, unique_slug
from registry.formats.schema_props import CARRIED, SchemaReader, object_schema
from registry.formats.source import JSON_LIMITS, Losses, Source, mapping
from registry.release.artifacts import canonical_json

NAME = "iglu"
SUMMARY = (
    "Snowplow Iglu schemas: a folder of self-describing JSON Schemas (vendor/name/jsonschema/1-0-0)"
)
FOLDER = True
META_SCHEMA = (
    "http://iglucentral.com/schemas/com.snowplowanalytics.self-desc/schema/jsonschema/1-0-0#"
)
CARRIES = Carries(event=("description", "additional_properties"), property=CARRIED,
                  common_in_events=True)  # fmt: skip
VENDOR = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
SCHEMAVER = re.compile(r"^([1-9][0-9]*)-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$")


def export(document: Document, vendor: str | None = None,
           published: Mapping[str, bytes] | None = None) -> dict[str, bytes]:  # fmt: skip
    """Each event as a self-describing schema. `published`: the files of earlier exports
    already in the output folder, by path: a schema whose content changed gets the next
    SchemaVer after the newest published one (MODEL, REVISION or ADDITION by what the change
    does to data already sent), an unchanged one is not written again, and no published
    version is ever rewritten."""
    vendor = vendor or f"io.trackplan.{document['plan']}"
    if not VENDOR.match(vendor):
        raise FormatError(f"--vendor {vendor!r}: an Iglu vendor is a reverse domain name of "
                          "letters, digits, '-', '_' and '.' (e.g. com.acme)")  # fmt: skip
    newest = _newest(published or {})
    out: dict[str, bytes] = {}
    taken: set[str] = set()
    for name, event in sorted((document.get("events") or {}).items()):
        schema_name = unique_slug(name, taken, fallback="event")
        # An Iglu schema is the whole event: the plan's common properties are in it.
        common = (document.get("common") or {}).get("properties") or {}
        props = {**common, **(event.get("properties") or {})}
        body = object_schema(props, closed=event.get("additional_properties") is False)
        content = {
            "title": name,  # the event's exact name: Iglu names cannot hold it
            **({"description": event["description"]} if event.get("description") else {}),
            **body,
        }
        version = "1-0-0"
        before = newest.get((vendor, schema_name))
        if before is not None:
            old_version, old = before
            if old == content:
                continue  # published already, as it is
            version = _next_version(old_version, old, content)
        schema = {
            "$schema": META_SCHEMA,
            "self": {
                "vendor": vendor,
                "name": schema_name,
                "format": "jsonschema",
                "version": version,
            },
            **content,
        }
        out[f"{vendor}/{schema_name}/jsonschema/{version}"] = canonical_json(schema)
    return out


def _newest(published: Mapping[str, bytes]) -> dict[tuple[str, str], tuple[str, dict[str, Any]]]:
    """The newest published version of each schema, and its content (without `self` and
    `$schema`); files that are not Iglu schemas are ignored."""
    found: dict[tuple[str, str], tuple[tuple[int, int, int], str, dict[str, Any]]] = {}
    for path, data in published.items():
        parts = path.split("/")
        match = SCHEMAVER.match(parts[-1]) if len(parts) == 4 else None
        if match is None or parts[2] != "jsonschema":
            continue
        try:
            schema = json.loads(data)
        except ValueError:
            continue
        if not isinstance(schema, dict):
            continue
        key = (parts[0], parts[1])
        rank = (int(match[1]), int(match[2]), int(match[3]))
        if key not in found or rank > found[key][0]:
            content = {k: v for k, v in schema.items() if k not in ("self", "$schema")}
            found[key] = (rank, parts[-1], content)
    return {key: (version, content) for key, (_, version, content) in found.items()}


def _next_version(version: str, old: dict[str, Any], new: dict[str, Any]) -> str:
    """Snowplow's SchemaVer: ADDITION when all data valid before stays valid, MODEL when the
    change can reject any of it (a type changed, a property became required), REVISION when
    it may reject some (a narrower constraint)."""
    model, revision, addition = (int(p) for p in version.split("-"))
    # An optional property added is an ADDITION by Snowplow's own rule, though JSON Schema
    # calls it narrowing where the object was open (additions count as `additive`).
    kinds = {d.kind for d in compare(old, new).differences if d.narrows} - {"property-added"}
    if not kinds:
        return f"{model}-{revision}-{addition + 1}"
    if kinds & {"type-changed", "type-narrowed", "required-added"}:
        return f"{model + 1}-0-0"
    return f"{model}-{revision + 1}-0"


Version = tuple[tuple[int, int, int], Path]  # a SchemaVer and its file
Found = dict[tuple[str, str], list[Version]]


def read(path: Path, plan_id: str) -> Imported:
    """Every self-describing schema below `path` (a repository, its schemas/ folder, a vendor's
    folder or one schema's) is an event: its newest SchemaVer. A schema that cannot be read
    is reported and skipped; two schemas of one name are told apart by their vendor."""
    found, twins = _found(path)
    chosen = {key: versions[-1] for key, versions in found.items()}
    return _imported(path, plan_id, found, chosen, twins)


def read_history(path: Path, plan_id: str) -> list[tuple[str, Imported]]:
    """The plan at each SchemaVer the repository holds, oldest first: at `1-0-1`, every
    schema at its newest version up to 1-0-1 (a release of the plan per SchemaVer)."""
    found, twins = _found(path)
    steps = sorted({version for versions in found.values() for version, _ in versions})
    history = []
    for step in steps:
        chosen = {}
        for key, versions in found.items():
            earlier = [v for v in versions if v[0] <= step]
            if earlier:
                chosen[key] = earlier[-1]
        history.append(("-".join(map(str, step)),
                        _imported(path, plan_id, found, chosen, twins)))  # fmt: skip
    return history


def _found(path: Path) -> tuple[Found, list[str]]:
    """Every schema file by (vendor, name), versions in order; and what is said of each
    file left out because another of its SchemaVer is read (1-0-0 beside 1-0-0.json)."""
    if not path.is_dir():
        raise FormatError(f"{path}: not a folder; point at an Iglu repository, its schemas/ "
                          "folder or a vendor's folder")  # fmt: skip
    found: Found = {}
    twins = []
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        parts = file.relative_to(path).parts
        # `1-0-0`, as Iglu names them; `1-0-0.json`, as some repositories save them.
        stem = parts[-1][:-5] if parts[-1].lower().endswith(".json") else parts[-1]
        match = SCHEMAVER.match(stem)
        if len(parts) < 2 or parts[-2] != "jsonschema" or match is None:
            continue
        names = (path.parent.name, path.name, *parts)[-4:]  # vendor, name, jsonschema, version
        version = (int(match[1]), int(match[2]), int(match[3]))
        versions = found.setdefault((names[0], names[1]), [])
        kept = [f for v, f in versions if v == version]
        if kept:  # 1-0-0 and 1-0-0.json: the first (Iglu's own name) is read
            twins.append(f"{file}: SchemaVer {stem} again; {kept[0].name} is read instead")
            continue
        versions.append((version, file))
    if not found:
        raise FormatError(f"{path}: no Iglu schemas (vendor/name/jsonschema/M-R-A files) below it")
    for versions in found.values():
        versions.sort()
    return found, twins


def _imported(path: Path, plan_id: str, found: Found, chosen: dict[tuple[str, str], Version],
              twins: list[str]) -> Imported:  # fmt: skip
    """The plan of the `chosen` version of each schema (`found`: every version, for the
    history comment above each event; `twins`: the files left out, named)."""
    imported = Imported({"plan": plan_id, "events": {}})
    imported.skipped += twins
    schemas = {}
    for (vendor, name), (_version, file) in sorted(chosen.items()):
        try:
            schemas[(vendor, name)] = _schema(file, path, vendor, name, imported)
        except FormatError as exc:
            imported.skipped.append(str(exc))
    titles = {key: _title(schema, key[1]) for key, (schema, _) in schemas.items()}
    taken = Counter(titles.values())
    qualified = {key: f"{key[0]}/{t}" if taken[t] > 1 else t for key, t in titles.items()}
    again = Counter(qualified.values())  # one vendor's schemas with one title: by name
    for (vendor, name), (schema, source) in schemas.items():
        event = qualified[(vendor, name)]
        if again[event] > 1:
            event = f"{vendor}/{name}"
        reader = SchemaReader(Losses(source, imported.lost), schema)
        try:
            props, closed = reader.object(schema, ())
        except ValueError as exc:
            imported.skipped.append(str(source.fail((), str(exc))))
            continue
        body: dict[str, Any] = {}
        if isinstance(schema.get("description"), str) and schema["description"]:
            body["description"] = schema["description"]
        if closed:
            body["additional_properties"] = False
        if props:
            body["properties"] = props
        imported.document["events"][event] = body
        history = ", ".join("-".join(map(str, v)) for v, _ in found[(vendor, name)]
                            if v <= chosen[(vendor, name)][0])  # fmt: skip
        imported.comments[event] = f"Iglu iglu:{vendor}/{name}/jsonschema: SchemaVer {history}"
    if not imported.document["events"]:
        raise FormatError("; ".join(imported.skipped) or f"{path}: no schema could be read")
    return imported


def _schema(file: Path, root: Path, vendor: str, name: str,
            imported: Imported) -> tuple[dict[str, Any], Source]:  # fmt: skip
    source = Source(file, str(file.relative_to(root.parent)), JSON_LIMITS)
    schema = mapping(source, source.data, (), "an Iglu schema")
    described = mapping(source, schema.get("self"), ("self",), "`self`")
    if described and (described.get("vendor"), described.get("name")) != (vendor, name):
        said = f"{described.get('vendor')}/{described.get('name')}"
        raise source.fail(("self",), f"`self` says {said} but the file is under {vendor}/{name}")
    losses = Losses(source, imported.lost)
    for at, first, kept in source.repeated:
        losses.add("keyword", at, f"the first of two `{at[-1]}` keys (line {first}; the one at "
                   f"line {kept} is kept, as JSON parsers read it)")  # fmt: skip
    return schema, source


def _title(schema: dict[str, Any], name: str) -> str:
    title = schema.get("title")
    return title if isinstance(title, str) and title.strip() else name
