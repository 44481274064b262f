"""Kotlin: a data class per event (nullable optional properties with defaults), enum classes
for string enums, a `Tracker` method each."""

from __future__ import annotations

import functools
import json
from types import SimpleNamespace
from typing import Any

from registry.codegen import jvm
from registry.codegen import model as m
from registry.codegen.names import Namer, pascal, short_hash
from registry.codegen.render import environment, one_line
from registry.escape import doc_text

LANGUAGE = "kotlin"


def file_name(plan: m.PlanModel) -> str:
    """`trackplan/<plan>/<Plan>Tracking.kt`, beside the Java layout."""
    return _path(plan, jvm.class_name(plan))


def _path(plan: m.PlanModel, cls: str) -> str:
    return f"{jvm.package(plan).replace('.', '/')}/{cls}.kt"


def generate(plan: m.PlanModel, trackplan: str) -> dict[str, str]:
    prims = {"string": "String", "integer": "Long", "number": "Double", "boolean": "Boolean"}
    # The file's top-level functions live in a class Kotlin names after the file (`<File>Kt`):
    # no enum or shape of the plan may take that name.
    facade = jvm.class_name(plan) + "Kt"
    types = jvm.Types(plan, {*jvm.FIXED, facade}, prims, "Any", "Map<String, Any?>", True)
    data = jvm.template_data(plan, types, _field, kotlin_doc, literal, kotlin_string)
    shapes = {shape.name: shape for shape in data["shapes"]}  # type: ignore[attr-defined]
    enums: dict[str, dict[str, str]] = {}
    for enum in types.enums:
        constants: list[tuple[str, str]] = enum["constants"]  # type: ignore[assignment]
        enums[str(enum["name"])] = {value: constant for constant, value in constants}
    for shape in shapes.values():
        shape.variants = []
    for event in plan.events:
        shape = shapes[types.shape(event.shape.name)]
        shape.variants = _variants(event, shape, enums)
    text = (
        environment()
        .get_template("kotlin.kt.j2")
        .render(trackplan=trackplan, kt=kotlin_string, **data)
    )
    return {_path(plan, types.cls): text}


def _variants(event: m.EventModel, shape: SimpleNamespace,
              enums: dict[str, dict[str, str]]) -> list[SimpleNamespace]:  # fmt: skip
    """An event's variants as sealed classes: a subclass per value a case matches, taking
    what the case requires (non-null) and narrows (nullable); `with(case)` sets them."""
    fields = {f.name: f for f in shape.fields}
    names = Namer(taken={"Companion"})
    found = []
    for cases in m.event_cases(event.schema):
        discriminator = fields.get(cases[0].discriminator)
        if discriminator is None:
            continue  # a common property the event does not carry: nothing to set
        kind = discriminator.type.rstrip("?")
        subclasses, out = Namer(), []
        for case in cases:
            value = _value(case.value, kind, enums.get(kind))
            if value is None:
                continue
            params = [SimpleNamespace(
                ident=fields[n].ident,
                type=fields[n].type.rstrip("?") + ("" if n in case.required else "?"),
                default="" if n in case.required else " = null")
                for n in case.named if n in fields and n != case.discriminator]  # fmt: skip
            label = pascal(str(case.value)) or "Value" + short_hash(str(case.value))
            out.append(SimpleNamespace(
                name=subclasses.give("V" + label if label[:1].isdigit() else label,
                                     str(case.value)),
                value=value, params=params, shown=kotlin_doc(json.dumps(case.value)),
                assigns=[f"{p.ident} = case.{p.ident}" + ("" if p.default == "" else
                                                          f" ?: {p.ident}") for p in params],
            ))  # fmt: skip
        if out:
            found.append(SimpleNamespace(
                cls=names.give((pascal(discriminator.name) or "Variant") + "Case",
                               discriminator.name),
                discriminator=discriminator.ident, shown=kotlin_doc(discriminator.name),
                cases=out))  # fmt: skip
    return found


def _value(value: Any, kind: str, constants: dict[str, str] | None) -> str | None:
    """The Kotlin expression of a discriminator value for a field of type `kind`."""
    if constants is not None:
        return f"{kind}.{constants[value]}" if value in constants else None
    if kind == "String":
        return kotlin_string(value) if isinstance(value, str) else None
    if kind == "Boolean":
        return ("true" if value else "false") if isinstance(value, bool) else None
    if kind in ("Long", "Double") and isinstance(value, (int, float)) and not isinstance(
            value, bool):  # fmt: skip
        return literal(int(value) if kind == "Long" else float(value))
    return literal(value) if kind == "Any" else None


def _field(member: jvm.Member, kind: str) -> dict[str, object]:
    f = member.field
    nullable = jvm.nullable(f.type)
    return {
        "ident": member.ident, "name": f.name, "required": f.required,
        "type": kind + ("?" if nullable or not f.required else ""),
        "default": "" if f.required else " = null", "doc": kotlin_doc(one_line(f.doc)),
        "keep_null": "true" if f.required and nullable else "false",
    }  # fmt: skip


def kotlin_string(value: str) -> str:
    """A Kotlin string literal (see jvm.string_literal)."""
    return jvm.string_literal(value, kotlin=True)


def kotlin_doc(value: object) -> str:
    """Text for a comment (see _kotlin_doc)."""
    return _kotlin_doc(str(value))


@functools.lru_cache(maxsize=65536)  # descriptions and bounds repeat
def _kotlin_doc(value: str) -> str:
    """Text for a KDoc or line comment: one line, no `*/`, no `/*` (Kotlin nests block
    comments: an opening one would swallow the code after the comment), no `@` that would
    start a KDoc tag."""
    return doc_text(value).replace("/*", "/ *")


def literal(value: Any) -> str:
    """JSON data as a Kotlin expression (see jvm.literal)."""
    return jvm.literal(value, kotlin_string)
