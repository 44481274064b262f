"""RudderStack tracking plans as its CLI (rudder-cli) manages them: YAML specs in a folder."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from registry.formats.base import (
    CONSTRAINTS,
    Carries,
    Document,
    FormatError,
    Imported,
    unique_slug,
)
from registry.formats.source import Losses, Source, mapping, sequence, text

NAME = "rudderstack"
SUMMARY = (
    "RudderStack tracking plan YAML (rudder-cli, rudder/v0.1 or rudder/v1: events, "
    "properties, custom types, the tracking plan)"
)
FOLDER = True
SPEC_VERSION = "rudder/v0.1"
# propConfig holds the JSON Schema constraints of a property.
CONFIG_KEYS = tuple(k for k in CONSTRAINTS if k != "const")
CARRIES = Carries(
    meta=("title", "description"),
    sections=("identify", "group"),
    event=("description", "additional_properties", "variants"),
    property=("type", "required", "description", "properties", "items", *CONFIG_KEYS),
    item=("type",),  # propConfig.itemTypes: the types of an array's items
    case=("required", "properties"),  # a case's references, nested ones too
    default_named=False,  # a default is a list of references: no name or description
)
TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")


def _id(name: str, taken: set[str]) -> str:
    """A rudder-cli id: lower case letters, digits and underscores, unique in its file."""
    return unique_slug(name, taken)


def _shown(case: dict[str, Any]) -> str:
    """The display name rudder-cli needs for a case the plan leaves unnamed: its values
    (read back as no name)."""
    match = case.get("match")
    return ", ".join(str(m) for m in match) if isinstance(match, list) else str(match)


def _without_required(spec: dict[str, Any]) -> dict[str, Any]:
    """A property spec with no `required` at any depth: what a case brings to the event."""
    out = {k: v for k, v in spec.items() if k != "required"}
    if isinstance(out.get("properties"), dict):
        out["properties"] = {n: _without_required(s) for n, s in out["properties"].items()}
    return out


def _requirements(spec: dict[str, Any]) -> dict[str, Any]:
    """Only the `required` flags of a property spec, at every depth: what a case asks."""
    out: dict[str, Any] = {"required": True} if spec.get("required") is True else {}
    nested = {n: _requirements(s) for n, s in (spec.get("properties") or {}).items()}
    if any(nested.values()):
        out["properties"] = {n: r for n, r in nested.items() if r}
    return out


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
    common: dict[str, Any] = (document.get("common") or {}).get("properties") or {}
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
        items = spec.get("items")
        item_types = items.get("type") if isinstance(items, dict) else None
        if item_types:
            config["itemTypes"] = item_types if isinstance(item_types, list) else [item_types]
        if config:
            body["propConfig"] = config
        key = repr(sorted(body.items()))
        if key not in props_by_spec:
            ident = _id(name, prop_ids)
            props_by_spec[key] = ident
            properties.append({"id": ident, **body})
        return f"#/properties/{plan}_properties/{props_by_spec[key]}"

    def add(
        name: str,
        event_type: str,
        description: str,
        props: dict[str, Any],
        allow_unplanned: bool,
        variants: Any = None,
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
            rule["properties"] = uses(props)
        if isinstance(variants, list) and variants:
            rule["variants"] = [written(v, props) for v in variants if isinstance(v, dict)]
        rules.append(rule)

    def written(variant: dict[str, Any], props: dict[str, Any]) -> dict[str, Any]:
        """A variant as rudder-cli writes one: each case's properties by reference."""

        def spec_of(name: str, where: dict[str, Any]) -> dict[str, Any]:
            found = where.get(name) or common.get(name)
            return found if isinstance(found, dict) else {}

        def refs(case: Any, where: dict[str, Any]) -> list[dict[str, Any]]:
            found = case.get("properties") if isinstance(case, dict) else None
            out = []
            for n, s in sorted((found or {}).items()):
                if not isinstance(s, dict):
                    continue
                use = {"$ref": property_ref(n, spec_of(n, where)),
                       "required": s.get("required") is True}  # fmt: skip
                if isinstance(s.get("properties"), dict) and s["properties"]:  # nested
                    use["properties"] = refs(s, spec_of(n, where).get("properties") or {})
                out.append(use)
            return out

        name = str(variant.get("discriminator"))
        out: dict[str, Any] = {"type": "discriminator",
                               "discriminator": property_ref(name, spec_of(name, props)),
                               "cases": []}  # fmt: skip
        for case in variant.get("cases") or ():
            if not isinstance(case, dict):
                continue
            entry: dict[str, Any] = {"display_name": str(case.get("name") or _shown(case))}
            entry["match"] = case.get("match")
            if case.get("description"):
                entry["description"] = case["description"]
            entry["properties"] = refs(case, props)
            out["cases"].append(entry)
        if isinstance(variant.get("default"), dict):
            out["default"] = refs(variant["default"], props)
        return out

    def uses(props: dict[str, Any]) -> list[dict[str, Any]]:
        """A rule's property references; nested properties as rudder-cli nests them."""
        out = []
        for p, s in sorted(props.items()):
            use: dict[str, Any] = {
                "$ref": property_ref(p, s),
                "required": s.get("required") is True,
            }
            if s.get("properties"):
                use["properties"] = uses(s["properties"])
            out.append(use)
        return out

    for name, event in sorted((document.get("events") or {}).items()):
        add(
            name,
            "track",
            event.get("description", ""),
            event.get("properties") or {},
            event.get("additional_properties") is not False,
            event.get("variants"),
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


# The kinds of rudder-cli resources a plan is made of, by the name each version writes.
KINDS = {"events": "event", "properties": "property", "categories": "category",
         "custom-types": "custom-type", "tp": "tracking-plan",
         "tracking-plan": "tracking-plan"}  # fmt: skip
# rudder/v1 writes config keys in snake_case.
SNAKE = {"min_length": "minLength", "max_length": "maxLength", "multiple_of": "multipleOf",
         "exclusive_minimum": "exclusiveMinimum", "exclusive_maximum": "exclusiveMaximum",
         "item_types": "itemTypes"}  # fmt: skip
TEMPLATE = re.compile(r"\{\{.*?\}\}")
Entity = tuple[Source, tuple[str | int, ...], dict[str, Any]]


def read(path: Path, plan_id: str) -> Imported:
    """A folder of rudder-cli YAML files (or one file) in either spec version (rudder/v0.1
    with `kind: tp` and path references, rudder/v1 with `kind: tracking-plan` and URNs):
    events, properties, custom types and one tracking plan."""
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
    project = _Project()
    plans: list[tuple[Source, dict[str, Any]]] = []
    for file in files:
        source = Source(file)
        data = mapping(source, source.data, (), "a rudder-cli file")
        kind = KINDS.get(str(data.get("kind")))
        if kind is None:
            continue  # other resources of the project (sources, destinations, ...)
        group = text(
            source,
            mapping(source, data.get("metadata"), ("metadata",), "`metadata`").get("name"),
            ("metadata", "name"),
            "`metadata.name`",
        )
        spec = mapping(source, data.get("spec"), ("spec",), "`spec`")
        if kind == "tracking-plan":
            plans.append((source, spec))
            continue
        key = "types" if kind == "custom-type" else str(data["kind"])
        for index, item in enumerate(
            sequence(source, spec.get(key), ("spec", key), f"`spec.{key}`")
        ):
            here: tuple[str | int, ...] = ("spec", key, index)
            item = mapping(source, item, here, f"an entry of `spec.{key}`")
            ident = text(source, item.get("id"), (*here, "id"), "an `id`")
            project.add(kind, str(data["kind"]), group, ident, (source, here, item))
    if len(plans) != 1:
        raise FormatError(
            f"{path}: {len(plans)} tracking plans (kind: tp or tracking-plan) found; import "
            "one folder or file with exactly one"
        )
    source, tp = plans[0]
    document: Document = {"plan": plan_id, "events": {}}
    title = tp.get("display_name") or tp.get("name")
    if title and title != tp.get("id"):  # a plan with no title is exported under its id
        document["title"] = str(title)
    if tp.get("description"):
        document["description"] = str(tp["description"])
    imported = Imported(document)
    reader = _Reader(project, imported)
    categories = 0
    for index, rule in enumerate(
        sequence(source, tp.get("rules"), ("spec", "rules"), "`spec.rules`")
    ):
        at = ("spec", "rules", index)
        rule = mapping(source, rule, at, "a rule")
        losses = Losses(source, imported.lost)
        event_ref = rule.get("event")
        if isinstance(event_ref, dict):  # v0.1: {$ref, allow_unplanned}
            ref = text(source, event_ref.get("$ref"), (*at, "event", "$ref"), "`event.$ref`")
            open_ = event_ref.get("allow_unplanned") is not False
        else:  # v1: the reference itself, openness on the rule
            ref = text(source, event_ref, (*at, "event"), "`event`")
            open_ = rule.get("additional_properties") is not False
        found = project.get("event", ref)
        if found is None:
            raise source.fail((*at, "event"), f"no event {ref} in the project")
        event = found[2]
        categories += 1 if event.get("category") else 0
        name = str(event.get("name") or event.get("display_name") or event["id"])
        if TEMPLATE.search(name):  # `{{ .API_TRACKING_NAME }}`: filled in by a template
            losses.add("name", (*at, "event"), f"the name template {name!r} of event "
                       f"{event['id']} (imported under its id)")  # fmt: skip
            name = str(event["id"])
        props = reader.properties(source, rule.get("properties"), (*at, "properties"))
        variants = reader.variants(source, rule.get("variants"), (*at, "variants"), props)
        kind = str(event.get("event_type") or "track")
        if kind not in ("track", "identify", "group"):
            losses.add("rule", at, f"a {kind} rule {rule.get('id')} (a plan holds track, "
                       "identify and group calls)")  # fmt: skip
            continue
        if kind in ("identify", "group"):
            for v_index, _variant in enumerate(variants):
                losses.add("variant", (*at, "variants", v_index), f"variants of a {kind} rule "
                           f"{rule.get('id')} (a plan has variants on events only)")  # fmt: skip
            traits = document.setdefault(kind, {"traits": {}})["traits"]
            for trait, spec in props.items():
                if trait in traits and traits[trait] != spec:  # another rule's, told otherwise
                    losses.add("trait", (*at, "properties"), f"{kind} trait {trait!r} of rule "
                               f"{rule.get('id')}: another {kind} rule defines it otherwise, "
                               "and a plan defines each trait once")  # fmt: skip
                else:
                    traits[trait] = spec
            continue
        body: dict[str, Any] = {}
        if event.get("description"):
            body["description"] = str(event["description"])
        if not open_:
            body["additional_properties"] = False
        if props:
            body["properties"] = props
        if variants:
            body["variants"] = variants
        if name in document["events"]:  # two events of the project, one name
            losses.add("event", (*at, "event"), f"event {event['id']} of rule {rule.get('id')}: "
                       f"an earlier rule's event is named {name!r} too, and a plan names each "
                       "event once")  # fmt: skip
            continue
        document["events"][name] = body
    for kind, ident, (e_source, e_at, _) in project.unused():
        if kind in ("event", "property", "custom-type"):  # categories: the note below
            said = f"{kind} {ident} (no rule of the tracking plan uses it)"
            Losses(e_source, imported.lost).add(kind.replace("-", " "), e_at, said)
    if categories:
        imported.left_out.append(
            f"event categories ({categories} events): trackplan has "
            "no categories; use objectives or owners"
        )
    return imported


class _Project:
    """The project's entities by kind, found by either version's reference."""

    def __init__(self) -> None:
        self.by_ref: dict[str, Entity] = {}
        self.by_id: dict[tuple[str, str], Entity] = {}
        self.used: set[int] = set()  # entities a reference reached (by id of the entity)

    def add(self, kind: str, written: str, group: str, ident: str, entity: Entity) -> None:
        self.by_ref[f"#/{written}/{group}/{ident}"] = entity
        self.by_id.setdefault((kind, ident), entity)

    def get(self, kind: str, ref: str) -> Entity | None:
        if ref.startswith(f"#{kind}:"):  # v1: `#property:id`
            found = self.by_id.get((kind, ref.split(":", 1)[1]))
        else:
            found = self.by_ref.get(ref)
        if found is not None:
            self.used.add(id(found))
        return found

    def unused(self) -> list[tuple[str, str, Entity]]:
        """(kind, id, entity) of each event, property and custom type no reference reached."""
        return [(kind, ident, entity) for (kind, ident), entity in self.by_id.items()
                if id(entity) not in self.used]  # fmt: skip


class _Reader:
    def __init__(self, project: _Project, imported: Imported) -> None:
        self.project = project
        self.imported = imported
        self.expanding: list[str] = []  # custom types being expanded, outermost first

    def properties(self, source: Source, uses: Any,
                   at: tuple[str | int, ...]) -> dict[str, Any]:  # fmt: skip
        """A rule's (or a nested property's, or a custom type's) property list, any depth."""
        props: dict[str, Any] = {}
        for index, use in enumerate(sequence(source, uses, at, "a `properties` list")):
            here = (*at, index)
            use = mapping(source, use, here, "a property reference")
            key = "property" if "property" in use else "$ref"
            ref = text(source, use.get(key), (*here, key), "a property's reference")
            found = self.project.get("property", ref)
            if found is None:
                raise source.fail((*here, key), f"no property {ref} in the project")
            p_source, p_at, prop = found
            name = str(prop.get("name") or prop.get("display_name") or prop["id"])
            spec = self.property(p_source, p_at, prop)
            if use.get("required") is True:
                spec["required"] = True
            if use.get("properties") is not None:  # nested, written in the rule
                spec["properties"] = self.properties(source, use["properties"],
                                                     (*here, "properties"))  # fmt: skip
                spec.setdefault("type", "object")
            if name in props:  # two properties of the project, one name
                Losses(source, self.imported.lost).add("property", here, f"property {prop['id']}: "
                    f"an earlier property of the list is named {name!r} too, and an event names "
                    "each property once")  # fmt: skip
                continue
            props[name] = spec
        return props

    def property(self, source: Source, at: tuple[str | int, ...],
                 prop: dict[str, Any]) -> dict[str, Any]:  # fmt: skip
        spec: dict[str, Any] = {}
        listed = prop.get("types")
        kinds: list[str] = (
            [str(t) for t in listed] if isinstance(listed, list)
            else [t.strip() for t in str(prop.get("type") or "").split(",") if t.strip()]
        )  # fmt: skip
        custom = [t for t in kinds if t not in TYPES]
        if custom:
            if len(kinds) > 1 or self.project.get("custom-type", custom[0]) is None:
                said = f"unknown type '{custom[0]}': neither one of {', '.join(TYPES)} nor a "
                raise source.fail((*at, "type"), said + "custom type of the project")
            spec = self.custom(source, at, custom[0])
        elif kinds:
            spec["type"] = kinds[0] if len(kinds) == 1 else list(kinds)
        if prop.get("description"):
            spec["description"] = str(prop["description"]) + (
                f" (custom type {spec.pop('x-custom')})" if "x-custom" in spec else "")  # fmt: skip
        elif "x-custom" in spec:
            spec.pop("x-custom")
        self.config(source, at, prop, spec)
        return spec

    def custom(self, source: Source, at: tuple[str | int, ...], ref: str) -> dict[str, Any]:
        """A custom type expanded inline, its name kept in the description; one met again
        inside its own expansion (a recursive type) is named as lost there."""
        found = self.project.get("custom-type", ref)
        assert found is not None
        if ref in self.expanding:
            said = f"custom type {ref} inside itself (recursion)"
            Losses(source, self.imported.lost).add("keyword", (*at, "type"), said)
            return {"type": "object"} if found[2].get("type") == "object" else {}
        self.expanding.append(ref)
        try:
            return self._custom(ref, found)
        finally:
            self.expanding.pop()

    def _custom(self, ref: str, found: Entity) -> dict[str, Any]:
        t_source, t_at, kind = found
        name = str(kind.get("name") or kind["id"])
        spec = self.property(t_source, t_at, {k: v for k, v in kind.items() if k != "description"})
        said = str(kind.get("description") or "").strip()
        spec["description"] = f"Custom type {name}" + (f": {said}" if said else "")
        spec["x-custom"] = name
        if kind.get("properties") is not None:
            spec["properties"] = self.properties(t_source, kind["properties"],
                                                 (*t_at, "properties"))  # fmt: skip
        self.variants(t_source, kind.get("variants"), (*t_at, "variants"),
                      spec.setdefault("properties", {}), kept=False)  # fmt: skip
        if not spec["properties"]:
            del spec["properties"]
        return spec

    def config(self, source: Source, at: tuple[str | int, ...], prop: dict[str, Any],
               spec: dict[str, Any]) -> None:  # fmt: skip
        key = "config" if "config" in prop else "propConfig"
        config = mapping(source, prop.get(key), (*at, key), f"`{key}`")
        items = prop.get("item_types", [prop["item_type"]] if "item_type" in prop else None)
        for name, value in config.items():
            camel = SNAKE.get(name, name)
            if camel == "itemTypes":
                items = value
            elif camel in CONFIG_KEYS:
                spec[camel] = value
            else:
                Losses(source, self.imported.lost).add("keyword", (*at, key, name),
                                                       f"propConfig {name}")  # fmt: skip
        if items:
            kinds = [str(t) for t in (items if isinstance(items, list) else [items])]
            if len(kinds) == 1 and kinds[0] not in TYPES:
                if self.project.get("custom-type", kinds[0]) is None:
                    raise source.fail((*at, key), f"unknown item type '{kinds[0]}'")
                item = self.custom(source, at, kinds[0])
                item.pop("x-custom", None)
                spec["items"] = item
            else:
                wrong = [t for t in kinds if t not in TYPES]
                if wrong:
                    raise source.fail((*at, key), f"unknown item type '{wrong[0]}'")
                spec["items"] = {"type": kinds[0] if len(kinds) == 1 else kinds}

    def variants(self, source: Source, variants: Any, at: tuple[str | int, ...],
                 props: dict[str, Any], kept: bool = True) -> list[dict[str, Any]]:  # fmt: skip
        """Discriminated cases as the plan's `variants`: each property a case brings is
        planned (optional) on the event too, and the case makes it required. `kept` False
        (a custom type's variants; the plan has them on events only): the properties are
        planned and each case is named as a loss with what it requires."""
        losses = Losses(source, self.imported.lost)
        found: list[dict[str, Any]] = []
        for v_index, variant in enumerate(sequence(source, variants, at, "`variants`")):
            v_at = (*at, v_index)
            variant = mapping(source, variant, v_at, "a variant")
            written = variant.get("discriminator")
            target = self.project.get("property", written) if isinstance(written, str) else None
            if target is None:
                raise source.fail((*v_at, "discriminator"),
                                  f"no property {written} in the project")  # fmt: skip
            prop = target[2]
            discriminator = str(prop.get("name") or prop.get("display_name") or prop["id"])
            if kept and discriminator not in props:  # a case adds to the event's properties
                props[discriminator] = self.property(target[0], target[1], prop)
            default = variant.get("default")
            if isinstance(default, dict):  # v1: {properties: [...]}
                default = default.get("properties")
            cases = []
            for i, c in enumerate(sequence(source, variant.get("cases"), (*v_at, "cases"),
                                           "`cases`")):  # fmt: skip
                c = mapping(source, c, (*v_at, "cases", i), "a case")
                if c.get("match") in (None, []):  # applies to no value: named, not a default
                    losses.add("variant", (*v_at, "cases", i), f"case {c.get('display_name')!r} "
                               f"of a variant on {written} without `match` values")  # fmt: skip
                    continue
                cases.append(
                    (
                        c.get("display_name"),
                        c.get("match"),
                        c.get("properties"),
                        (*v_at, "cases", i, "properties"),
                        c.get("description"),
                    )
                )
            if default is not None:
                cases.append((None, None, default, (*v_at, "default"), None))
            if kept and default is not None and len(cases) == 1:
                losses.add("variant", (*v_at, "default"), f"the default of a variant on "
                           f"{written} that has no case with values")  # fmt: skip
                continue
            form: dict[str, Any] = {"discriminator": discriminator, "cases": []}
            for title, match, uses, u_at, description in cases:
                brought = self.properties(source, uses, u_at)
                for name, spec in brought.items():  # the event plans it; the case requires
                    props.setdefault(name, _without_required(spec))
                if not kept:
                    if brought:
                        when = f" when {written} is {match}" if match is not None else ""
                        losses.add("variant", u_at, f"variant {title or 'default'!r}{when} of "
                                   "a custom type: " + ", ".join(
                                       f"{n}{' (required)' if s.get('required') else ''}"
                                       for n, s in brought.items()))  # fmt: skip
                    continue
                case: dict[str, Any] = {}
                if title and title != _shown({"match": match}):
                    case["name"] = str(title)
                if match is not None:
                    case["match"] = match if isinstance(match, list) else [match]
                if description:
                    case["description"] = str(description)
                case["properties"] = {n: _requirements(s) for n, s in brought.items()}
                if match is None:
                    form["default"] = case
                else:
                    form["cases"].append(case)
            if kept and form["cases"]:
                found.append(form)
        return found
