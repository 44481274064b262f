"""TypeScript: an interface per event and a `Tracker` with a typed method per event."""

from __future__ import annotations

import re
from collections.abc import Iterable

from registry.codegen.formats import formats_for
from registry.codegen.model import (
    AnyObj,
    ArrayOf,
    EventModel,
    Field,
    Literals,
    Obj,
    PlanModel,
    Prim,
    TypeRef,
    Union,
    Unknown,
)
from registry.codegen.render import compact_json, environment, one_line
from registry.escape import code_comment, doc_text, js_string

LANGUAGE = "typescript"
_IDENTIFIER = re.compile(r"[A-Za-z_$][A-Za-z0-9_$]*")


def file_name(plan: PlanModel) -> str:
    return f"{plan.id}.ts"


def generate(plan: PlanModel, trackplan: str) -> dict[str, str]:
    """The plan's module, `<plan>.ts`."""
    template = environment().get_template("typescript.ts.j2")
    text = template.render(
        plan=plan,
        trackplan=trackplan,
        events=[_event(e) for e in plan.events],
        identify=_traits(plan.identify),
        group=_traits(plan.group),
        schemas=compact_json(plan.schemas),
        formats=formats_for("$"),
        collisions=[code_comment(c.message()) for c in plan.collisions],
    )
    return {file_name(plan): text}


def call_names(events: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The `Tracker` method of each event (method -> event) from (event, ident) pairs: what
    `trackplan status` recognises as a call of the event."""
    return {"track" + ident: name for name, ident in events}


def _event(event: EventModel) -> dict[str, object]:
    notes = []
    if event.renamed_from:
        notes.append("Formerly " + ", ".join(f"'{n}'" for n in event.renamed_from) + ".")
    if event.deprecated is not None:
        notes.append("@deprecated " + doc_text(event.deprecated.text()))
    return {
        "name": event.name, "function": "track" + event.ident, "type": event.shape.name,
        "closed": event.closed, "doc": [doc_text(line) for line in event.doc],
        "notes": [code_comment(n) for n in notes], "fields": _fields(event.shape.fields),
    }  # fmt: skip


def _traits(shape: Obj) -> dict[str, object]:
    return {"type": shape.name, "fields": _fields(shape.fields)}


def _fields(fields: tuple[Field, ...]) -> list[dict[str, object]]:
    return [
        {"key": _key(f.name), "required": f.required, "type": type_of(f.type),
         "doc": doc_text(one_line(f.doc))}
        for f in fields
    ]  # fmt: skip


def _key(name: str) -> str:
    return name if _IDENTIFIER.fullmatch(name) else js_string(name)


def type_of(ref: TypeRef) -> str:
    """The TypeScript type of a plan type; nested objects inline."""
    if isinstance(ref, Prim):
        return {"integer": "number"}.get(ref.kind, ref.kind)
    if isinstance(ref, Literals):
        return " | ".join(dict.fromkeys(js_string(v) for v in ref.values))
    if isinstance(ref, ArrayOf):
        return f"Array<{type_of(ref.item)}>"
    if isinstance(ref, Obj):
        parts = [f"{_key(f.name)}{'' if f.required else '?'}: {type_of(f.type)}"
                 for f in ref.fields]  # fmt: skip
        if ref.open:  # the plan leaves a nested object open: other keys are accepted
            parts.append("[key: string]: unknown")
        return "{ " + "; ".join(parts) + " }" if parts else "Record<string, unknown>"
    if isinstance(ref, AnyObj):
        return "Record<string, unknown>"
    if isinstance(ref, Union):
        return " | ".join(dict.fromkeys(type_of(m) for m in ref.members))
    assert isinstance(ref, Unknown)
    return "unknown"
