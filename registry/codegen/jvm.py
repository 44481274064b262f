"""What the Java and Kotlin generators share: names, packages and the shapes' fields."""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Iterable
from types import SimpleNamespace
from typing import Any

from registry.codegen import model as m
from registry.codegen.formats import formats_for
from registry.codegen.names import Namer, pascal, short_hash, words
from registry.records import record

SWITCH_CHUNK = 200  # events per schema lookup function (a JVM method holds 64 KB of code)
FIXED = {"Sink", "Violation", "Tracker", "Shape", "Value", "EVENTS"}

# Words neither language lets a name be (Java's reserved words and literals, Kotlin's hard
# keywords), and names a record or data class already has as methods.
RESERVED = frozenset(
    "abstract as assert boolean break byte case catch char class const continue default do "
    "double else enum extends false final finally float for fun goto if implements import in "
    "instanceof int interface is long native new null object package permits private "
    "protected public record return sealed short static strictfp super switch synchronized "
    "this throw throws transient true try typealias typeof val var void volatile when while "
    "yield clone finalize getClass hashCode notify notifyAll toString wait equals copy "
    "toMap builder build extra out put json".split()  # the last three: the shapes' helpers
)


def package(plan: m.PlanModel) -> str:
    """`trackplan.<plan>`: the plan id's letters, digits and underscores, never a keyword."""
    name = "".join(c if c.isalnum() else "_" for c in plan.id.lower()).strip("_") or "plan"
    return "trackplan." + (name + "_plan" if name in RESERVED else name)


def class_name(plan: m.PlanModel, shapes: set[str] | None = None) -> str:
    """The class that holds a plan's code: `web-app` -> WebAppTracking; never the name of one
    of its shapes (`x-properties` with a shape XPropertiesTracking gets XPropertiesTrackingPlan).
    `shapes`: the plan's shape names, when the caller has them already."""
    name = (pascal(plan.id) or "Plan") + "Tracking"
    shapes = all_shape_names(plan) if shapes is None else shapes
    while name in shapes:
        name += "Plan"
    return name


def all_shape_names(plan: m.PlanModel) -> set[str]:
    """The names of every shape of a plan: events', traits' and the objects inside them."""
    shapes = shape_names(plan.identify) | shape_names(plan.group)
    for event in plan.events:
        shapes |= shape_names(event.shape)
    return shapes


def camel(name: str) -> str:
    """`product_id` -> productId; "" when the name has no letters or digits."""
    parts = words(name)
    text = "".join([parts[0].lower(), *(w.capitalize() for w in parts[1:])]) if parts else ""
    return "p" + text if text[:1].isdigit() else text


def constant(value: str) -> str:
    """An enum constant for a string value: `credit card` -> CREDIT_CARD."""
    text = "_".join(w.upper() for w in words(value))
    return "V_" + text if text[:1].isdigit() else text


@record(frozen=True)
class Member:
    """A field of a shape as a JVM class has it: its identifier and the plan's field."""

    ident: str
    field: m.Field


def members(shape: m.Obj) -> list[Member]:
    """The shape's fields with valid, unique identifiers, in the plan's (sorted) order."""
    namer = Namer(taken=set(RESERVED))
    out = []
    for f in shape.fields:
        wanted = camel(f.name) or "field" + short_hash(f.name)
        out.append(Member(namer.give(wanted + "_" if wanted in RESERVED else wanted, f.name), f))
    return out


def enum_constants(values: list[str]) -> list[tuple[str, str]]:
    """(constant, value) for each string of an enum: unique, valid identifiers."""
    namer = Namer()
    return [(namer.give(constant(v) or "VALUE_" + short_hash(v).upper(), v), v) for v in values]


def string_enum(ref: m.TypeRef) -> list[str] | None:
    """The values of an enum that holds only strings (a JVM enum), else None."""
    if isinstance(ref, m.Literals) and ref.values and all(isinstance(v, str) for v in ref.values):
        return [str(v) for v in dict.fromkeys(ref.values)]
    return None


class Types:
    """A language's types of plan types; string enums become enum types, named once each
    (never a name the plan's shapes or the generated code's fixed types have)."""

    def __init__(self, plan: m.PlanModel, fixed: set[str], prims: dict[str, str], any_: str,
                 map_: str, nullable_items: bool) -> None:  # fmt: skip
        shapes = all_shape_names(plan)
        self.cls = class_name(plan, shapes)  # the plan's class: walked once, used everywhere
        # Class files are named after their classes, and macOS and Windows file systems do
        # not tell SignedUpProperties from SignedupProperties: names differ in more than case.
        self.folded = {n.lower() for n in (*fixed, self.cls)}
        self.renamed: dict[str, str] = {}
        for name in sorted(shapes):
            self.renamed[name] = self._fresh(name, name)
        self.enums: list[dict[str, object]] = []
        self.prims, self.any, self.map, self.nullable_items = prims, any_, map_, nullable_items

    def _fresh(self, wanted: str, name: str) -> str:
        """`wanted`, or it with a suffix from a hash of `name`, unique whatever the case."""
        given, suffix = wanted, ""
        while given.lower() in self.folded:
            suffix = suffix + "x" if suffix else "_" + short_hash(name)
            given = wanted + suffix
        self.folded.add(given.lower())
        return given

    def shape(self, name: str) -> str:
        """The class name of a shape of the model."""
        return self.renamed.get(name, name)

    def of(self, ref: m.TypeRef, hint: str) -> str:
        """The type of `ref` (without `?`: nullability is the field's to say)."""
        values = string_enum(ref)
        if values is not None:
            name = self._fresh(hint, hint)
            self.enums.append({"name": name, "constants": enum_constants(values)})
            return name
        if isinstance(ref, m.Prim):
            return self.any if ref.kind == "null" else self.prims[ref.kind]
        if isinstance(ref, m.Literals):
            found = [v for v in ref.values if v is not None]
            if found and all(isinstance(v, int) and not isinstance(v, bool) for v in found):
                return self.prims["integer"]
            if found and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                             for v in found):  # fmt: skip
                return self.prims["number"]
            return self.any
        if isinstance(ref, m.ArrayOf):
            item = self.of(ref.item, hint + "Item")
            marked = "?" if self.nullable_items and nullable(ref.item) else ""
            return f"List<{item}{marked}>"
        if isinstance(ref, m.Obj):
            return self.shape(ref.name)
        if isinstance(ref, m.AnyObj):
            return self.map
        if isinstance(ref, m.Union):
            members = [t for t in ref.members if not (isinstance(t, m.Prim) and t.kind == "null")]
            return self.of(members[0], hint) if len(members) == 1 else self.any
        return self.any


def shape_names(shape: m.Obj) -> set[str]:
    """The names of a shape and of every object shape inside it."""
    names = {shape.name}
    for f in shape.fields:
        for nested in m.nested_objects(f.type):
            names |= shape_names(nested)
    return names


def nullable(ref: m.TypeRef) -> bool:
    """Whether a value of the type may be null."""
    if isinstance(ref, m.Prim):
        return ref.kind == "null"
    if isinstance(ref, m.Literals):
        return None in ref.values
    if isinstance(ref, m.Union):
        return any(nullable(t) for t in ref.members)
    return isinstance(ref, m.Unknown)


# A language's part: a field's template data from its member, its type, and the shape.
FieldData = Callable[[Member, str], dict[str, object]]


def call_names(events: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The `Tracker` method of each event (method -> event) from (event, ident) pairs, as
    Java, Kotlin and Swift name them: what `trackplan status` recognises as a call."""
    methods = Namer(taken={"identify", "group", "send", "report"})
    return {methods.give("track" + ident, name): name for name, ident in events}


def template_data(plan: m.PlanModel, types: Types, field_data: FieldData,
                  doc: Callable[[object], str], literal: Callable[[Any], str],
                  deprecated: Callable[[str], str]) -> dict[str, object]:  # fmt: skip
    """What the Java and Kotlin templates share: shapes (nested ones first), enums, events
    with their methods, the schemas in lookup chunks, formats and collisions."""
    shapes: dict[str, SimpleNamespace] = {}

    def walk(shape: m.Obj, open_: bool) -> None:
        for f in shape.fields:
            for nested in m.nested_objects(f.type):
                walk(nested, nested.open)
        # Namespaces, not dicts: the templates read fields by attribute, and Jinja finds an
        # attribute without first failing on it (a third of the render time otherwise).
        fields = [SimpleNamespace(**field_data(member, types.of(member.field.type, shape.name + (
            pascal(member.field.name) or "Value")))) for member in members(shape)]  # fmt: skip
        required = [f for f in fields if f.required]
        shapes[shape.name] = SimpleNamespace(
            name=types.shape(shape.name), fields=fields, open=open_, required=required
        )

    for event in plan.events:
        walk(event.shape, False)
    for traits in (plan.identify, plan.group):
        walk(traits, False)
    named = call_names((e.name, e.ident) for e in plan.events)
    methods = {event: method for method, event in named.items()}
    events = []
    for event in plan.events:
        lines = [doc(line) for line in event.doc]
        if event.renamed_from:
            lines.append(doc("Formerly " + ", ".join(repr(n) for n in event.renamed_from) + "."))
        events.append(SimpleNamespace(
            name=event.name, method=methods[event.name],
            type=types.shape(event.shape.name), closed=event.closed, doc=lines,
            deprecated=deprecated(event.deprecated.text()) if event.deprecated else "",
        ))  # fmt: skip
    schemas = [(name, f"s{i}", literal(schema))
               for i, (name, schema) in enumerate(sorted(plan.schemas.items()))]  # fmt: skip
    return {
        "plan": plan, "package": package(plan), "cls": types.cls, "doc": doc,
        "shapes": list(shapes.values()), "enums": types.enums, "events": events,
        "identify": types.shape(plan.identify.name), "group": types.shape(plan.group.name),
        "schemas": schemas,
        "chunks": [schemas[i:i + SWITCH_CHUNK] for i in range(0, len(schemas), SWITCH_CHUNK)]
        or [[]],
        "formats": formats_for("\\z"),
        "collisions": [doc(c.message()) for c in plan.collisions],
    }  # fmt: skip


@functools.lru_cache(maxsize=65536)  # a plan repeats its keys and type names thousands of times
def string_literal(value: str, kotlin: bool = False) -> str:
    """A Java or Kotlin string literal in ASCII: non-ASCII and control characters as \\uXXXX
    (UTF-16 units), never a \\u escape for a quote, backslash or line break (javac reads
    those before it reads the string); in Kotlin `$` escaped too (no template)."""
    if value.isascii() and value.isprintable() and not ('"' in value or "\\" in value
                                                        or (kotlin and "$" in value)):  # fmt: skip
        return f'"{value}"'  # the common case: nothing to escape
    out = ['"']
    named = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
    if kotlin:
        named["$"] = "\\$"
    for char in value:
        if char in named:
            out.append(named[char])
        elif 0x20 <= ord(char) < 0x7F:
            out.append(char)
        else:
            units = char.encode("utf-16-be", "surrogatepass").hex(" ", 2).split()
            out.extend(f"\\u{unit.upper()}" for unit in units)
    out.append('"')
    return "".join(out)


def literal(value: Any, string: Callable[[str], str]) -> str:
    """JSON data as a Java or Kotlin expression: maps by `m(k, v, ...)`, lists by `l(...)`,
    whole numbers as longs, others as doubles."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        if value == -(2**63):  # Kotlin reads the literal as minus a Long too large
            return "(-9223372036854775807L - 1L)"
        return f"{value}L" if -(2**63) < value < 2**63 else f"{float(value)!r}"
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else "null"
    if isinstance(value, str):
        return string(value)
    if isinstance(value, list):
        return "l(" + ", ".join(literal(v, string) for v in value) + ")"
    if isinstance(value, dict):
        return "m(" + ", ".join(f"{string(str(k))}, {literal(v, string)}"
                                for k, v in value.items()) + ")"  # fmt: skip
    return "null"
