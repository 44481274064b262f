"""Renames: declared with `renamed_from`, or suggested when a removed and an added event or
property look alike (shared properties, the same schema, similar names)."""

from __future__ import annotations

import difflib
from typing import Any

from registry.lint import naming
from registry.load.model import Plan, Property
from registry.load.resolve import schema_or_written


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def declared_renames(old: dict[str, Any], new: dict[str, Any]) -> dict[str, str]:
    """old name -> new name, from `renamed_from` in the head (only when the old one is gone)."""
    renames: dict[str, str] = {}
    for name in sorted(new):
        if name in old:
            continue
        for former in _names(new[name].spec.get("renamed_from")):
            if former in old and former not in new and former not in renames:
                renames[former] = name
                break
    return renames


def suggest_event_renames(
    old: Plan, new: Plan, removed: list[str], added: list[str]
) -> list[tuple[str, str, str]]:
    """Pairs of a removed and an added event that look alike, best match first, each used once."""
    scored: list[tuple[float, str, str, str]] = []
    for before in removed:
        old_props = set(old.events[before].properties)
        for after in added:
            new_props = set(new.events[after].properties)
            if old_props or new_props:
                shared = len(old_props & new_props)
                score = shared / len(old_props | new_props)
                why = f"{shared} of {len(old_props | new_props)} properties in common"
            else:
                score = _name_likeness(before, after)
                why = "similar names, no properties"
            if score >= 0.6:
                scored.append((-score, before, after, why))
    return _pair_once(scored)


def _pair_once(scored: list[tuple[float, str, str, str]]) -> list[tuple[str, str, str]]:
    used_old: set[str] = set()
    used_new: set[str] = set()
    pairs = []
    for _score, before, after, why in sorted(scored):
        if before not in used_old and after not in used_new:
            used_old.add(before)
            used_new.add(after)
            pairs.append((before, after, why))
    return sorted(pairs)


def _name_likeness(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, "".join(naming.words(a)), "".join(naming.words(b))).ratio()


def suggest_property_renames(
    old_plan: Plan,
    new_plan: Plan,
    old: dict[str, Property],
    new: dict[str, Property],
    removed: list[str],
    added: list[str],
) -> list[tuple[str, str]]:
    scored = []
    for before in removed:
        old_schema = schema_or_written(old[before].spec, old_plan)
        old_schema.pop("description", None)
        for after in added:
            new_schema = schema_or_written(new[after].spec, new_plan)
            new_schema.pop("description", None)
            likeness = _name_likeness(before, after)
            if old_schema == new_schema and likeness >= 0.5:
                scored.append((-likeness, before, after, ""))
    return [(b, a) for b, a, _ in _pair_once(scored)]
