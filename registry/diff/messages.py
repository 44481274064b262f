"""How a change is told: values as people read them, and the message and rule id of each
difference a JSON Schema comparison finds inside a property."""

from __future__ import annotations

import json
from typing import Any

from registry.diff import compat


def quoted(value: Any) -> str:
    """Like `show`, with strings in quotes, in lists too: `removed enum value 'referral'`,
    `changed type from ['string', 'null'] to 'string'`."""
    if isinstance(value, list):
        return "[" + ", ".join(quoted(v) for v in value) + "]"
    return f"'{value}'" if isinstance(value, str) else show(value)


def show(value: Any) -> str:
    """A value as people read it in a message: strings bare, lists in brackets."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def from_to(before: Any, after: Any) -> str:
    """' from 'A' to 'B'' with both values quoted (a description is a sentence of its own),
    or nothing for structures, which their own changes describe."""
    if isinstance(before, (dict, list)) or isinstance(after, (dict, list)):
        return ""
    return f" from {quoted(before)} to {quoted(after)}"


def unescape(segment: str) -> str:
    return segment.replace("~1", "/").replace("~0", "~")


def structural(segments: list[str]) -> list[str]:
    """The leading `properties/<name>` and `items` steps of a pointer into a property schema."""
    kept: list[str] = []
    i = 0
    while i < len(segments):
        if segments[i] == "properties" and i + 1 < len(segments):
            kept += segments[i : i + 2]
            i += 2
        elif segments[i] == "items":
            kept.append("items")
            i += 1
        else:
            break
    return kept


def nested_suffix(structure: list[str]) -> str:
    """'[].price' for ['items', 'properties', 'price'] (shown after the property's name)."""
    text = ""
    i = 0
    while i < len(structure):
        if structure[i] == "items":
            text += "[]"
            i += 1
        else:
            text += "." + structure[i + 1]
            i += 2
    return text


_KIND_RULES = {
    "type-narrowed": "property-type-narrowed",
    "type-widened": "property-type-widened",
    "type-changed": "property-type-changed",
    "enum-value-removed": "enum-value-removed",
    "enum-value-added": "enum-value-added",
    "property-added": "property-added",
    "property-removed": "property-removed",
    "required-added": "property-made-required",
    "required-removed": "property-made-optional",
    "unknown": "property-schema-unknown",
}


def rule_for(difference: compat.Difference) -> str:
    rule = _KIND_RULES.get(difference.kind)
    if rule is not None:
        return rule
    if difference.narrows and difference.widens:
        return "property-constraint-changed"
    if difference.narrows:
        return "property-constraint-narrowed"
    if difference.widens:
        return "property-constraint-widened"
    return "property-metadata-changed"


def schema_message(rule: str, who: str, difference: compat.Difference) -> str:
    old, new = difference.old, difference.new
    if rule.startswith("property-type-"):
        return f"{who} changed type from {quoted(old)} to {quoted(new)}"
    if rule == "enum-value-removed":
        return f"{who} removed enum value {quoted(old)}"
    if rule == "enum-value-added":
        return f"{who} added enum value {quoted(new)}"
    if rule in ("property-added", "property-removed"):
        return f"{who} was {'added' if rule == 'property-added' else 'removed'}"
    if rule in ("property-made-required", "property-made-optional"):
        return f"{who} became {'required' if rule.endswith('required') else 'optional'}"
    if rule == "property-schema-unknown":
        keyword = difference.pointer.rsplit("/", 1)[-1]
        return f"{who} changed {keyword}" + from_to(old, new) + " (compatibility unknown)"
    stem, _, how = difference.kind.rpartition("-")
    keyword = stem.replace("-", " ")
    if how == "added":
        return f"{who} gained {keyword} {quoted(new)}"
    if how == "removed":
        return f"{who} dropped {keyword} {quoted(old)}"
    if how in ("tightened", "relaxed"):
        return f"{who} {how} {keyword} from {quoted(old)} to {quoted(new)}"
    return f"{who} changed {keyword}" + from_to(old, new)
