"""A plan document written as a registry's plan.yaml: stable key order, comments kept."""

from __future__ import annotations

import io
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap

from registry.formats.base import EVENT_KEYS, META_KEYS, PROPERTY_KEYS, SECTIONS, Document


def _ordered(spec: dict[str, Any], order: tuple[str, ...]) -> dict[str, Any]:
    out = {k: spec[k] for k in order if k in spec}
    out.update((k, v) for k, v in spec.items() if k not in out)
    return out


def _property(spec: dict[str, Any]) -> dict[str, Any]:
    out = _ordered(
        {k: v for k, v in spec.items() if not (k == "required" and v is not True)}, PROPERTY_KEYS
    )
    if isinstance(out.get("items"), dict):
        out["items"] = _property(out["items"])
    if isinstance(out.get("properties"), dict):
        out["properties"] = {n: _property(s) for n, s in out["properties"].items()}
    return out


def plan_yaml(
    plan_id: str, document: Document, comments: dict[str, str] | None = None, header: str = ""
) -> str:
    """The YAML text of plans/{plan_id}/plan.yaml for `document` (same input, same bytes)."""
    meta: dict[str, Any] = {"id": plan_id}
    meta.update((k, document[k]) for k in META_KEYS if document.get(k))
    data = CommentedMap()
    data["plan"] = meta
    for section, inner in SECTIONS.items():
        props = (document.get(section) or {}).get(inner) or {}
        if props:
            data[section] = {inner: {n: _property(s) for n, s in props.items()}}
    events = CommentedMap()
    for name, event in (document.get("events") or {}).items():
        body = _ordered(
            {k: v for k, v in event.items() if k in EVENT_KEYS or k == "properties"},
            (*EVENT_KEYS, "properties"),
        )
        if body.get("additional_properties") is not False:
            body.pop("additional_properties", None)
        props = body.pop("properties", None) or {}
        if props:
            body["properties"] = {n: _property(s) for n, s in props.items()}
        events[name] = body
    for name, text in sorted((comments or {}).items()):
        if name in events:
            events.yaml_set_comment_before_after_key(name, before=text, indent=2)
    data["events"] = events
    yaml = YAML(typ="rt", pure=True)
    yaml.width = 4096
    yaml.allow_unicode = True
    yaml.indent(mapping=2, sequence=4, offset=2)
    out = io.StringIO()
    if header:
        out.write("".join(f"# {line}\n" if line else "#\n" for line in header.splitlines()))
    yaml.dump(data, out)
    return out.getvalue()
