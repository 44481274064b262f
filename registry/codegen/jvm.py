"""What the Java and Kotlin generators share: names, packages and the shapes' fields."""

from __future__ import annotations

from dataclasses import dataclass

from registry.codegen import model as m
from registry.codegen.names import Namer, pascal, short_hash, words

# Words neither language lets a name be (Java's reserved words and literals, Kotlin's hard
# keywords), and names a record or data class already has as methods.
RESERVED = frozenset(
    "abstract as assert boolean break byte case catch char class const continue default do "
    "double else enum extends false final finally float for fun goto if implements import in "
    "instanceof int interface is long native new null object package permits private "
    "protected public record return sealed short static strictfp super switch synchronized "
    "this throw throws transient true try typealias typeof val var void volatile when while "
    "yield clone finalize getClass hashCode notify notifyAll toString wait equals copy "
    "toMap builder build extra".split()
)


def package(plan: m.PlanModel) -> str:
    """`trackplan.<plan>`: the plan id's letters, digits and underscores, never a keyword."""
    name = "".join(c if c.isalnum() else "_" for c in plan.id.lower()).strip("_") or "plan"
    return "trackplan." + (name + "_plan" if name in RESERVED else name)


def class_name(plan: m.PlanModel) -> str:
    """The class that holds a plan's code: `web-app` -> WebAppTracking."""
    return (pascal(plan.id) or "Plan") + "Tracking"


def camel(name: str) -> str:
    """`product_id` -> productId; "" when the name has no letters or digits."""
    parts = words(name)
    text = "".join([parts[0].lower(), *(w.capitalize() for w in parts[1:])]) if parts else ""
    return "p" + text if text[:1].isdigit() else text


def constant(value: str) -> str:
    """An enum constant for a string value: `credit card` -> CREDIT_CARD."""
    text = "_".join(w.upper() for w in words(value))
    return "V_" + text if text[:1].isdigit() else text


@dataclass(frozen=True)
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
