"""Java 17: a record with a builder per event, enums for string enums, a `Tracker` method each."""

from __future__ import annotations

import math
from typing import Any

from registry.codegen import jvm
from registry.codegen import model as m
from registry.codegen.formats import formats_for
from registry.codegen.names import Namer, pascal
from registry.codegen.render import environment, one_line
from registry.escape import code_comment

LANGUAGE = "java"
SWITCH_CHUNK = 200  # events per schema lookup method (a Java method holds 64 KB of code)
FIXED = {"Sink", "Violation", "Tracker", "Shape", "Value", "EVENTS"}
PRIMITIVE = {"Long": "long", "Double": "double", "Boolean": "boolean"}


def file_name(plan: m.PlanModel) -> str:
    """`trackplan/<plan>/<Plan>Tracking.java`: the package's folder, as Gradle expects it."""
    return f"{jvm.package(plan).replace('.', '/')}/{jvm.class_name(plan)}.java"


def generate(plan: m.PlanModel, trackplan: str) -> dict[str, str]:
    types = _Types(plan)
    shapes: dict[str, dict[str, object]] = {}
    for event in plan.events:
        _shapes(event.shape, shapes, types, open_=False)
    for traits in (plan.identify, plan.group):
        _shapes(traits, shapes, types, open_=False)
    methods = Namer(taken={"identify", "group", "send", "report"})
    schemas = [(name, f"s{i}", literal(schema))
               for i, (name, schema) in enumerate(sorted(plan.schemas.items()))]  # fmt: skip
    text = environment().get_template("java.java.j2").render(
        plan=plan, trackplan=trackplan, package=jvm.package(plan), cls=jvm.class_name(plan),
        java=java_string, doc=java_doc, shapes=list(shapes.values()), enums=types.enums,
        events=[_event(e, methods) for e in plan.events],
        identify=plan.identify.name, group=plan.group.name,
        schemas=schemas, chunks=[schemas[i:i + SWITCH_CHUNK]
                                 for i in range(0, len(schemas), SWITCH_CHUNK)] or [[]],
        formats=formats_for("\\z"),
        collisions=[java_doc(c.message()) for c in plan.collisions],
    )  # fmt: skip
    return {file_name(plan): text}


class _Types:
    """Java types of plan types; string enums become enum types, named once each."""

    def __init__(self, plan: m.PlanModel) -> None:
        taken = set(FIXED) | {jvm.class_name(plan)}
        for event in plan.events:
            taken |= _shape_names(event.shape)
        taken |= _shape_names(plan.identify) | _shape_names(plan.group)
        self.names = Namer(taken=taken)
        self.enums: list[dict[str, object]] = []

    def of(self, ref: m.TypeRef, hint: str) -> str:
        values = jvm.string_enum(ref)
        if values is not None:
            name = self.names.give(hint, hint)
            self.enums.append({"name": name, "constants": jvm.enum_constants(values)})
            return name
        if isinstance(ref, m.Prim):
            return {"string": "String", "integer": "Long", "number": "Double",
                    "boolean": "Boolean", "null": "Object"}[ref.kind]  # fmt: skip
        if isinstance(ref, m.Literals):
            values_ = [v for v in ref.values if v is not None]
            if values_ and all(isinstance(v, int) and not isinstance(v, bool) for v in values_):
                return "Long"
            if values_ and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                               for v in values_):  # fmt: skip
                return "Double"
            return "Object"
        if isinstance(ref, m.ArrayOf):
            return f"List<{self.of(ref.item, hint + 'Item')}>"
        if isinstance(ref, m.Obj):
            return ref.name
        if isinstance(ref, m.AnyObj):
            return "Map<String, Object>"
        if isinstance(ref, m.Union):
            members = [t for t in ref.members if not (isinstance(t, m.Prim) and t.kind == "null")]
            if len(members) == 1:  # T or null: T (a Java reference may be null)
                return self.of(members[0], hint)
            return "Object"
        return "Object"


def _shape_names(shape: m.Obj) -> set[str]:
    names = {shape.name}
    for f in shape.fields:
        for nested in m.nested_objects(f.type):
            names |= _shape_names(nested)
    return names


def _nullable(ref: m.TypeRef) -> bool:
    if isinstance(ref, m.Prim):
        return ref.kind == "null"
    if isinstance(ref, m.Literals):
        return None in ref.values
    if isinstance(ref, m.Union):
        return any(_nullable(t) for t in ref.members)
    return isinstance(ref, m.Unknown)


def _shapes(shape: m.Obj, out: dict[str, dict[str, object]], types: _Types,
            open_: bool) -> None:  # fmt: skip
    for f in shape.fields:
        for nested in m.nested_objects(f.type):
            _shapes(nested, out, types, open_=nested.open)
    fields = []
    for member in jvm.members(shape):
        f = member.field
        fields.append({
            "ident": member.ident, "name": f.name, "required": f.required,
            "nullable": _nullable(f.type), "doc": java_doc(one_line(f.doc)),
            "type": types.of(f.type, shape.name + (pascal(f.name) or "Value")),
        })  # fmt: skip
        # Builders take primitives where null means nothing: `.age(30)`, not `.age(30L)`.
        fields[-1]["param"] = fields[-1]["type"] if fields[-1]["nullable"] else PRIMITIVE.get(
            str(fields[-1]["type"]), fields[-1]["type"])  # fmt: skip
    out[shape.name] = {"name": shape.name, "fields": fields, "open": open_,
                       "required": [f for f in fields if f["required"]]}  # fmt: skip


def _event(event: m.EventModel, methods: Namer) -> dict[str, object]:
    doc = [java_doc(line) for line in event.doc]
    if event.renamed_from:
        doc.append(java_doc("Formerly " + ", ".join(repr(n) for n in event.renamed_from) + "."))
    name = methods.give("track" + event.ident, event.name)
    return {
        "name": event.name, "method": name, "type": event.shape.name, "closed": event.closed,
        "doc": doc,
        "deprecated": java_doc(event.deprecated.text()) if event.deprecated else "",
    }  # fmt: skip


def java_string(value: str) -> str:
    """A Java string literal in ASCII: non-ASCII as \\uXXXX (UTF-16), never a \\u escape for
    a quote, backslash or line break (javac reads those before it reads the string)."""
    out = ['"']
    for char in value:
        code = ord(char)
        if char == '"':
            out.append('\\"')
        elif char == "\\":
            out.append("\\\\")
        elif char == "\n":
            out.append("\\n")
        elif char == "\r":
            out.append("\\r")
        elif char == "\t":
            out.append("\\t")
        elif code < 0x20 or code == 0x7F:
            out.append(f"\\{code:03o}")
        elif code < 0x80:
            out.append(char)
        else:
            for unit in char.encode("utf-16-be", "surrogatepass").hex(" ", 2).split():
                out.append(f"\\u{unit.upper()}")
    out.append('"')
    return "".join(out)


def java_doc(value: object) -> str:
    """Text for a Java comment: one line, ASCII (\\uXXXX, which javac reads as the character),
    backslashes doubled so no `\\u000a` in a plan can end the comment, no `*/`."""
    text = code_comment(value).replace("\\", "\\\\")
    return "".join(c if ord(c) < 0x80 else "".join(
        f"\\u{u.upper()}" for u in c.encode("utf-16-be", "surrogatepass").hex(" ", 2).split())
        for c in text)  # fmt: skip


def literal(value: Any) -> str:
    """JSON data as a Java expression: maps by `m(k, v, ...)`, lists by `l(...)`, whole
    numbers as longs, others as doubles."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return f"{value}L" if -(2**63) <= value < 2**63 else f"{float(value)!r}"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return java_string(value)
    if isinstance(value, list):
        return "l(" + ", ".join(literal(v) for v in value) + ")"
    if isinstance(value, dict):
        return "m(" + ", ".join(f"{java_string(str(k))}, {literal(v)}"
                                for k, v in value.items()) + ")"  # fmt: skip
    return "null"
