"""Kotlin: a data class per event (nullable optional properties with defaults), enum classes
for string enums, a `Tracker` method each."""

from __future__ import annotations

import functools
from typing import Any

from registry.codegen import jvm
from registry.codegen import model as m
from registry.codegen.render import environment, one_line
from registry.escape import code_comment

LANGUAGE = "kotlin"


def file_name(plan: m.PlanModel) -> str:
    """`trackplan/<plan>/<Plan>Tracking.kt`, beside the Java layout."""
    return f"{jvm.package(plan).replace('.', '/')}/{jvm.class_name(plan)}.kt"


def generate(plan: m.PlanModel, trackplan: str) -> dict[str, str]:
    prims = {"string": "String", "integer": "Long", "number": "Double", "boolean": "Boolean"}
    types = jvm.Types(plan, jvm.FIXED, prims, "Any", "Map<String, Any?>", True)
    data = jvm.template_data(plan, types, _field, kotlin_doc, literal, kotlin_string)
    text = (
        environment()
        .get_template("kotlin.kt.j2")
        .render(trackplan=trackplan, kt=kotlin_string, **data)
    )
    return {file_name(plan): text}


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
    """Text for a KDoc or line comment: one line, no `*/`, and no `/*` (Kotlin nests block
    comments: an opening one would swallow the code after the comment)."""
    return code_comment(value).replace("/*", "/ *")


def literal(value: Any) -> str:
    """JSON data as a Kotlin expression (see jvm.literal)."""
    return jvm.literal(value, kotlin_string)
