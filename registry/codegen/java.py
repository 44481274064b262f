"""Java 17: a record with a builder per event, enums for string enums, a `Tracker` method each."""

from __future__ import annotations

import functools
from typing import Any

from registry.codegen import jvm
from registry.codegen import model as m
from registry.codegen.render import environment, one_line
from registry.escape import doc_text

LANGUAGE = "java"
PRIMITIVE = {"Long": "long", "Double": "double", "Boolean": "boolean"}


def file_name(plan: m.PlanModel) -> str:
    """`trackplan/<plan>/<Plan>Tracking.java`: the package's folder, as Gradle expects it."""
    return _path(plan, jvm.class_name(plan))


def _path(plan: m.PlanModel, cls: str) -> str:
    return f"{jvm.package(plan).replace('.', '/')}/{cls}.java"


def generate(plan: m.PlanModel, trackplan: str) -> dict[str, str]:
    prims = {"string": "String", "integer": "Long", "number": "Double", "boolean": "Boolean"}
    types = jvm.Types(plan, jvm.FIXED, prims, "Object", "Map<String, Object>", False)
    data = jvm.template_data(plan, types, _field, java_doc, literal, java_doc)
    text = (
        environment()
        .get_template("java.java.j2")
        .render(trackplan=trackplan, java=java_string, **data)
    )
    return {_path(plan, types.cls): text}


def _field(member: jvm.Member, kind: str) -> dict[str, object]:
    f = member.field
    nullable = jvm.nullable(f.type)
    return {
        "ident": member.ident, "name": f.name, "required": f.required, "nullable": nullable,
        "doc": java_doc(one_line(f.doc)), "type": kind,
        # Builders take primitives where null means nothing: `.age(30)`, not `.age(30L)`.
        "param": kind if nullable else PRIMITIVE.get(kind, kind),
    }  # fmt: skip


def java_string(value: str) -> str:
    """A Java string literal (see jvm.string_literal)."""
    return jvm.string_literal(value)


def java_doc(value: object) -> str:
    """Text for a comment (see _java_doc)."""
    return _java_doc(str(value))


@functools.lru_cache(maxsize=65536)  # descriptions and bounds repeat
def _java_doc(value: str) -> str:
    """Text for a Java comment: one line, ASCII (\\uXXXX, which javac reads as the character),
    backslashes doubled so no `\\u000a` in a plan can end the comment, no `*/`, no `@` that
    would start a Javadoc tag (a line `@deprecated` made javac deprecate the method)."""
    text = doc_text(value).replace("\\", "\\\\")
    return "".join(c if ord(c) < 0x80 else "".join(
        f"\\u{u.upper()}" for u in c.encode("utf-16-be", "surrogatepass").hex(" ", 2).split())
        for c in text)  # fmt: skip


def literal(value: Any) -> str:
    """JSON data as a Java expression (see jvm.literal)."""
    return jvm.literal(value, java_string)
