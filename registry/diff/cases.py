"""An event's variants as the diff sees them: what applies for each discriminator value.

Cases are not matched by how they are written (their order, or how values are split between
them) but by what they do: for every value a discriminator can hold — each value a case of
either side names, and "any other value" — the properties the first matching case of each
variant (or its default) constrains, merged with the event's own definition. Values whose
before and after are the same are compared together, so one change reads "when kind is 'a'
or 'b'", and a case whose values move to the default shows as what the default asks.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from registry.load.model import Case, Event, Plan, Property
from registry.records import record

OTHER = ""  # the key of "any value no case names"
LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength")
UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength")


def value_key(value: Any) -> str:
    """A discriminator value as JSON Schema's `enum` compares it: 1 is 1.0, true is not 1."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def shown(key: str) -> str:
    """A value key in a message: a string in quotes, anything else as JSON."""
    value = json.loads(key)
    return repr(value) if isinstance(value, str) else key


@record(frozen=True)
class Applied:
    """What one side asks of each property for a group of discriminator values."""

    when: str  # e.g. "kind is 'a' or 'b'"
    old: dict[str, dict[str, Any]]  # property -> effective spec (event's own merged in)
    new: dict[str, dict[str, Any]]
    new_at: dict[str, Property]  # property -> where the head's case says it


def applied_groups(old_plan: Plan, old: Event, new_plan: Plan, new: Event) -> Iterator[Applied]:
    """Per discriminator, the groups of values whose constraints differ between the sides."""
    old_by, new_by = _by_discriminator(old.cases), _by_discriminator(new.cases)
    for discriminator in sorted(set(old_by) | set(new_by)):
        before, after = old_by.get(discriminator, []), new_by.get(discriminator, [])
        keys = sorted({value_key(v) for variants in (before, after) for cases in variants
                       for case in cases for v in case.match or ()})  # fmt: skip
        groups: dict[tuple[str, str], list[str]] = {}
        for key in [*keys, OTHER]:
            olds, news = _applied(before, key), _applied(after, key)
            groups.setdefault((_signature(olds), _signature(news)), []).append(key)
        for (old_sig, new_sig), members in groups.items():
            if old_sig == new_sig:
                continue
            olds, news = _applied(before, members[0]), _applied(after, members[0])
            yield Applied(
                _when(discriminator, members),
                {n: effective(old_plan, old, n, specs) for n, specs in olds.items()},
                {n: effective(new_plan, new, n, specs) for n, specs in news.items()},
                {n: props[0] for n, props in _applied_props(after, members[0]).items()},
            )


def _by_discriminator(cases: list[Case]) -> dict[str, list[list[Case]]]:
    """The variants of an event by discriminator, each its cases in order (default last)."""
    variants: dict[tuple[Any, ...], list[Case]] = {}
    for case in cases:
        variants.setdefault(case.variant, []).append(case)
    found: dict[str, list[list[Case]]] = {}
    for cases_of in variants.values():
        found.setdefault(cases_of[0].discriminator, []).append(cases_of)
    return found


def _applied_props(variants: list[list[Case]], key: str) -> dict[str, list[Property]]:
    """For a value: each property the first matching case of each variant (or its
    default) names, with every such definition (several variants may name one)."""
    found: dict[str, list[Property]] = {}
    for cases in variants:
        chosen = next((c for c in cases if c.match is not None and key != OTHER
                       and key in {value_key(v) for v in c.match}), None)  # fmt: skip
        if chosen is None:
            chosen = next((c for c in cases if c.match is None), None)
        for name, prop in (chosen.properties if chosen else {}).items():
            found.setdefault(name, []).append(prop)
    return found


def _applied(variants: list[list[Case]], key: str) -> dict[str, list[dict[str, Any]]]:
    return {n: [p.spec for p in props] for n, props in _applied_props(variants, key).items()}


def _signature(applied: dict[str, list[dict[str, Any]]]) -> str:
    return json.dumps(sorted(applied.items()), sort_keys=True, default=str)


def _when(discriminator: str, members: list[str]) -> str:
    named = [shown(k) for k in members if k != OTHER]
    if not named:
        return f"{discriminator} is anything else"
    said = " or ".join(named)
    return f"{discriminator} is {said}" + (" or any other value" if OTHER in members else "")


def effective(plan: Plan, event: Event, name: str, specs: list[dict[str, Any]]) -> dict[str, Any]:
    """The event's own definition of `name` (or the plan's common one) narrowed by what the
    cases ask of it; the cases alone where the event lacks it (an invalid plan)."""
    own = event.properties.get(name) or plan.common.get(name)
    merged: dict[str, Any] = dict(own.spec) if own is not None else {}
    for spec in specs:
        merged = narrowed(merged, spec)
    return merged


def narrowed(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`base` with `extra`'s constraints added: the stricter bound, the common enum values,
    required if either is, nested properties narrowed one by one, anything else `extra`'s."""
    out = dict(base)
    for key, value in extra.items():
        held = out.get(key)
        if key == "required":
            out[key] = held is True or value is True
        elif key in LOWER_BOUNDS and _number(held) and _number(value):
            out[key] = max(held, value)
        elif key in UPPER_BOUNDS and _number(held) and _number(value):
            out[key] = min(held, value)
        elif key == "enum" and isinstance(held, list) and isinstance(value, list):
            allowed = {value_key(v) for v in value}
            out[key] = [v for v in held if value_key(v) in allowed]
        elif key == "properties" and isinstance(held, dict) and isinstance(value, dict):
            out[key] = {**held, **{n: narrowed(held.get(n) or {}, s) if isinstance(s, dict)
                                   else s for n, s in value.items()}}  # fmt: skip
        else:
            out[key] = value
    return out


def _number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)
