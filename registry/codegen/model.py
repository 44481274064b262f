"""The plan as code generators see it: events, fields and types, from a release's artifacts."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from registry.codegen.names import Collision, Namer, pascal
from registry.lint.patterns import backtracking_safe
from registry.load.pii import DIRECT, MEANING, carries, pii_class
from registry.records import record


@record(frozen=True)
class Prim:
    kind: str  # string, integer, number, boolean, null


@record(frozen=True)
class Literals:
    values: tuple[Any, ...]  # enum or const: JSON scalars (objects and arrays: see Unknown)


@record(frozen=True)
class ArrayOf:
    item: TypeRef


@record(frozen=True)
class Obj:
    name: str  # a unique identifier for languages that must name the shape
    fields: tuple[Field, ...]
    # Keys beyond `fields` are accepted (a nested object the plan leaves open); an event's
    # own shape is closed here, its openness is the `extra` parameter.
    open: bool = False


@record(frozen=True)
class AnyObj:
    pass


@record(frozen=True)
class Unknown:
    pass


@record(frozen=True)
class Union:
    members: tuple[TypeRef, ...]


TypeRef = Prim | Literals | ArrayOf | Obj | AnyObj | Unknown | Union


@record(frozen=True)
class Field:
    name: str  # the key as the plan spells it
    type: TypeRef
    required: bool
    doc: tuple[str, ...]  # lines: description, format, constraints, deprecation


@record(frozen=True)
class Deprecation:
    reason: str = ""
    replaced_by: str = ""
    sunset: str = ""

    def text(self) -> str:
        parts = [self.reason.rstrip(".")] if self.reason else []
        if self.replaced_by:
            parts.append(f"use '{self.replaced_by}' instead")
        if self.sunset:
            parts.append(f"sunset {self.sunset}")
        return "; ".join(parts) + "." if parts else "Deprecated in the tracking plan."


@record(frozen=True)
class EventModel:
    name: str
    ident: str  # PascalCase base of the event's identifiers (unique in the plan)
    doc: tuple[str, ...]
    deprecated: Deprecation | None
    renamed_from: tuple[str, ...]
    shape: Obj
    closed: bool
    schema: dict[str, Any]  # JSON Schema of the properties, for runtime validation


@record(frozen=True)
class CaseModel:
    """One value of an event's variant: when `discriminator` holds `value`, the properties
    `required` must be sent and `named` (required ones included) are constrained."""

    discriminator: str
    value: Any
    required: tuple[str, ...]
    named: tuple[str, ...]


def event_cases(schema: dict[str, Any]) -> list[list[CaseModel]]:
    """The cases of each variant of an event, read back from its schema's `if`/`then`/`else`
    chains (registry/load/resolve.py writes them), one per value a case matches; the first
    case of a chain that matches a value wins, so a value met again later is left out."""
    variants = []
    for chain in schema.get("allOf") or ():
        cases: list[CaseModel] = []
        seen: set[str] = set()
        while isinstance(chain, dict) and isinstance(chain.get("if"), dict):
            test = chain["if"].get("properties") or {}
            found = chain.get("then")
            then: dict[str, Any] = found if isinstance(found, dict) else {}
            for discriminator, allowed in test.items():
                for value in allowed.get("enum") or () if isinstance(allowed, dict) else ():
                    key = json.dumps(value, sort_keys=True)
                    if key not in seen:
                        seen.add(key)
                        cases.append(CaseModel(
                            discriminator, value, tuple(then.get("required") or ()),
                            tuple(sorted(then.get("properties") or {}))))  # fmt: skip
            chain = chain.get("else")
        if cases:
            variants.append(cases)
    return variants


@record(frozen=True)
class PlanModel:
    id: str
    version: str
    title: str
    source: str  # the artifact the code came from, e.g. web-2.0.0.schema.json
    sha256: str  # of that artifact
    events: tuple[EventModel, ...]
    identify: Obj
    group: Obj
    schemas: dict[str, Any]  # event name -> schema; identify/group under "$identify"/"$group"
    collisions: tuple[Collision, ...]


def event_idents(names: Iterable[str], idents: Namer | None = None) -> list[tuple[str, str]]:
    """(event name, its PascalCase identifier, unique in the plan), in name order: what
    every language's Tracker method is named after."""
    idents = idents or Namer()
    found = []
    for name in sorted(names):
        base = pascal(name) or "Event"
        found.append((name, idents.give("Event" + base if base[:1].isdigit() else base, name)))
    return found


def build_model(document: dict[str, Any], bundle: dict[str, Any], source: str,
                sha256: str) -> PlanModel:  # fmt: skip
    """The model of a plan from its plan document and schema bundle (release artifacts)."""
    namer, idents = Namer(), Namer()  # type names; event identifiers
    defs = bundle.get("$defs", {})
    schemas = defs.get("events", {})
    events = []
    for name, ident in event_idents(schemas, idents):
        spec = document.get("events", {}).get(name, {})
        docs = _Docs(document, spec)
        schema = schemas[name]
        events.append(EventModel(
            name=name, ident=ident, doc=_lines(spec.get("description")),
            deprecated=_deprecation(spec.get("deprecated")),
            renamed_from=tuple(str(n) for n in spec.get("renamed_from") or ()),
            shape=_object(schema, ident + "Properties", docs, namer),
            closed=schema.get("additionalProperties") is False, schema=schema,
        ))  # fmt: skip
    traits = {}
    for section in ("identify", "group"):
        docs = _Docs(document, document.get(section, {}).get("traits", {}), traits=True)
        traits[section] = _object(defs.get(section, {}), section.capitalize() + "Traits",
                                  docs, namer)  # fmt: skip
    return PlanModel(
        id=str(document.get("plan", "")), version=str(document.get("version", "")),
        title=str(document.get("title") or document.get("plan", "")), source=source,
        sha256=sha256, events=tuple(events), identify=traits["identify"],
        group=traits["group"],
        schemas={name: _runtime_safe(schema) if '"pattern"' in json.dumps(schema) else schema
                 for name, schema in {**schemas, "$identify": _closed(defs.get("identify")),
                                      "$group": _closed(defs.get("group"))}.items()},
        collisions=tuple(idents.collisions() + namer.collisions()),
    )  # fmt: skip


def _closed(traits: Any) -> dict[str, Any]:
    """Traits as generated code checks them: a trait the plan does not define is a violation,
    as `trackplan check` reports it (unknown-trait)."""
    schema = dict(traits) if isinstance(traits, dict) else {"type": "object"}
    schema["additionalProperties"] = False
    return schema


def _runtime_safe(value: Any) -> Any:
    """The schemas generated code checks calls against, less the patterns a backtracking
    engine (JavaScript's RegExp, Python's re) could take exponential time on: a plan's
    pattern must not be able to stall the app that embeds the code. `trackplan check` runs
    every pattern in RE2 and still checks those."""
    if isinstance(value, list):
        return [_runtime_safe(v) for v in value]
    if not isinstance(value, dict):
        return value
    return {k: _runtime_safe(v) for k, v in value.items()
            if k != "pattern" or not isinstance(v, str) or backtracking_safe(v)}  # fmt: skip


class _Docs:
    """Property specs of the plan document (descriptions and deprecations live there)."""

    def __init__(self, document: dict[str, Any], spec: dict[str, Any],
                 traits: bool = False) -> None:  # fmt: skip
        if traits:
            self.props = dict(spec)
        else:
            self.props = dict(document.get("common", {}).get("properties", {}))
            self.props.update(spec.get("properties", {}))

    def of(self, name: str) -> dict[str, Any]:
        found = self.props.get(name)
        return found if isinstance(found, dict) else {}


def _object(schema: dict[str, Any], name: str, docs: _Docs | None, namer: Namer,
            open_: bool = False) -> Obj:  # fmt: skip
    name = namer.give(name, name)
    required = set(schema.get("required") or ())
    fields = []
    for key, sub in sorted((schema.get("properties") or {}).items()):
        spec = docs.of(key) if docs is not None else {}
        fields.append(Field(
            name=key, type=_type(sub, name + pascal(key), namer), required=key in required,
            doc=_field_doc(sub, _deprecation(spec.get("deprecated"))),
        ))  # fmt: skip
    return Obj(name, tuple(fields), open_)


def _type(schema: dict[str, Any], hint: str, namer: Namer) -> TypeRef:
    for keyword in ("anyOf", "oneOf"):  # the value is one of the definitions
        branches = [b for b in schema.get(keyword) or () if isinstance(b, dict)]
        if branches:
            alternatives = [_type(b, f"{hint}{i + 1}", namer) for i, b in enumerate(branches)]
            return alternatives[0] if len(alternatives) == 1 else Union(tuple(alternatives))
    if "const" in schema:
        return _literals([schema["const"]])
    if isinstance(schema.get("enum"), list):
        return _literals(schema["enum"])
    kinds = schema.get("type")
    if isinstance(kinds, str):
        kinds = [kinds]
    if not isinstance(kinds, list):
        kinds = ["object"] if "properties" in schema else ["array"] if "items" in schema else []
    members: list[TypeRef] = []
    for kind in kinds:
        if kind == "array":
            items = schema.get("items")
            item = _type(items, hint + "Item", namer) if isinstance(items, dict) else Unknown()
            members.append(ArrayOf(item))
        elif kind == "object":
            # An object that lists no property takes any: `properties: {}` is no closed shape.
            has = isinstance(schema.get("properties"), dict) and bool(schema["properties"])
            open_ = schema.get("additionalProperties") is not False
            members.append(_object(schema, hint, None, namer, open_) if has else AnyObj())
        elif kind in ("string", "integer", "number", "boolean", "null"):
            members.append(Prim(kind))
    if not members:
        return Unknown()
    return members[0] if len(members) == 1 else Union(tuple(members))


def nested_objects(ref: TypeRef) -> list[Obj]:
    """The object shapes a type holds directly (inside arrays and unions too): the named
    types a language must declare for it."""
    if isinstance(ref, Obj):
        return [ref]
    if isinstance(ref, ArrayOf):
        return nested_objects(ref.item)
    if isinstance(ref, Union):
        return [o for m in ref.members for o in nested_objects(m)]
    return []


def _literals(values: list[Any]) -> TypeRef:
    if all(v is None or isinstance(v, (str, int, float, bool)) for v in values):
        return Literals(tuple(values))
    return Unknown()  # objects and arrays as enum values: checked at run time only


def _deprecation(value: Any) -> Deprecation | None:
    if value is True:
        return Deprecation()
    if isinstance(value, dict):
        return Deprecation(str(value.get("reason") or ""), str(value.get("replaced_by") or ""),
                           str(value.get("sunset") or ""))  # fmt: skip
    return None


def _lines(text: Any) -> tuple[str, ...]:
    return tuple(str(text).strip().splitlines()) if isinstance(text, str) and text.strip() else ()


CONSTRAINTS = ("format", "pattern", "minimum", "maximum", "exclusiveMinimum",
               "exclusiveMaximum", "minLength", "maxLength")  # fmt: skip


def _field_doc(schema: dict[str, Any], deprecated: Deprecation | None) -> tuple[str, ...]:
    lines = list(_lines(schema.get("description")))
    said = [f"{key}: {json.dumps(schema[key], ensure_ascii=False)}"
            for key in CONSTRAINTS if key in schema]  # fmt: skip
    if said:
        lines.append("; ".join(said).replace('"', "'") + ".")
    if carries(schema.get("x-pii")):
        kind = pii_class(schema.get("x-pii")) or DIRECT
        lines.append(f"Personal data, {kind}: {MEANING[kind]}.")
    if deprecated is not None:
        lines.append("Deprecated: " + deprecated.text())
    return tuple(lines)
