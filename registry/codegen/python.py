"""Python: a TypedDict per event and a `Tracker` with a typed method per event."""

from __future__ import annotations

import keyword
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
    nested_objects,
)
from registry.codegen.names import Namer, snake_ident
from registry.codegen.render import compact_json, environment, one_line
from registry.escape import code_comment, py_docstring

LANGUAGE = "python"


def file_name(plan: PlanModel) -> str:
    module = plan.id.replace("-", "_")
    return f"{module}_plan.py" if keyword.iskeyword(module) else f"{module}.py"


def generate(plan: PlanModel, trackplan: str) -> dict[str, str]:
    """The plan's module, `<plan>.py` (dashes as underscores)."""
    environment().filters["py"] = py
    shapes: dict[str, dict[str, object]] = {}
    for event in plan.events:
        _shapes(event.shape, shapes)
    for traits in (plan.identify, plan.group):
        _shapes(traits, shapes)
    methods = Namer(taken={"identify", "group"})
    named = call_names(((e.name, e.ident) for e in plan.events), methods)
    functions = {event: name for name, event in named.items()}
    text = (
        environment()
        .get_template("python.py.j2")
        .render(
            plan=plan,
            trackplan=trackplan,
            shapes=list(shapes.values()),
            events=[_event(e, functions[e.name]) for e in plan.events],
            identify=plan.identify.name,
            group=plan.group.name,
            schemas=py(compact_json(plan.schemas)),
            formats=formats_for("\\Z"),
            collisions=[
                code_comment(c.message()) for c in (*plan.collisions, *methods.collisions())
            ],
        )
    )
    return {file_name(plan): text}


def py(value: object) -> str:
    """A Python literal (repr of JSON data is valid, deterministic Python)."""
    return repr(value)


def _shapes(shape: Obj, out: dict[str, dict[str, object]]) -> None:
    """Every named TypedDict a shape needs, nested ones first (they are used by name)."""
    for f in shape.fields:
        for nested in nested_objects(f.type):
            _shapes(nested, out)
    out[shape.name] = {"name": shape.name, "fields": [_field(f) for f in shape.fields]}


def _field(f: Field) -> dict[str, object]:
    kind = type_of(f.type)
    return {"key": py(f.name), "type": f"Required[{kind}]" if f.required else kind,
            "doc": code_comment(one_line(f.doc))}  # fmt: skip


def call_names(events: Iterable[tuple[str, str]], methods: Namer | None = None) -> dict[str, str]:
    """The `Tracker` method of each event (method -> event) from (event, ident) pairs: what
    `trackplan status` recognises as a call of the event."""
    methods = methods or Namer(taken={"identify", "group"})
    return {methods.give("track_" + snake_ident(ident), name): name for name, ident in events}


def _event(event: EventModel, function: str) -> dict[str, object]:
    lines = [*event.doc, f"Sends {event.name!r}."]
    if not event.closed:
        lines.append("`extra` carries unplanned properties (the event is open).")
    if event.renamed_from:
        lines.append("Formerly " + ", ".join(f"{n!r}" for n in event.renamed_from) + ".")
    deprecated = None
    if event.deprecated is not None:
        deprecated = f"{event.name!r} is deprecated: {event.deprecated.text()}"
        lines.append("Deprecated: " + event.deprecated.text())
    docstring = "\n\n        ".join(py_docstring(line) for line in lines)
    return {
        "name": event.name, "function": function,
        "type": event.shape.name, "closed": event.closed, "deprecated": deprecated,
        "docstring": docstring,
    }  # fmt: skip


def type_of(ref: TypeRef) -> str:
    """The Python type of a plan type; nested objects by their TypedDict's name."""
    if isinstance(ref, Prim):
        return {"string": "str", "integer": "int", "number": "float", "boolean": "bool",
                "null": "None"}[ref.kind]  # fmt: skip
    if isinstance(ref, Literals):
        if any(isinstance(v, float) for v in ref.values):  # Literal takes no floats
            return "float" + (" | None" if None in ref.values else "")
        return "Literal[" + ", ".join(dict.fromkeys(py(v) for v in ref.values)) + "]"
    if isinstance(ref, ArrayOf):
        return f"list[{type_of(ref.item)}]"
    if isinstance(ref, Obj):
        return ref.name
    if isinstance(ref, AnyObj):
        return "dict[str, object]"
    if isinstance(ref, Union):
        return " | ".join(dict.fromkeys(type_of(m) for m in ref.members))
    assert isinstance(ref, Unknown)
    return "object"
