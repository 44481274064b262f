"""Snowplow Iglu: a folder of self-describing JSON Schemas, vendor/name/jsonschema/M-R-A."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from registry.formats.base import Carries, Document, FormatError, Imported
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
CARRIES = Carries(event=("description", "additional_properties"), property=CARRIED)
VENDOR = re.compile(r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
SCHEMAVER = re.compile(r"^([1-9][0-9]*)-(0|[1-9][0-9]*)-(0|[1-9][0-9]*)$")


def _schema_name(event: str) -> str:
    """An Iglu name (letters, digits, - and _) for an event: `Signed Up` -> `signed_up`."""
    return re.sub(r"[^a-zA-Z0-9]+", "_", event).strip("_").lower() or "event"


def export(document: Document, vendor: str | None = None) -> dict[str, bytes]:
    vendor = vendor or f"io.trackplan.{document['plan']}"
    if not VENDOR.match(vendor):
        raise FormatError(f"--vendor {vendor!r}: an Iglu vendor is a reverse domain name of "
                          "letters, digits, '-', '_' and '.' (e.g. com.acme)")  # fmt: skip
    out, taken = {}, set()
    for name, event in sorted((document.get("events") or {}).items()):
        schema_name, n = _schema_name(name), 1
        while schema_name in taken:
            n += 1
            schema_name = f"{_schema_name(name)}_{n}"
        taken.add(schema_name)
        body = object_schema(
            event.get("properties") or {}, closed=event.get("additional_properties") is False
        )
        schema = {
            "$schema": META_SCHEMA,
            "self": {
                "vendor": vendor,
                "name": schema_name,
                "format": "jsonschema",
                "version": "1-0-0",
            },
            "title": name,  # the event's exact name: Iglu names cannot hold it
            **({"description": event["description"]} if event.get("description") else {}),
            **body,
        }
        out[f"{vendor}/{schema_name}/jsonschema/1-0-0"] = canonical_json(schema)
    return out


def read(path: Path, plan_id: str) -> Imported:
    """Every self-describing schema below `path` (a repository, its schemas/ folder, a vendor's
    folder or one schema's) is an event: its newest SchemaVer. A schema that cannot be read
    is reported and skipped; two schemas of one name are told apart by their vendor."""
    if not path.is_dir():
        raise FormatError(f"{path}: not a folder; point at an Iglu repository, its schemas/ "
                          "folder or a vendor's folder")  # fmt: skip
    found: dict[tuple[str, str], list[tuple[tuple[int, int, int], Path]]] = {}
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        parts = file.relative_to(path).parts
        match = SCHEMAVER.match(parts[-1])
        if len(parts) < 2 or parts[-2] != "jsonschema" or match is None:
            continue
        names = (path.parent.name, path.name, *parts)[-4:]  # vendor, name, jsonschema, version
        version = (int(match[1]), int(match[2]), int(match[3]))
        found.setdefault((names[0], names[1]), []).append((version, file))
    if not found:
        raise FormatError(f"{path}: no Iglu schemas (vendor/name/jsonschema/M-R-A files) below it")
    imported = Imported({"plan": plan_id, "events": {}})
    schemas = {}
    for (vendor, name), versions in sorted(found.items()):
        versions.sort()
        file = versions[-1][1]
        try:
            schemas[(vendor, name)] = _schema(file, path, vendor, name, imported)
        except FormatError as exc:
            imported.skipped.append(str(exc))
    titles = {key: _title(schema, key[1]) for key, (schema, _) in schemas.items()}
    taken = Counter(titles.values())
    for (vendor, name), (schema, source) in schemas.items():
        event = titles[(vendor, name)]
        if taken[event] > 1:  # two vendors (or titles) of one name: say whose
            event = f"{vendor}/{event}"
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
        history = ", ".join("-".join(map(str, v)) for v, _ in found[(vendor, name)])
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
