"""Go: a struct with JSON tags per event, a validating constructor, a `Tracker` method each."""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Iterable
from typing import Any

from registry.codegen import model as m
from registry.codegen.formats import formats_for
from registry.codegen.names import Namer, short_hash, words
from registry.codegen.render import environment, one_line
from registry.escape import code_comment

LANGUAGE = "go"
KEYWORDS = frozenset(
    "break case chan const continue default defer else fallthrough for func go goto if "
    "import interface map package range return select struct switch type var any bool byte "
    "error string int float64 true false nil".split()
)
# Words Go writes in capitals (Effective Go's initialisms): `product_id` -> ProductID.
# The package's own names: exported ones no constructor may take, unexported helpers no
# constructor parameter may shadow.
EXPORTED = frozenset("PlanID PlanVersion PlanSHA256 Sink Violation Options Tracker NewTracker "
                     "Events Validate".split())  # fmt: skip
HELPERS = frozenset(
    "firstError toMap decode normalised normalisedMap merged formats patterns matches number "
    "kindOf isType same show check schemas schemaOf json bytes fmt log math regexp strings "
    "sync utf8".split()
)
# What encoding/json takes as a name in a struct tag (anything else makes it ignore the tag).
TAG_NAME = re.compile(r"[A-Za-z0-9!#$%&()*+\-./:;<=>?@\[\]^_{|}~ ]+")
INITIALISMS = frozenset("api html http https id ip json sku sql uri url utm uuid xml".split())


def file_name(plan: m.PlanModel) -> str:
    """`<package>/<package>.go`: a Go package is a folder, one per plan."""
    return f"{package(plan)}/{package(plan)}.go"


def package(plan: m.PlanModel) -> str:
    """The package name: the plan id's letters and digits, never a keyword (`web-app` ->
    webapp, `type` -> typeplan)."""
    name = re.sub(r"[^a-z0-9]", "", plan.id.lower()) or "plan"
    unusable = name in KEYWORDS or name in ("main", "init") or name[0].isdigit()
    return name + "plan" if unusable else name  # `main` is a program, `init` no import name


def exported(name: str) -> str:
    """An exported Go identifier from a plan name (`product_id` -> ProductID); "" when the
    name has no letters or digits (the caller makes one up)."""
    ident = "".join(w.upper() if w.lower() in INITIALISMS else w.capitalize()
                    for w in words(name))  # fmt: skip
    return "X" + ident if ident[:1].isdigit() else ident


def generate(plan: m.PlanModel, trackplan: str) -> dict[str, str]:
    """The plan's package, `<package>/<package>.go`."""
    structs: dict[str, dict[str, object]] = {}
    for event in plan.events:
        _structs(event.shape, structs, open_=False)
    for traits in (plan.identify, plan.group):
        _structs(traits, structs, open_=False)
    schemas = sorted(plan.schemas.items())
    constructors = Namer(taken=set(structs) | EXPORTED)  # never a type's or a fixed name
    text = environment().get_template("go.go.j2").render(
        plan=plan, trackplan=trackplan, package=package(plan), go=go_string,
        structs=list(structs.values()),
        events=[_event(e, constructors) for e in plan.events],
        identify=plan.identify.name, group=plan.group.name,
        schemas=[(name, f"schema{i}", literal(schema)) for i, (name, schema) in
                 enumerate(schemas)],
        formats=map_lines([(go_string(k), go_string(v)) for k, v in
                           formats_for("\\z").items()]),
        event_map=map_lines([(go_string(e.name), go_string("Track" + e.ident))
                             for e in plan.events]),
        collisions=[code_comment(c.message()) for c in plan.collisions],
    )  # fmt: skip
    return {file_name(plan): text}


def _structs(shape: m.Obj, out: dict[str, dict[str, object]], open_: bool) -> None:
    """Every struct a shape needs, nested ones first."""
    for f in shape.fields:
        for nested in m.nested_objects(f.type):
            _structs(nested, out, open_=nested.open)
    idents = field_idents(shape, open_)
    fields = [_field(f, idents[f.name]) for f in shape.fields]
    _align_fields(fields)
    out[shape.name] = {"name": shape.name, "open": open_, "fields": fields}


def _align_fields(fields: list[dict[str, object]]) -> None:
    """Each field's line as gofmt lays it out: names, types and tags in columns, a comment
    line starting a new block of columns."""
    block: list[dict[str, object]] = []
    for f in [*fields, None]:
        if f is None or f["doc"]:
            rows = [[str(b["ident"]), str(b["type"]), f'`json:"{b["tag"]}"`'] for b in block]
            for b, line in zip(block, aligned(rows), strict=True):
                b["line"] = line
            block = []
        if f is not None:
            block.append(f)


def map_lines(pairs: list[tuple[str, str]]) -> list[str]:
    """`key: value,` lines of a composite literal as gofmt aligns them: in sections, a new
    one where a long key (over 40 characters) strays from the geometric mean of the keys
    before it by a factor of 2.5 (go/printer's exprList)."""
    sections: list[list[list[str]]] = []
    lnsum, count, previous = 0.0, 0, 0  # count: keys of the section before this one
    for key, value in pairs:
        size = len(key)
        new_section = not sections
        if count > 0 and not (previous <= 40 and size <= 40):
            ratio = size / math.exp(lnsum / count)
            new_section = ratio <= 1 / 2.5 or ratio >= 2.5
        if new_section:  # a formfeed: the average starts again with this key
            sections.append([])
            lnsum, count = 0.0, 0
        sections[-1].append([key + ":", value + ","])
        lnsum += math.log(size)
        count += 1
        previous = size
    return [line for rows in sections for line in aligned(rows)]


def aligned(rows: list[list[str]]) -> list[str]:
    """Rows of cells in columns as gofmt's tabwriter pads them (one space after the widest
    cell of each column; the last cell unpadded)."""
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)] if rows else []
    return [" ".join(c.ljust(widths[i]) if i < len(widths) else c for i, c in enumerate(r))
            for r in rows]  # fmt: skip


def field_idents(shape: m.Obj, open_: bool) -> dict[str, str]:
    """Each field's Go name, unique in its struct (an open struct keeps Extra and its
    MarshalJSON method for itself)."""
    namer = Namer(taken={"Extra", "MarshalJSON"} if open_ else set())
    return {f.name: namer.give(exported(f.name) or "Field" + short_hash(f.name), f.name)
            for f in shape.fields}  # fmt: skip


def _field(f: m.Field, ident: str) -> dict[str, object]:
    kind, nullable = type_of(f.type)
    pointer = not f.required or nullable
    if pointer and not (kind.startswith(("[]", "map[")) or kind == "any"):
        kind = "*" + kind  # nil: not sent (optional) or sent as null (nullable)
    # The tag is for decoding and reading: MarshalJSON writes every key as the plan spells
    # it, as no tag can spell some (a comma, a quote, "-", emoji...).
    safe = TAG_NAME.fullmatch(f.name) is not None and f.name != "-"
    tag = f.name + ("" if f.required else ",omitempty") if safe else "-"
    return {"ident": ident, "name": f.name, "type": kind, "tag": tag,
            "doc": code_comment(one_line(f.doc)), "sent_always": f.required}  # fmt: skip


def call_names(events: Iterable[tuple[str, str]]) -> dict[str, str]:
    """The `Tracker` method of each event (method -> event) from (event, ident) pairs: what
    `trackplan status` recognises as a call of the event."""
    return {"Track" + ident: name for name, ident in events}


def _event(event: m.EventModel, constructors: Namer) -> dict[str, object]:
    idents = field_idents(event.shape, open_=False)
    params = Namer(taken=set(KEYWORDS) | HELPERS | {"p", "properties", "extra"})
    required = []
    for f in event.shape.fields:
        if f.required:
            kind, nullable = type_of(f.type)
            if nullable and not (kind.startswith(("[]", "map[")) or kind == "any"):
                kind = "*" + kind
            required.append({"param": params.give(_lower_first(idents[f.name]), f.name),
                             "type": kind, "field": idents[f.name]})  # fmt: skip
    # One paragraph: a blank line then "Deprecated: ..." in a description would make Go's
    # tools take the method as deprecated.
    doc = [code_comment(line) for line in event.doc if line.strip()]
    if event.renamed_from:
        doc.append(code_comment("Formerly " + ", ".join(repr(n) for n in event.renamed_from)
                                + "."))  # fmt: skip
    return {
        "name": event.name, "method": "Track" + event.ident, "type": event.shape.name,
        "constructor": constructors.give("New" + event.shape.name, event.name),
        "closed": event.closed, "doc": doc,
        "deprecated": code_comment(event.deprecated.text()) if event.deprecated else "",
        "required": required,
    }  # fmt: skip


def _lower_first(ident: str) -> str:
    head = re.match(r"[A-Z]+(?=[A-Z][a-z]|$)|[A-Z]", ident)
    if head is None:
        return ident
    return head.group(0).lower() + ident[head.end() :]


def type_of(ref: m.TypeRef) -> tuple[str, bool]:
    """The Go type of a plan type, and whether it may be null."""
    if isinstance(ref, m.Prim):
        if ref.kind == "null":
            return "any", True
        return {"string": "string", "integer": "int64", "number": "float64",
                "boolean": "bool"}[ref.kind], False  # fmt: skip
    if isinstance(ref, m.Literals):
        values = [v for v in ref.values if v is not None]
        nullable = len(values) < len(ref.values)
        if values and all(isinstance(v, str) for v in values):
            return "string", nullable
        if values and all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return "int64", nullable
        if values and all(isinstance(v, (int, float)) and not isinstance(v, bool)
                          for v in values):  # fmt: skip
            return "float64", nullable
        return "any", True
    if isinstance(ref, m.ArrayOf):
        item, nullable = type_of(ref.item)
        if nullable and not (item.startswith(("[]", "map[")) or item == "any"):
            item = "*" + item
        return f"[]{item}", False
    if isinstance(ref, m.Obj):
        return ref.name, False
    if isinstance(ref, m.AnyObj):
        return "map[string]any", False
    if isinstance(ref, m.Union):
        members = [t for t in ref.members if not (isinstance(t, m.Prim) and t.kind == "null")]
        if len(members) == 1 and len(members) < len(ref.members):  # T or null: *T
            kind, _ = type_of(members[0])
            return kind, True
        return "any", True
    assert isinstance(ref, m.Unknown)
    return "any", True


@functools.lru_cache(maxsize=65536)
def go_string(value: str) -> str:
    """A Go interpreted string literal: escapes Go reads (\\u or \\U, never a surrogate)."""
    if value.isascii() and value.isprintable() and '"' not in value and "\\" not in value:
        return f'"{value}"'  # the common case: nothing to escape
    out = ['"']
    for char in value:
        code = ord(char)
        if char in ('"', "\\"):
            out.append("\\" + char)
        elif 0x20 <= code < 0x7F:
            out.append(char)
        elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate: no Go string can hold one
            out.append("\\uFFFD")
        elif code <= 0xFFFF:
            out.append(f"\\u{code:04X}")
        else:
            out.append(f"\\U{code:08X}")
    out.append('"')
    return "".join(out)


def literal(value: Any) -> str:
    """JSON data as a Go expression of type `any`: whole numbers as json.Number (exact, as
    the checked payload has them), others as float64."""
    if value is None:
        return "nil"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        number = float(value)
        if not math.isfinite(number):
            return "nil"
        if isinstance(value, int):  # exact, as encoding/json's Number keeps it
            return f'json.Number("{value}")'
        return f"float64({value!r})"
    if isinstance(value, str):
        return go_string(value)
    if isinstance(value, list):
        return "[]any{" + ", ".join(literal(v) for v in value) + "}"
    if isinstance(value, dict):
        return ("map[string]any{" + ", ".join(f"{go_string(str(k))}: {literal(v)}"
                                              for k, v in value.items()) + "}")  # fmt: skip
    return "nil"
