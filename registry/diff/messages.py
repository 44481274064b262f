"""How a change is told: values as people read them, and the message and rule id of each
difference a JSON Schema comparison finds inside a property."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from registry.diff import compat
from registry.escape import pointer_name, pointer_token


def quoted(value: Any) -> str:
    """Like `show`, with strings in quotes, in lists too: `removed enum value 'referral'`,
    `changed type from ['string', 'null'] to 'string'`; JSON's null is `null`, the string
    "none" is `'none'`."""
    if isinstance(value, list):
        return "[" + ", ".join(quoted(v) for v in value) + "]"
    return f"'{value}'" if isinstance(value, str) else show(value)


def show(value: Any) -> str:
    """A value as people read it in a message: strings bare, lists in brackets, everything
    else as JSON writes it (`null`, `true`, `1.5`)."""
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def types_text(value: Any) -> str:
    """A `type` keyword's value: absent is "any type", an empty list "no type"."""
    if value is None:
        return "any type"
    if value == []:
        return "no type"
    return quoted(value)


def from_to(before: Any, after: Any) -> str:
    """' from 'A' to 'B'' with both values quoted (a description is a sentence of its own),
    or nothing for structures, which their own changes describe; a side that is not set
    (None) is said so, never shown as a value."""
    if isinstance(before, (dict, list)) or isinstance(after, (dict, list)):
        return ""
    if before is None:
        return f" to {quoted(after)} (not set before)"
    if after is None:
        return f" from {quoted(before)} (no longer set)"
    return f" from {quoted(before)} to {quoted(after)}"


def list_delta(before: list[Any] | None, after: list[Any] | None) -> str:
    """What a list gained and lost, its order aside: "added '@acme/c'; removed '@acme/a'",
    or "" when only the order changed."""

    def key(value: Any) -> str:
        return json.dumps(value, sort_keys=True, ensure_ascii=False)

    old = {key(v): v for v in before or []}
    new = {key(v): v for v in after or []}
    parts = []
    added = [new[k] for k in sorted(new) if k not in old]
    removed = [old[k] for k in sorted(old) if k not in new]
    if added:
        parts.append("added " + ", ".join(_item(v) for v in added))
    if removed:
        parts.append("removed " + ", ".join(_item(v) for v in removed))
    return "; ".join(parts)


def _item(value: Any) -> str:
    """One list item: a string quoted, a consumer by its name, anything else as JSON."""
    if isinstance(value, dict) and isinstance(value.get("name"), str):
        return quoted(value["name"])
    return quoted(value) if not isinstance(value, dict) else json.dumps(value, sort_keys=True)


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


def attributed(
    differences: Iterable[compat.Difference],
) -> list[tuple[compat.Difference, str, str]]:
    """Each difference with the pointer of the member it is about and its rule. A `required`
    change is about the member it names (`order.total`, never `order`); a member added and
    made required at once is one `required-property-added`, a member removed with its
    requirement one `property-removed` (never also "became optional")."""
    found = list(differences)

    def member(d: compat.Difference) -> str:
        name = d.new if d.kind == "required-added" else d.old
        return d.pointer[: -len("required")] + "properties/" + pointer_token(str(name))

    added = {d.pointer for d in found if d.kind == "property-added"}
    removed = {d.pointer for d in found if d.kind == "property-removed"}
    made_required = {member(d) for d in found if d.kind == "required-added"}
    out = []
    for d in found:
        if d.kind in ("required-added", "required-removed"):
            at = member(d)
            if at in (added if d.kind == "required-added" else removed):
                continue  # told by the addition or the removal itself
            out.append((d, at, rule_for(d)))
        elif d.kind == "property-added" and d.pointer in made_required:
            out.append((d, d.pointer, "required-property-added"))
        else:
            out.append((d, d.pointer, rule_for(d)))
    return out


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
        return f"{who} changed type from {types_text(old)} to {types_text(new)}"
    if rule == "required-property-added":
        return f"required {who} was added"
    if rule == "enum-value-removed":
        return f"{who} removed enum value {quoted(old)}"
    if rule == "enum-value-added":
        return f"{who} added enum value {quoted(new)}"
    if rule in ("property-added", "property-removed"):
        return f"{who} was {'added' if rule == 'property-added' else 'removed'}"
    if rule in ("property-made-required", "property-made-optional"):
        return f"{who} became {'required' if rule.endswith('required') else 'optional'}"
    if rule == "property-schema-unknown":
        keyword = pointer_name(difference.pointer.rsplit("/", 1)[-1])
        return f"{who} changed {keyword}" + from_to(old, new) + " (compatibility unknown)"
    if difference.kind == "annotation-changed":
        keyword = pointer_name(difference.pointer.rsplit("/", 1)[-1])
        return f"{who} changed annotation {quoted(keyword)}" + from_to(old, new)
    if difference.kind == "schema-changed":
        if old is False:
            return f"{who} now accepts values (it accepted none before)"
        if new is False:
            return f"{who} now accepts no value"
        if new is True or new == {}:
            return f"{who} no longer constrains its values"
    stem, _, how = difference.kind.rpartition("-")
    keyword = stem.replace("-", " ")
    before, after = difference.shown or (quoted(old), quoted(new))
    if how == "added":
        return f"{who} gained {keyword} {after}"
    if how == "removed":
        return f"{who} dropped {keyword} {before}"
    if how in ("tightened", "relaxed") or difference.shown:
        return f"{who} {how} {keyword} from {before} to {after}"
    return f"{who} changed {keyword}" + from_to(old, new)
