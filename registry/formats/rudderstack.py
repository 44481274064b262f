"""RudderStack tracking plans as its CLI (rudder-cli) manages them: YAML specs in a folder."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from registry.formats.base import CONSTRAINTS, Carries, Document, FormatError, Imported
from registry.formats.source import Source, mapping, sequence, text

NAME = "rudderstack"
SUMMARY = "RudderStack tracking plan YAML (rudder-cli: events, properties, categories, tp)"
FOLDER = True
SPEC_VERSION = "rudder/v0.1"
# propConfig holds the JSON Schema constraints of a property.
CONFIG_KEYS = tuple(k for k in CONSTRAINTS if k != "const")
CARRIES = Carries(
    meta=("title", "description"),
    sections=("identify", "group"),
    event=("description", "additional_properties"),
    property=("type", "required", "description", *CONFIG_KEYS),
)
TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")


def _id(name: str, taken: set[str]) -> str:
    """A rudder-cli id: lower case letters, digits and underscores, unique in its file."""
    base = re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_") or "item"
    found, n = base, 1
    while found in taken:
        n += 1
        found = f"{base}_{n}"
    taken.add(found)
    return found


def _dump(data: dict[str, Any]) -> bytes:
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    yaml.sort_base_mapping_type_on_output = False  # type: ignore[assignment]
    yaml.width = 4096
    yaml.allow_unicode = True
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue().encode()


def export(document: Document) -> dict[str, bytes]:
    plan = str(document["plan"])
    event_ids: set[str] = set()
    prop_ids: set[str] = set()
    props_by_spec: dict[str, str] = {}
    events, properties, rules = [], [], []

    def property_ref(name: str, spec: dict[str, Any]) -> str:
        """One property entity per distinct (name, definition): events share them."""
        body: dict[str, Any] = {"name": name}
        kinds = spec.get("type")
        if kinds:
            body["type"] = ",".join(kinds) if isinstance(kinds, list) else kinds
        if spec.get("description"):
            body["description"] = spec["description"]
        config = {k: spec[k] for k in CONFIG_KEYS if k in spec}
        if config:
            body["propConfig"] = config
        key = repr(sorted(body.items()))
        if key not in props_by_spec:
            ident = _id(name, prop_ids)
            props_by_spec[key] = ident
            properties.append({"id": ident, **body})
        return f"#/properties/{plan}_properties/{props_by_spec[key]}"

    def add(
        name: str, event_type: str, description: str, props: dict[str, Any], allow_unplanned: bool
    ) -> None:
        ident = _id(name, event_ids)
        entry: dict[str, Any] = {"id": ident, "name": name, "event_type": event_type}
        if description:
            entry["description"] = description
        events.append(entry)
        rule: dict[str, Any] = {
            "type": "event_rule",
            "id": f"{ident}_rule",
            "event": {
                "$ref": f"#/events/{plan}_events/{ident}",
                "allow_unplanned": allow_unplanned,
            },
        }
        if props:
            rule["properties"] = [
                {"$ref": property_ref(p, s), "required": s.get("required") is True}
                for p, s in sorted(props.items())
            ]
        rules.append(rule)

    for name, event in sorted((document.get("events") or {}).items()):
        add(
            name,
            "track",
            event.get("description", ""),
            event.get("properties") or {},
            event.get("additional_properties") is not False,
        )
    for section in ("identify", "group"):
        traits = (document.get(section) or {}).get("traits") or {}
        if traits:
            add(section, section, "", traits, True)
    tp: dict[str, Any] = {"id": plan, "display_name": document.get("title") or plan}
    if document.get("description"):
        tp["description"] = document["description"]
    tp["rules"] = rules

    def spec_file(kind: str, name: str, spec: dict[str, Any]) -> bytes:
        return _dump(
            {"version": SPEC_VERSION, "kind": kind, "metadata": {"name": name}, "spec": spec}
        )

    return {
        "events.yaml": spec_file("events", f"{plan}_events", {"events": events}),
        "properties.yaml": spec_file(
            "properties", f"{plan}_properties", {"properties": properties}
        ),
        "tracking-plan.yaml": spec_file("tp", plan, tp),
    }


def read(path: Path, plan_id: str) -> Imported:
    """A folder of rudder-cli YAML files (or one file): events, properties and one tp."""
    files = (
        sorted(
            p
            for p in path.rglob("*")
            if p.suffix in (".yaml", ".yml")
            and p.is_file()
            and not any(part.startswith(".") for part in p.relative_to(path).parts)
        )
        if path.is_dir()
        else [path]
    )
    if not files:
        raise FormatError(f"{path}: no .yaml files; point at the rudder-cli project folder")
    entities: dict[str, dict[str, tuple[Source, tuple[str | int, ...], dict[str, Any]]]] = {
        "events": {},
        "properties": {},
        "categories": {},
    }
    plans: list[tuple[Source, dict[str, Any]]] = []
    for file in files:
        source = Source(file)
        data = mapping(source, source.data, (), "a rudder-cli file")
        kind = data.get("kind")
        if kind not in ("events", "properties", "categories", "tp"):
            continue  # other resources of the project (sources, destinations, ...)
        name = text(
            source,
            mapping(source, data.get("metadata"), ("metadata",), "`metadata`").get("name"),
            ("metadata", "name"),
            "`metadata.name`",
        )
        spec = mapping(source, data.get("spec"), ("spec",), "`spec`")
        if kind == "tp":
            plans.append((source, spec))
            continue
        for index, item in enumerate(
            sequence(source, spec.get(kind), ("spec", kind), f"`spec.{kind}`")
        ):
            here: tuple[str | int, ...] = ("spec", kind, index)
            item = mapping(source, item, here, f"an entry of `spec.{kind}`")
            ident = text(source, item.get("id"), (*here, "id"), "an `id`")
            entities[kind][f"#/{kind}/{name}/{ident}"] = (source, here, item)
    if len(plans) != 1:
        raise FormatError(
            f"{path}: {len(plans)} tracking plans (kind: tp) found; import one "
            "folder or file with exactly one"
        )
    source, tp = plans[0]
    document: Document = {"plan": plan_id, "events": {}}
    title = tp.get("display_name") or tp.get("name")
    if title and title != tp.get("id"):  # a plan with no title is exported under its id
        document["title"] = str(title)
    if tp.get("description"):
        document["description"] = str(tp["description"])
    imported = Imported(document)
    categories = 0
    unknown: set[str] = set()
    for index, rule in enumerate(
        sequence(source, tp.get("rules"), ("spec", "rules"), "`spec.rules`")
    ):
        at = ("spec", "rules", index)
        rule = mapping(source, rule, at, "a rule")
        event_ref = mapping(source, rule.get("event"), (*at, "event"), "a rule's `event`")
        ref = text(source, event_ref.get("$ref"), (*at, "event", "$ref"), "`event.$ref`")
        if ref not in entities["events"]:
            raise source.fail((*at, "event", "$ref"), f"no event {ref} in the project")
        _, _, event = entities["events"][ref]
        categories += 1 if event.get("category") else 0
        name = str(event.get("name") or event.get("display_name") or event["id"])
        props = {}
        for p_index, use in enumerate(
            sequence(source, rule.get("properties"), (*at, "properties"), "a rule's `properties`")
        ):
            p_at = (*at, "properties", p_index)
            use = mapping(source, use, p_at, "a property of a rule")
            p_ref = text(source, use.get("$ref"), (*p_at, "$ref"), "a property's `$ref`")
            if p_ref not in entities["properties"]:
                raise source.fail((*p_at, "$ref"), f"no property {p_ref} in the project")
            p_source, p_where, prop = entities["properties"][p_ref]
            p_name = str(prop.get("name") or prop.get("display_name") or prop["id"])
            props[p_name] = _property(p_source, p_where, prop, use.get("required") is True,
                                      unknown)  # fmt: skip
        kind = str(event.get("event_type") or "track")
        if kind not in ("track", "identify", "group"):
            imported.left_out.append(f"{kind} rule {rule.get('id')} (trackplan plans track, "
                                     "identify and group calls)")  # fmt: skip
            continue
        if kind in ("identify", "group"):
            if props:
                document[kind] = {"traits": props}
            continue
        body: dict[str, Any] = {}
        if event.get("description"):
            body["description"] = str(event["description"])
        if event_ref.get("allow_unplanned") is False:
            body["additional_properties"] = False
        if props:
            body["properties"] = props
        document["events"][name] = body
    if unknown:
        imported.left_out.append("what trackplan has no place for: " + ", ".join(sorted(unknown)))
    if categories:
        imported.left_out.append(
            f"event categories ({categories} events): trackplan has "
            "no categories; use objectives or owners"
        )
    return imported


def _property(
    source: Source,
    at: tuple[str | int, ...],
    prop: dict[str, Any],
    required: bool,
    unknown: set[str],
) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    kinds = [t.strip() for t in str(prop.get("type") or "").split(",") if t.strip()]
    wrong = [t for t in kinds if t not in TYPES]
    if wrong:
        raise source.fail(
            (*at, "type"),
            f"unknown type '{wrong[0]}' (custom types are not "
            f"imported); use one of {', '.join(TYPES)}",
        )
    if kinds:
        spec["type"] = kinds[0] if len(kinds) == 1 else kinds
    if required:
        spec["required"] = True
    if prop.get("description"):
        spec["description"] = str(prop["description"])
    config = mapping(
        source, prop.get("propConfig", prop.get("config")), (*at, "propConfig"), "`propConfig`"
    )
    spec.update((k, config[k]) for k in CONFIG_KEYS if k in config)
    others = sorted(k for k in config if k not in CONFIG_KEYS)
    if others:
        unknown.update(f"propConfig {k}" for k in others)
    return spec
