"""The check functions of the lint rules: cross-references and naming, over a loaded registry."""

from __future__ import annotations

import functools
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from registry.findings import Location
from registry.lint import naming
from registry.lint.patterns import PatternError, pattern_problem
from registry.load.model import SHARED, VARIANTS, Plan, Registry, walk_properties
from registry.load.resolve import ResolveError, resolved_spec
from registry.load.settings import Conventions
from registry.load.snapshot import SETTINGS_FILE, WAIVERS_FILE
from registry.records import record


@record(frozen=True)
class Hit:
    """What a check found; the catalog adds the rule id and level to make a Finding."""

    plan: str | None
    location: Location
    message: str
    hint: str


def _names(value: Any) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _stages(plan: Plan) -> list[str]:
    return [s.name for s in plan.stages() if isinstance(s.name, str)]


# Suggestions compare a name with this many candidates at most, of lengths that could be
# close: 1,000 unknown references among 1,000 definitions took 21 s in difflib.
SUGGEST_FROM = 200


def did_you_mean(name: str, options: list[str]) -> str:
    import difflib  # here: only a mistake needs it (start-up)

    near = [o for o in options if 0.4 * len(o) <= len(name) <= 2.5 * len(o)][:SUGGEST_FROM]
    close = difflib.get_close_matches(name, near, n=1)
    if close:
        return f"Did you mean '{close[0]}'? "
    return ""


def _choices(options: list[str], what: str) -> str:
    if not options:
        return f"The plan defines no {what} yet."
    shown = ", ".join(sorted(options)[:12])
    return f"Defined {what}: {shown}{', ...' if len(options) > 12 else ''}."


# --- cross-references -----------------------------------------------------------------------


def unknown_refs(registry: Registry) -> Iterator[Hit]:
    """`$ref` naming no entry of the plan's `properties:` (or a chain of refs that loops)."""
    for plan in _plans(registry):
        shared = sorted(plan.shared)
        for section, _event, props in plan.property_maps():
            for prop in props.values():
                for ref, path in _ref_paths(prop.spec, prop.path):
                    target = plan.shared.get(ref)
                    if target is None:
                        yield Hit(
                            plan.id,
                            registry.locate(prop.file, path),
                            f"$ref '{ref}' names no shared property of plan '{plan.id}'",
                            did_you_mean(ref, shared)
                            + "Define it under `properties:` or fix the name. "
                            + _choices(shared, "shared properties"),
                        )
                    elif section == SHARED and _ref_loops(plan, ref):
                        yield Hit(
                            plan.id,
                            registry.locate(prop.file, path),
                            f"$ref '{ref}' leads back to itself",
                            "Break the cycle: a shared property cannot refer to itself.",
                        )


def _ref_paths(
    spec: dict[str, Any], path: tuple[Any, ...]
) -> Iterator[tuple[str, tuple[Any, ...]]]:
    ref = spec.get("$ref")
    if isinstance(ref, str):
        yield ref, (*path, "$ref")
    for nested in walk_properties({"_": spec}, ()):
        if nested.spec is spec:
            continue
        ref = nested.spec.get("$ref")
        if isinstance(ref, str):
            yield ref, (*path, *nested.path[1:], "$ref")


def _ref_loops(plan: Plan, start: str) -> bool:
    """Whether the shared properties `start` leads to refer back into themselves, by any
    `$ref` at any depth (its own, nested `properties`, `items`, `anyOf`/`oneOf`)."""
    done: set[str] = set()
    path: set[str] = set()
    stack: list[tuple[str, Iterator[str]]] = []

    def enter(name: str) -> None:
        path.add(name)
        spec = plan.shared[name].spec if name in plan.shared else {}
        stack.append((name, (ref for ref, _ in _ref_paths(spec, ()))))

    enter(start)
    while stack:
        name, refs = stack[-1]
        ref = next(refs, None)
        if ref is None:
            stack.pop()
            path.discard(name)
            done.add(name)
        elif ref in path:
            return True
        elif ref not in done and ref in plan.shared:
            enter(ref)
    return False


def unknown_sources(registry: Registry) -> Iterator[Hit]:
    """An event's `sources:` names a source the plan does not define."""
    yield from _unknown_names(
        registry,
        "sources",
        lambda p: sorted(p.section("sources")),
        "source",
        "sources",
        "plan.sources",
    )


def unknown_objectives(registry: Registry) -> Iterator[Hit]:
    """An event's `objectives:` names an objective the plan does not define."""
    yield from _unknown_names(
        registry,
        "objectives",
        lambda p: sorted(p.section("objectives")),
        "objective",
        "objectives",
        "plan.objectives",
    )


def unknown_stages(registry: Registry) -> Iterator[Hit]:
    """An event's `stage:` names a lifecycle stage the plan does not define."""
    yield from _unknown_names(
        registry, "stage", _stages, "lifecycle stage", "stages", "plan.lifecycle"
    )


def _unknown_names(
    registry: Registry, key: str, defined_of: Any, what: str, plural: str, where: str
) -> Iterator[Hit]:
    for plan in _plans(registry):
        defined = defined_of(plan)
        for name in sorted(plan.events):
            event = plan.events[name]
            value = event.spec.get(key)
            listed = [value] if isinstance(value, str) else _names(value)
            for index, item in enumerate(listed):
                if item in defined:
                    continue
                at = (*event.path, key) if isinstance(value, str) else (*event.path, key, index)
                yield Hit(
                    plan.id,
                    registry.locate(event.file, at),
                    f"event '{name}' names {what} '{item}', which plan '{plan.id}' does not define",
                    did_you_mean(item, defined)
                    + f"Define it in {where} or fix the name. "
                    + _choices(defined, plural),
                )


def unknown_kpi_events(registry: Registry) -> Iterator[Hit]:
    """A KPI lists an event the plan does not define."""
    for plan in _plans(registry):
        events = sorted(plan.events)
        for kpi in sorted(plan.kpis(), key=lambda k: (k.objective, k.id)):
            for index, name in enumerate(kpi.events):
                if name not in plan.events:
                    at = ("plan", "objectives", kpi.objective, "kpis", kpi.id, "events", index)
                    yield Hit(
                        plan.id,
                        registry.locate(plan.meta_file or "", at),
                        f"KPI '{kpi.id}' of objective '{kpi.objective}' lists event "
                        f"'{name}', which plan '{plan.id}' does not define",
                        did_you_mean(name, events) + "Define the event or remove it from the KPI.",
                    )


def unknown_lifecycle_events(registry: Registry) -> Iterator[Hit]:
    """A lifecycle stage lists an event the plan does not define."""
    for plan in _plans(registry):
        events = sorted(plan.events)
        for stage in plan.stages():
            for i, name in enumerate(stage.events):
                if name not in plan.events:
                    at = ("plan", "lifecycle", stage.index, "events", i)
                    yield Hit(
                        plan.id,
                        registry.locate(plan.meta_file or "", at),
                        f"{stage.label} lists event '{name}', "
                        f"which plan '{plan.id}' does not define",
                        did_you_mean(name, events)
                        + "Define the event or remove it from the stage.",
                    )


def unknown_replacements(registry: Registry) -> Iterator[Hit]:
    """A deprecated event's `replaced_by` names an event the plan does not define."""
    for plan in _plans(registry):
        events = sorted(plan.events)
        for name in events:
            event = plan.events[name]
            deprecated = event.spec.get("deprecated")
            if not isinstance(deprecated, dict):
                continue
            target = deprecated.get("replaced_by")
            if isinstance(target, str) and target not in plan.events:
                yield Hit(
                    plan.id,
                    registry.locate(event.file, (*event.path, "deprecated", "replaced_by")),
                    f"event '{name}' is replaced by '{target}', which plan '{plan.id}' "
                    "does not define",
                    did_you_mean(target, events) + "Name an event of the plan.",
                )


def unknown_variant_properties(registry: Registry) -> Iterator[Hit]:
    """A case of an event's `variants` names a property (or a discriminator) the event
    has not: a case adds to the event's properties, it never brings keys of its own."""
    for plan in _plans(registry):
        for name in sorted(plan.events):
            event = plan.events[name]
            known = sorted(set(event.properties) | set(plan.common))
            for case in event.cases:
                unknown = [(p.name, p.path, "property") for p in case.properties.values()]
                if case is next(c for c in event.cases if c.variant == case.variant):
                    unknown.insert(
                        0, (case.discriminator, (*case.variant, "discriminator"), "discriminator")
                    )  # once per variant
                for prop, path, what in unknown:
                    if prop in known:
                        continue
                    yield Hit(
                        plan.id,
                        registry.locate(event.file, path),
                        f"{what} '{prop}' of a variant of event '{name}' is not a property "
                        "of the event",
                        did_you_mean(prop, known) + "Define it under the event's "
                        "`properties:` (optional there), then constrain it in the case.",
                    )


def rename_conflicts(registry: Registry) -> Iterator[Hit]:
    """`renamed_from` names a name that is still defined, or one claimed by two definitions."""
    for plan in _plans(registry):
        claimed: dict[str, str] = {}
        for name in sorted(plan.events):
            event = plan.events[name]
            for index, old in enumerate(_names(event.spec.get("renamed_from"))):
                at = (*event.path, "renamed_from", index)
                if old in plan.events:
                    yield Hit(
                        plan.id,
                        registry.locate(event.file, at),
                        f"event '{name}' is renamed from '{old}', which is still defined",
                        f"Remove '{old}' (it was renamed) or drop it from renamed_from.",
                    )
                elif old in claimed:
                    yield Hit(
                        plan.id,
                        registry.locate(event.file, at),
                        f"events '{claimed[old]}' and '{name}' both claim the old name '{old}'",
                        "Only one event can be the renamed one.",
                    )
                claimed.setdefault(old, name)
            for prop_name in sorted(event.properties):
                prop = event.properties[prop_name]
                for index, old in enumerate(_names(prop.spec.get("renamed_from"))):
                    if old in event.properties:
                        yield Hit(
                            plan.id,
                            registry.locate(prop.file, (*prop.path, "renamed_from", index)),
                            f"property '{prop_name}' of event '{name}' is renamed from "
                            f"'{old}', which is still defined",
                            f"Remove '{old}' or drop it from renamed_from.",
                        )


def codeowners_problems(registry: Registry) -> Iterator[Hit]:
    """Lines of CODEOWNERS that GitHub would reject (and so silently not apply)."""
    if registry.codeowners_path is None:
        return
    for line, message in registry.codeowners.problems:
        yield Hit(
            None,
            Location(registry.codeowners_path, line, 1),
            message,
            "Fix or remove the line: GitHub ignores it, so its owners would not be asked.",
        )


# --- naming ---------------------------------------------------------------------------------


def _conventions(registry: Registry, plan: Plan) -> Conventions:
    """The conventions `plan` is judged by: its registry's policy (BASE's, in a review)."""
    return registry.policy.conventions(plan)


def _written_conventions(registry: Registry, plan: Plan) -> Conventions:
    """The conventions as this registry's own files write them (they must be valid too)."""
    return registry.own_policy.conventions(plan)


def _valid_casing(casing: str) -> bool:
    return _casing_problem(casing) is None


def _casing_problem(casing: str) -> str | None:
    try:
        naming.casing_pattern(casing)
    except PatternError as exc:
        return str(exc)
    return None


def invalid_conventions(registry: Registry) -> Iterator[Hit]:
    """A custom casing regex in `conventions` that does not compile."""
    checks: list[tuple[str, tuple[str, ...], Conventions]] = [
        ("trackplan.yaml", ("conventions",), registry.settings.conventions)
    ]
    for plan in _plans(registry):
        if isinstance(plan.meta.get("conventions"), dict) and plan.meta_file:
            checks.append(
                (plan.meta_file, ("plan", "conventions"), _written_conventions(registry, plan))
            )
    for file, at, conv in checks:
        for key in ("event_name", "property_name"):
            casing = getattr(conv, key)
            problem = _casing_problem(casing)
            if problem is not None:
                yield Hit(
                    None,
                    registry.locate(file, (*at, key)),
                    f"conventions.{key} '{casing}' is not a regular expression RE2 takes "
                    f"({problem})",
                    "Fix the expression (RE2 syntax: no backreferences or lookaround), or "
                    "use a named casing such as snake-case.",
                )


def event_name_casing(registry: Registry) -> Iterator[Hit]:
    """Event names follow `conventions.event_name`."""
    for plan in _plans(registry):
        casing = _conventions(registry, plan).event_name
        if not _valid_casing(casing):
            continue
        for name in sorted(plan.events):
            if not naming.matches_casing(name, casing):
                event = plan.events[name]
                yield Hit(
                    plan.id,
                    event.location,
                    f"event name '{name}' is not {casing}",
                    _casing_hint(name, casing),
                )


# Names that stand for a plan's traits and common properties wherever subjects are named:
# generated code checks identify traits as event "$identify", waivers name
# `PLAN/$group/TRAIT`. An event of one of these names would be checked as the other.
RESERVED_EVENT_NAMES = {"$identify": "identify traits", "$group": "group traits",
                        "$common": "common properties"}  # fmt: skip


def event_name_reserved(registry: Registry) -> Iterator[Hit]:
    """No event takes a name that stands for traits or common properties."""
    for plan in _plans(registry):
        for name in sorted(plan.events):
            if name in RESERVED_EVENT_NAMES:
                said = f"event name '{name}' stands for the plan's {RESERVED_EVENT_NAMES[name]}"
                yield Hit(plan.id, plan.events[name].location, said,
                          "Rename the event (keep the old name in renamed_from): generated "
                          "code and waivers name traits and common properties so.")  # fmt: skip


def _casing_hint(name: str, casing: str) -> str:
    if casing in naming.CASINGS:
        return f"Rename it to '{naming.convert(name, casing)}' (keep the old name in renamed_from)."
    return f"Rename it to match {casing} (keep the old name in renamed_from)."


def property_name_casing(registry: Registry) -> Iterator[Hit]:
    """Property and trait keys follow `conventions.property_name`."""
    for plan in _plans(registry):
        casing = _conventions(registry, plan).property_name
        if not _valid_casing(casing):
            continue
        for what, name, file, path in _property_keys(plan):
            if not naming.matches_casing(name, casing):
                yield Hit(
                    plan.id,
                    registry.locate(file, path),
                    f"{what} is not {casing}",
                    _casing_hint(name, casing),
                )


# Names that say a property holds personal data (docs/rules.md lists them): matched as whole
# words of the name, so `billing_email` and `userPhoneNumber` match and `emailed` does not.
PII_WORDS = (
    "email", "e mail", "mail address", "phone", "phone number", "mobile", "telephone",
    "ip", "ip address", "address", "street", "postcode", "postal code", "zip", "zip code",
    "first name", "last name", "full name", "surname", "user name", "username",
    "birthday", "birth date", "date of birth", "dob", "ssn", "social security", "passport",
    "national id", "tax id", "iban", "credit card", "card number", "password",
    "latitude", "longitude", "lat", "lng", "device id", "advertising id", "idfa", "gaid",
)  # fmt: skip
# A URI often carries a person in its path or query (a profile page, ?email=...).
PII_FORMATS = ("email", "idn-email", "ipv4", "ipv6", "uri")
_PII_SEQUENCES = tuple(tuple(w.split()) for w in PII_WORDS)
_PII_WORDS_SET = frozenset(sequence[0] for sequence in _PII_SEQUENCES)


def _looks_personal(name: str, spec: dict[str, Any]) -> str | None:
    """Why a property looks like personal data (its format, or a word of its name)."""
    if spec.get("format") in PII_FORMATS:
        return f"format {spec['format']}"
    return _personal_words(name)


@functools.lru_cache(maxsize=65536)  # plans repeat their property names across events
def _personal_words(name: str) -> str | None:
    found = tuple(w.lower() for w in naming.words(name))
    if not _PII_WORDS_SET.intersection(found):
        return None  # every sequence starts with one of these words: most names stop here
    for sequence in _PII_SEQUENCES:
        size = len(sequence)
        if any(found[i : i + size] == sequence for i in range(len(found) - size + 1)):
            return f"the word{'s' if size > 1 else ''} '{' '.join(sequence)}' in its name"
    return None


def unflagged_pii(registry: Registry) -> Iterator[Hit]:
    """A property whose name or format looks like personal data says nothing of `pii:`."""
    for plan in _plans(registry):
        for section, event, props in plan.property_maps():
            if section == VARIANTS:
                continue  # a case names the event's own properties: checked there
            owner = f" of event '{event}'" if event is not None else ""
            for prop in props.values():
                for found in walk_properties({prop.name: prop.spec}, prop.path[:-1]):
                    if found.name is None:
                        continue
                    try:
                        spec = resolved_spec(found.spec, plan)
                    except ResolveError:
                        spec = found.spec  # ref-unknown says so
                    why = _looks_personal(found.name, spec)
                    if why is None or "pii" in spec:
                        continue
                    yield Hit(
                        plan.id,
                        registry.locate(prop.file, found.path),
                        f"property '{found.name}'{owner} looks like personal data ({why}) "
                        "but says nothing of pii",
                        "Say which personal data it holds: `pii: indirect`, `direct` or "
                        "`sensitive` (privacy reviewers are asked), or `pii: none` if it holds "
                        "none, so the decision is written down.",
                    )


def unknown_policy_rules(registry: Registry) -> Iterator[Hit]:
    """`policy.rules` of trackplan.yaml or of a plan names a rule the diff does not have."""
    from registry.diff.rules import DIFF_BY_ID  # the diff's catalog, read only here

    known = sorted(DIFF_BY_ID)
    places: list[tuple[str | None, str, tuple[Any, ...], list[Any]]] = [
        (None, SETTINGS_FILE, ("policy",), [e.rule for e in registry.settings.policy.rules])
    ]
    for plan in registry.plans.values():
        policy = plan.meta.get("policy")
        if isinstance(policy, dict) and isinstance(policy.get("rules"), list):
            rules = [e.get("rule") if isinstance(e, dict) and isinstance(e.get("rule"), str)
                     else None for e in policy["rules"]]  # fmt: skip
            places.append((plan.id, plan.meta_file or "", ("plan", "policy"), rules))
    for plan_id, file, at, rules in places:
        for index, rule in enumerate(rules):
            if rule is not None and not any(fnmatchcase(known_id, rule) for known_id in known):
                yield Hit(
                    plan_id,
                    registry.locate(file, (*at, "rules", index, "rule")),
                    f"policy rule '{rule}' is no rule of the diff",
                    did_you_mean(str(rule), known) + "Name a rule of docs/rules.md (diff rules).",
                )


def expired_waivers(registry: Registry) -> Iterator[Hit]:
    """A waiver of waivers.yaml is past its `expires` day."""
    if not registry.waivers:
        return
    from datetime import date  # datetime's import: 2 % of a small validate's start-up

    today = date.today()
    for waiver in registry.waivers:
        if waiver.expired(today):
            yield Hit(
                None,
                registry.locate(WAIVERS_FILE, ("waivers", waiver.index, "expires")),
                f"waiver of {waiver.rule} for '{waiver.subject}' expired on "
                f"{waiver.expires.isoformat()}",
                "Remove the entry (the change it accepted is history), or renew it with a new "
                "`expires` date and reason in a reviewed pull request.",
            )


def unknown_waiver_rules(registry: Registry) -> Iterator[Hit]:
    """A waiver names a rule the diff does not have: it could never cover a change."""
    from registry.diff.rules import DIFF_BY_ID

    known = sorted(DIFF_BY_ID)
    for waiver in registry.waivers:
        if waiver.rule not in DIFF_BY_ID:
            yield Hit(
                None,
                registry.locate(WAIVERS_FILE, ("waivers", waiver.index, "rule")),
                f"waiver rule '{waiver.rule}' is no rule of the diff",
                did_you_mean(waiver.rule, known) + "Name a rule of docs/rules.md (diff rules).",
            )


class _Described:
    """A property's description for a message, built only when a check reports it (a
    2,000-event plan has 50,000 keys and almost none to report)."""

    __slots__ = ("kind", "name", "nested", "suffix")

    def __init__(self, kind: str, name: str, suffix: str, nested: str | None = None) -> None:
        self.kind, self.name, self.suffix, self.nested = kind, name, suffix, nested

    def __str__(self) -> str:
        if self.nested is None:
            return f"{self.kind} '{self.name}'{self.suffix}"
        return f"nested property '{self.nested}' of {self.kind} '{self.name}'{self.suffix}"


def _property_keys(plan: Plan) -> Iterator[tuple[_Described, str, str, tuple[Any, ...]]]:
    """(description, key, file, path) of every property and trait key of a plan."""
    kinds = {
        "properties": "shared property",
        "common": "common property",
        "identify": "identify trait",
        "group": "group trait",
    }
    for section, event, props in plan.property_maps():
        if section == VARIANTS:  # a case names the event's own properties: checked there
            continue
        suffix = f" of event '{event}'" if event is not None else ""
        kind = kinds.get(section, "property")
        for prop in props.values():
            yield _Described(kind, prop.name, suffix), prop.name, prop.file, prop.path
            spec = prop.spec
            if not (
                isinstance(spec.get("properties"), dict) or isinstance(spec.get("items"), dict)
            ):
                continue  # most properties have nothing nested
            for nested in walk_properties({prop.name: spec}, prop.path[:-1]):
                if nested.name is not None and nested.spec is not spec:
                    yield (_Described(kind, prop.name, suffix, nested.name), nested.name,
                           prop.file, nested.path)  # fmt: skip


def unsupported_patterns(registry: Registry) -> Iterator[Hit]:
    """A property `pattern` RE2 cannot take (backreferences, lookaround, bad syntax): every
    pattern of a plan runs in RE2, so it would check nothing."""
    for plan in _plans(registry):
        for _section, event, props in plan.property_maps():
            for prop in props.values():
                for found in walk_properties({prop.name: prop.spec}, prop.path[:-1]):
                    pattern = found.spec.get("pattern")
                    if not isinstance(pattern, str):
                        continue
                    problem = pattern_problem(pattern)
                    if problem is None:
                        continue
                    owner = f" of event '{event}'" if event is not None else ""
                    yield Hit(
                        plan.id,
                        registry.locate(prop.file, (*found.path, "pattern")),
                        f"pattern of '{found.name or prop.name}'{owner} is not a regular "
                        f"expression RE2 takes ({problem})",
                        "Rewrite it in RE2 syntax (no backreferences or lookaround): trackplan "
                        "runs every pattern in linear time, so a pattern cannot stall a check.",
                    )


def event_grammar(registry: Registry) -> Iterator[Hit]:
    """With `event_grammar: object-action`, event names read 'Object Action' (Order Completed)."""
    for plan in _plans(registry):
        if _conventions(registry, plan).event_grammar != "object-action":
            continue
        for name in sorted(plan.events):
            problem = naming.object_action_problem(name)
            if problem is not None:
                better = naming.object_action_suggestion(name)
                hint = (
                    f"Rename it to '{better}'"
                    if better != name
                    else "Rename it to an object then a past-tense action, e.g. 'Order Completed'"
                )
                yield Hit(
                    plan.id,
                    plan.events[name].location,
                    f"event name '{name}' is not object-action: {problem}",
                    hint + " (keep the old name in renamed_from).",
                )


def dynamic_event_names(registry: Registry) -> Iterator[Hit]:
    """With `forbid_dynamic_names`, event names embed no dates, ids or counters."""
    for plan in _plans(registry):
        if not _conventions(registry, plan).forbid_dynamic_names:
            continue
        for name in sorted(plan.events):
            part = naming.dynamic_part(name)
            if part is not None:
                yield Hit(
                    plan.id,
                    plan.events[name].location,
                    f"event name '{name}' embeds a dynamic value '{part}'",
                    "Name the action once and send the value as a property instead.",
                )


def dynamic_property_names(registry: Registry) -> Iterator[Hit]:
    """With `forbid_dynamic_names`, property keys embed no dates, ids or counters."""
    for plan in _plans(registry):
        if not _conventions(registry, plan).forbid_dynamic_names:
            continue
        for what, name, file, path in _property_keys(plan):
            part = naming.dynamic_part(name)
            if part is not None:
                yield Hit(
                    plan.id,
                    registry.locate(file, path),
                    f"{what} embeds a dynamic value '{part}'",
                    "Use one key and put the varying part in its value "
                    "(e.g. a list or a mapping property).",
                )


def _plans(registry: Registry) -> list[Plan]:
    return [registry.plans[k] for k in sorted(registry.plans)]
