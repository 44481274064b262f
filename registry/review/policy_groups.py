"""The approvers a registry's policy adds beyond owners: per rule or level, privacy, consumers,
and the owners of waivers.yaml for a waiver the change under review adds.

Every group says which line of which file asked for it (`policy trackplan.yaml:9: rule
property-removed`), so a reviewer can see why they are asked. The policy is the judging
side's (BASE's), and so are the consumers and the CODEOWNERS line of waivers.yaml; consumers
named on either side of the diff add to them, like owners.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from registry.diff.changes import SEVERE, Change
from registry.diff.engine import in_scope
from registry.diff.waivers import PENDING, Waived, new_waivers
from registry.load.model import Plan, Registry, walk_properties
from registry.load.pii import carries
from registry.load.resolve import ResolveError, resolved_spec
from registry.load.snapshot import SETTINGS_FILE, WAIVERS_FILE
from registry.review.approvals import ALL_OWNERS, WAIVERS, OwnerGroup, merged

# Rules whose change brings a new definition: personal data in it asks the privacy reviewers.
ADDING_RULES = ("plan-added", "event-added", "property-added", "required-property-added")
PII_RULE = "property-pii-changed"
PLAN_POLICY_RULE = "plan-policy-changed"


def policy_groups(
    base: Registry,
    head: Registry,
    changes: Sequence[Change],
    policy_from: Registry,
    waived: Sequence[Waived] = (),
) -> list[OwnerGroup]:
    """The groups the judging policy (`head.policy`, BASE's in a review) requires."""
    groups: dict[tuple[tuple[str, ...], str], OwnerGroup] = {}

    def add(owners: tuple[str, ...], why: str, severe: bool, kind: str = "") -> None:
        if not owners:
            return
        known = groups.get((owners, why))
        groups[(owners, why)] = OwnerGroup(owners, why, severe or bool(known and known.breaking),
                                           kind)  # fmt: skip

    policy = head.policy
    accepted = {id(w.change) for w in waived if w.status != PENDING}
    every_owner = policy.settings.review.breaking == ALL_OWNERS
    for change in changes:
        severe = change.level in SEVERE
        for entry in policy.rules(change.plan):
            if not entry.approvers or not in_scope(entry, change.plan, change.subject):
                continue
            if entry.names(change.rule) or (entry.rule is None and change.level == entry.level):
                add(entry.approvers, f"policy {entry.where()}: {entry.describe()}", severe)
        # A plan cannot loosen the registry on its own: neither by changing its `policy:`
        # nor by arriving with one (which, once merged, judges the plan's next changes).
        if change.rule == PLAN_POLICY_RULE:
            owners, why = owners_of(policy_from, SETTINGS_FILE)
            add(owners, f"the policy of plan '{change.plan}' changed ({why})", False)
        elif change.rule == "plan-added" and _has_policy(head, change.plan):
            owners, why = owners_of(policy_from, SETTINGS_FILE)
            add(owners, f"new plan '{change.plan}' brings its own policy ({why})", False)
        if _touches_personal_data(change, head):
            for owners, where in policy.privacy(change.plan):
                add(owners, f"privacy reviewers ({where}): personal data changed", severe)
        if severe and every_owner and id(change) not in accepted:
            for owners, why in _consumers(change, policy_from, base, head):
                add(owners, why, True)
    added = new_waivers(policy.waivers, head.waivers)
    if added:
        owners, why = waiver_owners(policy_from)
        count = len(added)
        add(owners, f"{WAIVERS_FILE}: {count} new waiver{'s' if count != 1 else ''} "
                    f"({why})", False, WAIVERS)  # fmt: skip
    return sorted(groups.values(), key=lambda g: g.why)


def _has_policy(registry: Registry, plan_id: str) -> bool:
    plan = registry.plans.get(plan_id)
    return plan is not None and plan.meta.get("policy") is not None


def waiver_owners(policy_from: Registry) -> tuple[tuple[str, ...], str]:
    """Who approves a new waiver: the CODEOWNERS owners of waivers.yaml, else of
    trackplan.yaml (the policy file), and where that is written; nobody when neither has one
    (the review then fails until such a line is merged)."""
    owners, why = owners_of(policy_from, WAIVERS_FILE)
    return (owners, why) if owners else owners_of(policy_from, SETTINGS_FILE)


def owners_of(policy_from: Registry, path: str) -> tuple[tuple[str, ...], str]:
    """The owners CODEOWNERS (the judging side's) gives a registry file, and its line."""
    rule = policy_from.codeowners.rule_for(path)
    if rule is None or not rule.owners:
        return (), f"no CODEOWNERS line names owners of {path}"
    return rule.owners, f"CODEOWNERS {policy_from.codeowners_path}:{rule.line} for {path}"


def _touches_personal_data(change: Change, head: Registry) -> bool:
    if change.rule == PII_RULE:
        return True
    if change.rule not in ADDING_RULES:
        return False
    plan = head.plans.get(change.plan)
    return plan is not None and any(carries(spec.get("pii")) for spec in _specs(plan, change))


def _specs(plan: Plan, change: Change) -> Iterator[dict[str, Any]]:
    """Every property spec at or inside the change's subject in `plan` ($refs resolved)."""
    segments = change.path
    if change.rule == "plan-added":
        for _, _, section in plan.property_maps():
            for found in walk_properties({n: p.spec for n, p in section.items()}, ()):
                yield _resolved(found.spec, plan)
        return
    if segments[0] == "events" and len(segments) > 1:
        event = plan.events.get(segments[1])
        if event is None:
            return
        props: dict[str, Any] = {n: p.spec for n, p in event.properties.items()}
        for case in event.cases:
            props.update({f"{n}#case": p.spec for n, p in case.properties.items()})
        rest = segments[2:]
    elif segments[0] in ("identify", "group", "common"):
        section = getattr(plan, segments[0], {})
        # common/properties/x, identify/traits/x
        props, rest = {n: p.spec for n, p in section.items()}, segments[1:]
    else:
        return
    target = _spec_at(props, rest, plan)
    if target is not None:
        for found in walk_properties({"": target}, ()):
            yield _resolved(found.spec, plan)


def _spec_at(props: dict[str, Any], rest: tuple[str, ...], plan: Plan) -> dict[str, Any] | None:
    """The spec a change's path names below its owner (`properties/cart/items/properties/
    sku`), or the owner's whole map when the path names no property (an added event)."""
    spec: dict[str, Any] | None = None
    i = 0
    while i < len(rest):
        if rest[i] in ("properties", "traits") and i + 1 < len(rest):
            found = (props if spec is None else spec.get("properties") or {}).get(rest[i + 1])
            if not isinstance(found, dict):
                return None
            spec = _resolved(found, plan)
            i += 2
        elif rest[i] == "items" and spec is not None and isinstance(spec.get("items"), dict):
            spec = _resolved(spec["items"], plan)
            i += 1
        else:
            break
    return spec if spec is not None else {"properties": props}


def _resolved(spec: dict[str, Any], plan: Plan) -> dict[str, Any]:
    try:
        return resolved_spec(spec, plan)
    except ResolveError:
        return spec


def _consumers(change: Change, policy_from: Registry, base: Registry,
               head: Registry) -> Iterator[tuple[tuple[str, ...], str]]:  # fmt: skip
    """(owners, why) of whoever reads what a severe change breaks: the event's consumers and
    the plan's, as the judging side names them, plus either side of the diff."""
    sides = [policy_from, base, head]
    plans = [r.plans.get(change.plan) for r in sides]
    found = [p for p in plans if p is not None]
    plan_owners = merged(*(consumer_owners(p.meta.get("consumers")) for p in found))
    if plan_owners:
        yield plan_owners, f"consumers of plan '{change.plan}'"
    segments = change.path
    if segments[0] != "events" or len(segments) < 2:
        return
    names = {segments[1]}
    if change.rule == "event-renamed":  # its readers may be named under the old name only
        names.add(str(change.old))
    events = [p.events[n] for p in found for n in sorted(names) if n in p.events]
    owners = merged(*(consumer_owners(e.spec.get("consumers")) for e in events))
    if owners:
        yield owners, f"consumers of event '{events[0].name}'"


def consumer_owners(value: Any) -> tuple[str, ...]:
    """The owners a `consumers:` list names: each owner string, and each named consumer's
    `owner` (a consumer without one is named in the review, never asked)."""
    if not isinstance(value, list):
        return ()
    found = [v if isinstance(v, str) else v.get("owner") for v in value
             if isinstance(v, (str, dict))]  # fmt: skip
    return merged(tuple(o for o in found if isinstance(o, str)))


def consumer_names(value: Any) -> list[str]:
    """How the review names each consumer: `Revenue dashboard (@acme/finance)`, `@acme/bi`."""
    if not isinstance(value, list):
        return []
    names = []
    for item in value:
        if isinstance(item, str):
            names.append(item)
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            owner = item.get("owner")
            names.append(item["name"] + (f" ({owner})" if isinstance(owner, str) else ""))
    return names
