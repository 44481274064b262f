"""OpenTrackPlan (opentp-cli): an `opentp.yaml` with its events/ and dictionaries/ folders."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from registry.formats.base import (
    CONSTRAINTS,
    Carries,
    Document,
    FormatError,
    Imported,
    unique_slug,
)
from registry.formats.source import Losses, Source, mapping, sequence, text
from registry.formats.yaml_writer import dump
from registry.load.pii import DIRECT, INDIRECT, SENSITIVE, pii_class

NAME = "opentp"
SUMMARY = "OpenTrackPlan (opentp-cli): opentp.yaml with events/ and dictionaries/"
FOLDER = True
VERSION = "2026-01"  # the opentp spec version this writes
CARRIES = Carries(
    meta=("title", "description", "owners", "sources"),
    sections=("common",),
    event=("description", "sources", "labels", "deprecated"),
    property=("type", "required", *CONSTRAINTS, "description", "pii"),
    deprecation=("replaced_by",),  # lifecycle: status and replaced_by
)
# The folders an export writes whole: one file per event of the plan, nothing else.
OWNED = ("events",)
# A field's keys a plan property holds as they are.
KEPT = ("type", "enum", "format", "pattern", "minimum", "maximum", "exclusiveMinimum",
        "exclusiveMaximum", "minLength", "maxLength", "description", "required")  # fmt: skip
EMAIL = re.compile(r"<?([^\s<>]+@[^\s<>]+)>?")


def export(document: Document) -> dict[str, bytes]:
    """opentp.yaml (info, targets, the shared payload schema) and one event file per event
    under events/, its payload for each of its sources (an event with none: the `all`
    group, which names no target)."""
    info: dict[str, Any] = {"title": document.get("title") or str(document["plan"])}
    if document.get("description"):
        info["description"] = document["description"]
    if document.get("owners"):
        info["contact"] = list(document["owners"])  # emails, @users and @org/teams
    targets = {name: ({"title": s["description"]} if s.get("description") else {})
               for name, s in sorted((document.get("sources") or {}).items())}  # fmt: skip
    common = (document.get("common") or {}).get("properties") or {}
    payload: dict[str, Any] = {"targets": {"all": []}}
    if common:
        payload["schema"] = {n: _field(s) for n, s in sorted(common.items())}
    root = {
        "opentp": VERSION,
        "info": info,
        "spec": {"paths": {"events": {"root": "/events"},
                           "dictionaries": {"root": "/dictionaries"}},
                 "targets": targets, "events": {"payload": payload}},
    }  # fmt: skip
    out = {"opentp.yaml": dump(root).encode()}
    taken: set[str] = set()
    for name, event in sorted((document.get("events") or {}).items()):
        body: dict[str, Any] = {"key": name}
        taxonomy = dict(event.get("labels") or {})
        if event.get("description"):  # what the event means: OpenTP keeps it in taxonomy
            taxonomy["description"] = event["description"]
        if taxonomy:
            body["taxonomy"] = taxonomy
        deprecated = event.get("deprecated")
        if deprecated:
            body["lifecycle"] = {"status": "deprecated"}
            if isinstance(deprecated, dict) and deprecated.get("replaced_by"):
                body["lifecycle"]["replaced_by"] = deprecated["replaced_by"]
        schema = {n: _field(s) for n, s in sorted((event.get("properties") or {}).items())}
        body["payload"] = {target: {"schema": schema}
                           for target in event.get("sources") or ["all"]}  # fmt: skip
        file = unique_slug(name, taken, fallback="event")
        out[f"events/{file}.yaml"] = dump({"opentp": VERSION, "event": body}).encode()
    return out


def _field(spec: dict[str, Any]) -> dict[str, Any]:
    field: dict[str, Any] = {k: spec[k] for k in KEPT if k in spec and k != "required"}
    if spec.get("required") is True:
        field["required"] = True
    if "const" in spec:
        field["value"] = spec["const"]
    kind = pii_class(spec.get("pii"))
    if kind == DIRECT:
        field["pii"] = {"kind": "personal"}
    elif kind in (INDIRECT, SENSITIVE):
        field["pii"] = {"kind": kind}
    return field


def read(path: Path, plan_id: str) -> Imported:
    """Each event file is an event named by its `key` (`billing::plan_upgraded`), its payload
    fields (for every target) the properties; the plan's shared payload schema becomes the
    common properties, targets the sources, `info` the title, description and owners;
    taxonomy values are kept as labels, dictionaries as enums."""
    root = path / "opentp.yaml" if path.is_dir() else path
    if not root.is_file():
        raise FormatError(f"{path}: no opentp.yaml; point at the OpenTrackPlan project folder")
    source = Source(root)
    data = mapping(source, source.data, (), "opentp.yaml")
    if "opentp" not in data:
        raise source.fail((), "not an OpenTrackPlan file: it has no `opentp:` version")
    imported = Imported({"plan": plan_id, "events": {}})
    reader = _Reader(root.parent, source, imported)
    folder = reader.plan(data)
    files = sorted(folder.rglob("*.yaml")) + sorted(folder.rglob("*.yml"))
    if not files:
        raise FormatError(f"{folder}: no event files (*.yaml) below it")
    project = root.parent.resolve()
    for file in files:
        if not file.resolve().is_relative_to(project):
            raise FormatError(f"{file}: leads out of the project folder (a link?); not read")
        reader.event(Source(file, str(file.relative_to(project))))
    return imported


class _Reader:
    def __init__(self, folder: Path, source: Source, imported: Imported) -> None:
        self.folder = folder.resolve()
        self.source = source
        self.imported = imported
        self.common: dict[str, dict[str, Any]] = {}
        self.groups: dict[str, list[str]] = {}
        self.dictionaries = folder / "dictionaries"  # until the plan names its own

    def inside(self, value: Any, at: tuple[str | int, ...], default: str) -> Path:
        """A folder `spec.paths` names, which must stay inside the project folder (the file
        is another tool's: it does not choose what else on the machine is read)."""
        found = (self.folder / str(value or default).lstrip("/")).resolve()
        if not found.is_relative_to(self.folder.resolve()):
            raise self.source.fail(at, f"{value!r} leads out of the project folder")
        return found

    def plan(self, data: dict[str, Any]) -> Path:
        """The plan's own parts, and the folder of its event files."""
        source, document = self.source, self.imported.document
        losses = Losses(source, self.imported.lost)
        info = mapping(source, data.get("info"), ("info",), "`info`")
        title = info.get("title")
        # A plan with no title is exported under its id.
        if isinstance(title, str) and title.strip() and title.strip() != document["plan"]:
            document["title"] = title.strip()
        if isinstance(info.get("description"), str) and info["description"].strip():
            document["description"] = info["description"].strip()
        owners = []
        contacts = info.get("contact") or []
        contacts = [contacts] if isinstance(contacts, str) else contacts
        for index, contact in enumerate(sequence(source, contacts, ("info", "contact"),
                                                 "`info.contact`")):  # fmt: skip
            found = EMAIL.search(str(contact))
            if str(contact).startswith("@") and " " not in str(contact):
                owners.append(str(contact))  # a GitHub user or team, as a plan names owners
            elif found:
                owners.append(found[1])
            else:
                losses.add("owner", ("info", "contact", index), f"contact {contact!r} (no email)")
        if owners:
            document["owners"] = list(dict.fromkeys(owners))
        spec = mapping(source, data.get("spec"), ("spec",), "`spec`")
        paths = mapping(source, spec.get("paths"), ("spec", "paths"), "`spec.paths`")
        dictionaries = mapping(source, paths.get("dictionaries"),
                               ("spec", "paths", "dictionaries"), "`dictionaries`")  # fmt: skip
        at = ("spec", "paths", "dictionaries", "root")
        self.dictionaries = self.inside(dictionaries.get("root"), at, "/dictionaries")
        targets = mapping(source, spec.get("targets"), ("spec", "targets"), "`spec.targets`")
        sources = {}
        for target, said in targets.items():
            entry: dict[str, Any] = {}
            title = said.get("title") if isinstance(said, dict) else None
            if isinstance(title, str) and title.strip():
                entry["description"] = title.strip()
            sources[str(target)] = entry
        if sources:
            document["sources"] = sources
        events = mapping(source, spec.get("events"), ("spec", "events"), "`spec.events`")
        payload = mapping(source, events.get("payload"), ("spec", "events", "payload"),
                          "the shared payload")  # fmt: skip
        groups = mapping(source, payload.get("targets"), ("spec", "events", "payload", "targets"),
                         "payload targets")  # fmt: skip
        self.groups = {str(k): [str(t) for t in v] for k, v in groups.items()
                       if isinstance(v, list)}  # fmt: skip
        at = ("spec", "events", "payload", "schema")
        for name, field in mapping(source, payload.get("schema"), at, "the shared schema").items():
            self.common[str(name)] = self.field(source, (*at, name), field)
        if self.common:
            document["common"] = {"properties": dict(self.common)}
        for key in ("taxonomy", "pii", "key", "x-opentp"):
            if events.get(key) is not None:
                losses.add("keyword", ("spec", "events", key), f"the plan's event {key} rules")
        events_at = ("spec", "paths", "events")
        where = mapping(source, paths.get("events"), events_at, "`events`")
        return self.inside(where.get("root"), (*events_at, "root"), "/events")

    def event(self, source: Source) -> None:
        losses = Losses(source, self.imported.lost)
        data = mapping(source, source.data, (), "an event file")
        event = mapping(source, data.get("event"), ("event",), "`event`")
        key = text(source, event.get("key"), ("event", "key"), "the event's `key`")
        if key in self.imported.document["events"]:
            raise source.fail(("event", "key"), f"event {key} is defined by another file too")
        body: dict[str, Any] = {}
        taxonomy = mapping(source, event.get("taxonomy"), ("event", "taxonomy"), "`taxonomy`")
        labels: dict[str, str] = {}
        for name, value in taxonomy.items():  # a label holds text: a list or mapping cannot
            if isinstance(value, bool):
                labels[str(name)] = "true" if value else "false"
            elif isinstance(value, (str, int, float)):
                labels[str(name)] = str(value)
            elif value is not None:
                kind = "list" if isinstance(value, list) else "mapping"
                losses.add("keyword", ("event", "taxonomy", name),
                           f"taxonomy {name} (a {kind}; a label is text)")  # fmt: skip
        description = taxonomy.get("description")
        if isinstance(description, str):  # what the event means, as the plan says it
            labels.pop("description", None)
            if description.strip():
                body["description"] = description.strip()
        if labels:
            body["labels"] = labels
        lifecycle = mapping(source, event.get("lifecycle"), ("event", "lifecycle"), "`lifecycle`")
        status = lifecycle.get("status")
        replaced_by = lifecycle.get("replaced_by")
        if status == "deprecated":
            body["deprecated"] = (
                {"replaced_by": replaced_by} if isinstance(replaced_by, str) and replaced_by
                else True
            )  # fmt: skip
        elif status not in (None, "active"):
            body.setdefault("labels", {})["status"] = str(status)
        for name in lifecycle:
            if name != "status" and (name != "replaced_by" or status != "deprecated"):
                losses.add("keyword", ("event", "lifecycle", name), f"lifecycle {name}")
        props: dict[str, Any] = {}
        sources: list[str] = []
        payload = mapping(source, event.get("payload"), ("event", "payload"), "`payload`")
        for target, part in payload.items():
            at = ("event", "payload", target)
            part = mapping(source, part, at, f"the {target} payload")
            for name in self.groups.get(str(target), [str(target)]):
                if name not in sources:
                    sources.append(name)
            schema = mapping(source, part.get("schema"), (*at, "schema"), "`schema`")
            for name, field in schema.items():
                spec = self.field(source, (*at, "schema", name), field, self.common.get(name))
                if name in props and props[name] != spec:
                    losses.add("property", (*at, "schema", name), f"field {name} as the "
                               f"{target} payload defines it (another target differs)")  # fmt: skip
                    continue
                props[str(name)] = spec
        if sources:
            body["sources"] = sources
        if props:
            body["properties"] = props
        for extra in sorted(set(event) - {"key", "taxonomy", "lifecycle", "payload"}):
            losses.add("keyword", ("event", extra), f"event field {extra}")
        self.imported.document["events"][key] = body

    def field(self, source: Source, at: tuple[str | int, ...], field: Any,
              shared: dict[str, Any] | None = None) -> dict[str, Any]:  # fmt: skip
        """A payload field as a plan property; an event's field over a shared one of its
        name overrides it (`user_id: {required: true}`)."""
        losses = Losses(source, self.imported.lost)
        field = mapping(source, field, at, "a payload field")
        # A field without its own type refines the shared one of its name (`user_id:
        # {required: true}`); one with a type is a whole definition.
        spec: dict[str, Any] = dict(shared or {}) if "type" not in field else {}
        spec.update((k, field[k]) for k in KEPT if k in field)
        if spec.get("required") is not True:
            spec.pop("required", None)
        if "value" in field:
            spec["const"] = field["value"]
        if isinstance(field.get("dict"), str):
            spec["enum"] = self.dictionary(source, (*at, "dict"), field["dict"])
        if isinstance(field.get("title"), str) and "description" not in spec:
            spec["description"] = field["title"]
        pii = field.get("pii")
        if pii:
            kind = pii.get("kind") if isinstance(pii, dict) else None
            spec["pii"] = kind if kind in (INDIRECT, SENSITIVE) else True
            if isinstance(pii, dict) and set(pii) - {"kind"}:
                losses.add("keyword", (*at, "pii"), "pii details (" +
                           ", ".join(sorted(str(k) for k in pii)) + ")")  # fmt: skip
        for key in sorted(set(field) - {*KEPT, "value", "dict", "title", "pii",
                                        "valueRequired"}):  # fmt: skip
            losses.add("keyword", (*at, key), f"field {key}")
        return spec

    def dictionary(self, source: Source, at: tuple[str | int, ...], name: str) -> list[Any]:
        file = self.dictionaries / f"{name}.yaml"
        if not file.resolve().is_relative_to(self.dictionaries.resolve()) or not file.is_file():
            raise source.fail(at, f"dictionary {name!r}: no {file.name} in the dictionaries")
        found = Source(file, str(file.relative_to(self.folder)))
        body = mapping(found, mapping(found, found.data, (), "a dictionary").get("dict"),
                       ("dict",), "`dict`")  # fmt: skip
        values = body.get("values")
        if not isinstance(values, list) or not values:
            raise found.fail(("dict", "values"), "a dictionary lists its values")
        return values
