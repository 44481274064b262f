"""Renames: declared with `renamed_from`, or suggested when a removed and an added event or
property look alike (shared properties, the same schema, similar names)."""

from __future__ import annotations

import math
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
    """Pairs of a removed and an added event that look alike, best match first, each used once.

    Properties are weighed by how rare they are in the plan (inverse document frequency):
    the super-properties most events carry (a user id, a page context) say little about
    which event is which. A pair is suggested when the properties that distinguish events
    agree, or when the names agree and the properties do not contradict them.
    """
    if not removed or not added:
        return []
    carried, total = _carriers(old, new)
    weight = {p: math.log((total + 1) / (len(names) + 0.5)) for p, names in carried.items()}
    scored: list[tuple[float, str, str, str]] = []
    for before in removed:
        old_props = set(old.events[before].property_names())
        for after in added:
            new_props = set(new.events[after].property_names())
            likeness = _name_likeness(before, after)
            if not old_props and not new_props:
                if likeness >= 0.6:
                    scored.append((-likeness, before, after, "similar names, no properties"))
                continue
            shared, union = old_props & new_props, old_props | new_props
            agreement = sum(weight[p] for p in shared) / sum(weight[p] for p in union)
            telling = sorted(p for p in shared if len(carried[p]) * 2 <= total)
            if agreement >= 0.6 and telling:
                why = (f"{len(telling)} of their distinguishing properties in common: "
                       + ", ".join(telling[:3]) + ("…" if len(telling) > 3 else ""))  # fmt: skip
            elif likeness >= 0.75 and agreement >= 0.3:
                why = f"similar names, {len(shared)} of {len(union)} properties in common"
            else:
                continue
            scored.append((-(agreement + likeness), before, after, why))
    return _pair_once(scored)


def _carriers(old: Plan, new: Plan) -> tuple[dict[str, set[str]], int]:
    """Each property name -> the events (of either side) that have it; and how many events
    there are."""
    carried: dict[str, set[str]] = {}
    for plan in (old, new):
        for name, event in plan.events.items():
            for prop in event.property_names():
                carried.setdefault(prop, set()).add(name)
    return carried, len({n for plan in (old, new) for n in plan.events})


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
    import difflib  # here: only a suggested rename needs it (start-up)

    return difflib.SequenceMatcher(None, "".join(naming.words(a)), "".join(naming.words(b))).ratio()


def suggest_property_renames(
    old_plan: Plan,
    new_plan: Plan,
    old: dict[str, Property],
    new: dict[str, Property],
    removed: list[str],
    added: list[str],
) -> list[tuple[str, str]]:
    """Pairs of a removed and an added property with the same schema whose names agree: a
    word of substance in common (`email` -> `email_address`), or names alike as a whole
    (`userLogin` -> `user_login`). `createdAt` -> `receivedAt` shares only "at": no pair."""
    scored = []
    for before in removed:
        old_schema = schema_or_written(old[before].spec, old_plan)
        old_schema.pop("description", None)
        for after in added:
            new_schema = schema_or_written(new[after].spec, new_plan)
            new_schema.pop("description", None)
            likeness = _name_likeness(before, after)
            if old_schema != new_schema or likeness < 0.5:
                continue
            if likeness >= 0.8 or _words_agree(before, after):
                scored.append((-likeness, before, after, ""))
    return [(b, a) for b, a, _ in _pair_once(scored)]


# Words that join names rather than tell them apart.
FILLER = frozenset({"a", "an", "the", "at", "on", "in", "of", "by", "to", "for", "is", "id"})


def _words_agree(a: str, b: str) -> bool:
    return bool((set(naming.words(a)) - FILLER) & (set(naming.words(b)) - FILLER))
