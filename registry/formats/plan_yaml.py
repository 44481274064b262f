"""A plan document written as a registry's plan folder: stable key order, comments kept."""

from __future__ import annotations

from typing import Any

from registry.formats.base import EVENT_KEYS, META_KEYS, PROPERTY_KEYS, SECTIONS, Document
from registry.formats.yaml_writer import comment_lines, dump_with_positions
from registry.load.yamlsafe import Path as YamlPath
from registry.records import record

EVENTS_PER_FILE = 200


def _ordered(spec: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {k: spec[k] for k in order if k in spec}
    out.update((k, v) for k, v in spec.items() if k not in out)
    return out


def _property(spec: dict[str, Any]) -> dict[str, Any]:
    out = _ordered({k: v for k, v in spec.items() if not (k == "required" and v is not True)},
                   PROPERTY_KEYS)  # fmt: skip
    if isinstance(out.get("items"), dict):
        out["items"] = _property(out["items"])
    if isinstance(out.get("properties"), dict):
        out["properties"] = {n: _property(s) for n, s in out["properties"].items()}
    return out


def _events(document: Document) -> dict[str, Any]:
    events = {}
    for name, event in (document.get("events") or {}).items():
        body = _ordered({k: v for k, v in event.items() if k in EVENT_KEYS or k == "properties"},
                        (*EVENT_KEYS, "properties"))  # fmt: skip
        if body.get("additional_properties") is not False:
            body.pop("additional_properties", None)
        props = body.pop("properties", None) or {}
        variants = body.pop("variants", None)
        if props:
            body["properties"] = {n: _property(s) for n, s in props.items()}
        if variants:  # after the properties its cases add to
            body["variants"] = variants
        events[name] = body
    return events


def _head(document: Document, plan_id: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"id": plan_id}
    meta.update((k, document[k]) for k in META_KEYS if document.get(k))
    data: dict[str, Any] = {"plan": meta}
    for section, inner in SECTIONS.items():
        props = (document.get(section) or {}).get(inner) or {}
        if props:
            data[section] = {inner: {n: _property(s) for n, s in props.items()}}
    return data


def _comment(header: str) -> str:
    return "".join(f"# {line}\n" if line else "#\n" for line in comment_lines(header))


@record(frozen=True)
class PlanFile:
    """A file written for a plan: its text, and the data and positions a parse would give."""

    text: str
    data: dict[str, Any]
    positions: dict[YamlPath, tuple[int, int]]


def _file(data: dict[str, Any], comments: dict[YamlPath, str], header: str) -> PlanFile:
    text, positions = dump_with_positions(data, comments)
    shift = header.count("\n")  # the header's comment lines come first (one per line)
    moved = {path: (line + shift, column) for path, (line, column) in positions.items()}
    return PlanFile(header + text, data, moved)


def plan_yaml(plan_id: str, document: Document, comments: dict[str, str] | None = None,
              header: str = "") -> str:  # fmt: skip
    """The YAML text of plans/{plan_id}/plan.yaml holding all of `document`."""
    return plan_files(plan_id, document, comments, header, split=False)["plan.yaml"].text


def plan_files(plan_id: str, document: Document, comments: dict[str, str] | None = None,
               header: str = "", split: bool = True) -> dict[str, PlanFile]:  # fmt: skip
    """The files of plans/{plan_id}/ for `document`, by path inside the plan folder: one
    plan.yaml, or for more than EVENTS_PER_FILE events plan.yaml and events/events-NNN.yaml
    (the loader reads at most 4 MiB a file; a reviewer reads a diff better in parts)."""
    head, events = _head(document, plan_id), _events(document)
    notes: dict[YamlPath, str] = {("events", n): t for n, t in (comments or {}).items()}
    top = _comment(header)
    if not split or len(events) <= EVENTS_PER_FILE:
        return {"plan.yaml": _file({**head, "events": events}, notes, top)}
    files = {"plan.yaml": _file(head, {}, top)}
    names = list(events)
    for start in range(0, len(names), EVENTS_PER_FILE):
        part = {name: events[name] for name in names[start : start + EVENTS_PER_FILE]}
        mine = {path: text for path, text in notes.items() if path[1] in part}
        files[f"events/events-{start // EVENTS_PER_FILE + 1:03d}.yaml"] = _file(
            {"events": part}, mine, ""
        )
    return files
