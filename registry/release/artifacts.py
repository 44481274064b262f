"""Release artifacts of a plan version: canonical plan JSON, JSON Schema bundle, changelog."""

from __future__ import annotations

import string
from collections.abc import Iterator, Sequence
from typing import Any

from registry.diff.changes import BREAKING, INFO, WARNING, Change
from registry.diff.changes import ERROR as FORBIDDEN
from registry.escape import md_block, md_code, md_text, pointer_token
from registry.jsontext import indented_json
from registry.load.digest import sha256_hex
from registry.load.model import Event, Plan, Property
from registry.load.resolve import event_schema, is_required, resolved_spec, traits_schema
from registry.records import record

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
META_KEYS = ("title", "description", "owners", "sources", "objectives", "lifecycle",
             "consumers")  # fmt: skip
EVENT_KEYS = ("description", "owners", "sources", "objectives", "stage", "labels",
              "renamed_from", "deprecated", "additional_properties", "consumers")  # fmt: skip


def canonical_json(data: Any) -> bytes:
    """Sorted keys, two-space indent, UTF-8, final newline: same data, same bytes."""
    return (indented_json(data, sort_keys=True) + "\n").encode()


def _resolved(props: dict[str, Property], plan: Plan) -> dict[str, Any]:
    out = {}
    for name, prop in sorted(props.items()):
        spec = dict(resolved_spec(prop.spec, plan))
        spec["required"] = is_required(prop.spec, plan)
        out[name] = _resolve_nested(spec, plan)
    return out


def _resolve_nested(spec: dict[str, Any], plan: Plan) -> dict[str, Any]:
    spec = dict(resolved_spec(spec, plan))
    if isinstance(spec.get("items"), dict):
        spec["items"] = _resolve_nested(spec["items"], plan)
    if isinstance(spec.get("properties"), dict):
        nested = sorted(spec["properties"].items())
        spec["properties"] = {n: _resolve_nested(s, plan) for n, s in nested if isinstance(s, dict)}
    return spec


def _variants(event: Event, plan: Plan) -> list[dict[str, Any]]:
    """The event's variants as written, each case's properties resolved like the event's."""
    variants: dict[tuple[Any, ...], dict[str, Any]] = {}
    for case in event.cases:
        variant = variants.setdefault(case.variant, {"discriminator": case.discriminator,
                                                     "cases": []})  # fmt: skip
        body: dict[str, Any] = {}
        if case.name is not None:
            body["name"] = case.name
        if case.match is not None:
            body["match"] = list(case.match)
        if case.description is not None:
            body["description"] = case.description
        body["properties"] = _resolved(case.properties, plan)
        if case.match is None:
            variant["default"] = body
        else:
            variant["cases"].append(body)
    return list(variants.values())


def plan_document(plan: Plan, version: str) -> dict[str, Any]:
    """The plan as one JSON document: files merged, `$ref` resolved, keys sorted."""
    events = {}
    for name, event in sorted(plan.events.items()):
        body = {k: event.spec[k] for k in EVENT_KEYS if k in event.spec}
        body["properties"] = _resolved(event.properties, plan)
        if event.cases:
            body["variants"] = _variants(event, plan)
        events[name] = body
    return {
        "plan": plan.id,
        "version": version,
        **{k: plan.meta[k] for k in META_KEYS if k in plan.meta},
        "common": {"properties": _resolved(plan.common, plan)},
        "identify": {"traits": _resolved(plan.identify, plan)},
        "group": {"traits": _resolved(plan.group, plan)},
        "events": events,
    }


def document_properties(props: Any, prefix: str = "") -> Iterator[tuple[str, dict[str, Any]]]:
    """Each property of a plan document's property map, in name order, its nested ones
    after it, with its path as `trackplan check` writes it (`cart.id`, `products[].sku`)."""
    for name, spec in sorted(props.items()) if isinstance(props, dict) else ():
        if not isinstance(spec, dict):
            continue
        path = prefix + str(name)
        yield path, spec
        nested, step = spec.get("properties"), "."
        if not isinstance(nested, dict) and isinstance(spec.get("items"), dict):
            nested, step = spec["items"].get("properties"), "[]."
        yield from document_properties(nested, path + step)


def schema_bundle(plan: Plan, version: str) -> dict[str, Any]:
    """One JSON Schema (2020-12) for the plan's calls.

    It validates a track call `{"event": name, "properties": {...}}` against that event's
    schema (common properties merged in); each event's own schema is at
    `#/$defs/events/<name>`, the traits at `#/$defs/identify` and `#/$defs/group`.
    """
    events = {name: event_schema(plan, event) for name, event in sorted(plan.events.items())}
    dispatch = [
        {
            "if": {"properties": {"event": {"const": name}}, "required": ["event"]},
            "then": {"properties": {"properties": {"$ref": f"#/$defs/events/{_pointer(name)}"}}},
        }
        for name in events
    ]
    return {
        "$schema": SCHEMA_DIALECT,
        "$id": f"urn:trackplan:{plan.id}:{version}",
        "title": f"{plan.meta.get('title') or plan.id} {version}",
        "type": "object",
        "required": ["event", "properties"],
        "properties": {"event": {"enum": sorted(events)}, "properties": {"type": "object"}},
        "allOf": dispatch,
        "$defs": {
            "events": events,
            "identify": traits_schema(plan, "identify"),
            "group": traits_schema(plan, "group"),
        },
    }


def _pointer(name: str) -> str:
    """`name` as one JSON Pointer token (RFC 6901) inside a URI fragment (RFC 3986): `~`
    and `/` escaped as ~0 and ~1, then every character a fragment cannot hold (`%`, space,
    `#`, non-ASCII ...) percent-encoded as UTF-8."""
    token = pointer_token(name)
    return "".join(chr(b) if chr(b) in _FRAGMENT_SAFE else f"%{b:02X}" for b in token.encode())


# What a URI fragment holds as it is (RFC 3986: unreserved, sub-delims, ":" and "@").
_FRAGMENT_SAFE = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@")


@record(frozen=True)
class ReleaseInfo:
    """What the changelog records beside the changes: where the release came from."""

    commit: str
    pull_request: int | None = None
    author: str | None = None
    approvers: tuple[str, ...] = ()
    previous: str | None = None


def changelog(plan: str, version: str, changes: Sequence[Change], notes: str | None,
              info: ReleaseInfo) -> str:  # fmt: skip
    """The changelog Markdown (also the annotated tag's message)."""
    lines = [f"# {plan} {version}", ""]
    origin = f"Released from commit {md_code(info.commit[:12])}"
    if info.pull_request is not None:
        origin += f", pull request #{info.pull_request}"
        if info.author:  # people are named as code, never pinged by a release
            origin += f" by {md_code('@' + info.author)}"
    lines += [origin + ".", ""]
    if info.approvers:
        lines += ["Approved by " + ", ".join(md_code("@" + a) for a in info.approvers) + ".", ""]
    if info.previous is None:
        lines += ["First release.", ""]
    sections = (
        (FORBIDDEN, "Changes the policy forbids (merged under a waiver)"),
        (BREAKING, "Breaking changes"),
        (WARNING, "Warnings"),
        (INFO, "Other changes"),
    )
    for level, title in sections:
        picked = [c for c in changes if c.level == level]
        if picked:
            lines += [f"## {title}", ""]
            for change in picked:
                lines.append(f"- {md_text(change.message)} (`{change.rule}`)")
                if level != INFO:
                    lines.append(f"  - Migration: {md_text(change.migration)}")
            lines.append("")
    if notes:
        lines += ["## Migration notes", "", md_block(notes.strip()), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def artifact_names(plan: str, version: str) -> dict[str, str]:
    return {
        "plan": f"{plan}-{version}.plan.json",
        "schema": f"{plan}-{version}.schema.json",
        "changelog": f"{plan}-{version}.changelog.md",
    }


def build_artifacts(plan: Plan, version: str, changelog_text: str) -> dict[str, bytes]:
    """Every asset of a release by file name, SHA256SUMS included; reproducible byte for byte."""
    names = artifact_names(plan.id, version)
    files = {
        names["plan"]: canonical_json(plan_document(plan, version)),
        names["schema"]: canonical_json(schema_bundle(plan, version)),
        names["changelog"]: changelog_text.encode(),
    }
    sums = "".join(f"{sha256_hex(data)}  {name}\n"
                   for name, data in sorted(files.items()))  # fmt: skip
    files["SHA256SUMS"] = sums.encode()
    return files
