"""Swift: a Codable struct per event (optionals for optional properties), String enums, a
`Tracker` method each, inside one namespace per plan (`ShopTracking`)."""

from __future__ import annotations

import functools
import math
import unicodedata
from typing import Any

from registry.codegen import jvm
from registry.codegen import model as m
from registry.codegen.names import Namer, short_hash
from registry.codegen.render import environment, one_line
from registry.escape import code_comment

LANGUAGE = "swift"
KEYWORDS = frozenset(
    "associatedtype class deinit enum extension fileprivate func import init inout internal "
    "let open operator private precedencegroup protocol public rethrows static struct "
    "subscript typealias var break case catch continue default defer do else fallthrough for "
    "guard if in repeat return throw switch where while Any as await false is nil self Self "
    "super throws true try Type Protocol".split()
)
# Names a struct or the namespace already has.
TAKEN = frozenset(
    {
        "json",
        "init",
        "extra",
        "CodingKeys",
        "description",
        "hashValue",
        "out",
        "self",
        "Self",
        "Type",
    }
)
FIXED = {"Tracker", "Violation", "JSONValue", "Value", "EVENTS"}


def file_name(plan: m.PlanModel) -> str:
    """`<Plan>Tracking.swift`, e.g. for a target's Sources/<Target>/ folder."""
    return f"{jvm.class_name(plan)}.swift"


def generate(plan: m.PlanModel, trackplan: str) -> dict[str, str]:
    _equivalent_names(plan)
    prims = {"string": "String", "integer": "Int64", "number": "Double", "boolean": "Bool"}
    types = jvm.Types(plan, FIXED, prims, "JSONValue", "[String: JSONValue]", False)
    data = jvm.template_data(plan, types, _field, swift_doc, literal, swift_string)
    for shape in data["shapes"]:  # type: ignore[attr-defined]
        for field in shape.fields:
            field.type = _swift_type(str(field.type))
    for enum in types.enums:
        cases = Namer(taken=set(KEYWORDS) | {"rawValue", "allCases", "init"})
        enum["cases"] = [(cases.give(jvm.camel(v) or "value" + short_hash(v), v), v)
                         for _, v in enum["constants"]]  # type: ignore[attr-defined]  # fmt: skip
    text = (
        environment()
        .get_template("swift.swift.j2")
        .render(trackplan=trackplan, sw=swift_string, **data)
    )
    return {f"{types.cls}.swift": text}


def _equivalent_names(plan: m.PlanModel) -> None:
    """Refuse names Swift would merge: its strings compare by canonical equivalence, so
    'Café' written with é and with e + a combining accent are one dictionary key, one
    `case`, one enum raw value there (a crash or a wrong check at run time)."""
    from registry.codegen import CodegenError

    groups: list[tuple[str, list[str]]] = [("event", [e.name for e in plan.events])]
    shapes = [plan.identify, plan.group, *(e.shape for e in plan.events)]
    while shapes:
        shape = shapes.pop()
        groups.append((f"property of {shape.name}", [f.name for f in shape.fields]))
        shapes.extend(o for f in shape.fields for o in m.nested_objects(f.type))
        for f in shape.fields:
            values = jvm.string_enum(f.type)
            if values:
                groups.append((f"value of {f.name}", values))
    for what, names in groups:
        seen: dict[str, str] = {}
        for name in names:
            key = unicodedata.normalize("NFC", name)
            if key in seen and seen[key] != name:
                raise CodegenError(
                    f"plan '{plan.id}': {what} names {seen[key]!r} and {name!r} are one string "
                    "in Swift (canonically equivalent Unicode): rename one to generate Swift"
                )
            seen[key] = name


def _swift_type(kind: str) -> str:
    """Java-style generic names (from the shared type walk) as Swift spells them."""
    if kind.startswith("List<") and kind.endswith(">"):
        return f"[{_swift_type(kind[5:-1])}]"
    return kind


def _field(member: jvm.Member, kind: str) -> dict[str, object]:
    f = member.field
    ident = member.ident.rstrip("_")  # Swift escapes a keyword with backticks instead
    ident = f"`{ident}`" if ident in KEYWORDS else ident
    if ident.strip("`") in TAKEN:
        ident = ident.strip("`") + "_"
    nullable = jvm.nullable(f.type)
    optional = nullable or not f.required
    return {
        "ident": ident, "name": f.name, "required": f.required,
        "type": kind, "optional": optional, "keep_null": f.required and nullable,
        "doc": swift_doc(one_line(f.doc)),
    }  # fmt: skip


@functools.lru_cache(maxsize=65536)
def swift_string(value: str) -> str:
    """A Swift string literal: quotes, backslashes and controls escaped, \\u{...} for
    anything outside printable ASCII."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'  # the common case: nothing to escape
    out = ['"']
    named = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    for char in value:
        if char in named:
            out.append(named[char])
        elif 0x20 <= ord(char) < 0x7F:
            out.append(char)
        elif 0xD800 <= ord(char) <= 0xDFFF:  # a lone surrogate: no Swift string holds one
            out.append("\\u{FFFD}")
        else:
            out.append(f"\\u{{{ord(char):X}}}")
    out.append('"')
    return "".join(out)


def swift_doc(value: object) -> str:
    """Text for a comment (see _swift_doc)."""
    return _swift_doc(str(value))


@functools.lru_cache(maxsize=65536)  # descriptions and bounds repeat
def _swift_doc(value: str) -> str:
    """Text for a `///` comment: one line, no `*/` nor `/*` (Swift nests block comments)."""
    return code_comment(value).replace("/*", "/ *")


def literal(value: Any) -> str:
    """JSON data as a `JSONValue` expression."""
    if value is None:
        return ".null"
    if isinstance(value, bool):
        return f".bool({'true' if value else 'false'})"
    if isinstance(value, (int, float)):
        number = float(value)
        return f".number({number!r})" if math.isfinite(number) else ".null"
    if isinstance(value, str):
        return f".string({swift_string(value)})"
    if isinstance(value, list):
        return ".array([" + ", ".join(literal(v) for v in value) + "])"
    if isinstance(value, dict):
        if not value:
            return ".object([:])"
        return ".object([" + ", ".join(f"{swift_string(str(k))}: {literal(v)}"
                                       for k, v in value.items()) + "])"  # fmt: skip
    return ".null"
