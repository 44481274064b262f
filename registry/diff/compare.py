"""Compare two snapshots: the changes, each plan's next version, and HEAD's validation."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from registry.diff.changes import BREAKING, ERROR, INFO, NONE, WARNING, Change
from registry.diff.engine import diff_registries, plan_bumps
from registry.diff.waivers import Waived, match_waivers
from registry.findings import Finding, sort_findings
from registry.lint.rules import blocking_checks, blocks_diff, fold_cascades, run_checks
from registry.load.loader import ParseCache, load_registry, read_yaml_files
from registry.load.model import Registry
from registry.load.policy import BASE, SIDES, Policy
from registry.load.snapshot import Snapshot
from registry.records import field, record, replace
from registry.release.versions import next_version


@record(frozen=True)
class PlanSummary:
    """One changed plan: its bump, released version, next version and change counts."""

    plan: str
    bump: str
    current: str | None
    next: str | None
    breaking: int
    warnings: int
    info: int
    errors: int = 0  # changes the policy forbids


@record
class DiffReport:
    base_label: str
    head_label: str
    base: Registry
    head: Registry
    changes: list[Change]
    plans: list[PlanSummary]
    head_findings: list[Finding] = field(default_factory=list)
    changed_files: list[str] = field(default_factory=list)  # registry files that differ
    # Plans left out of the diff: a file of theirs does not parse or a definition does not
    # validate (on either side), so what it defines would look removed or mean nonsense.
    unreadable: list[str] = field(default_factory=list)
    # Why: the blocking findings of BASE and HEAD, as ("BASE" | "HEAD", finding).
    blocking: list[tuple[str, Finding]] = field(default_factory=list)
    # Which side's policy judged the change ("base" unless HEAD's was asked for).
    policy: str = BASE
    # The changes waivers cover: accepted (the judging side holds the waiver) or pending.
    waived: list[Waived] = field(default_factory=list)

    @property
    def fail_on(self) -> str:
        """The fail level of the policy that judged the change."""
        return self.head.policy.settings.fail_on

    def count(self, level: str) -> int:
        return sum(1 for c in self.changes if c.level == level)


def compare(
    base: Snapshot,
    head: Snapshot,
    *,
    released: dict[str, str] | None = None,
    parse: ParseCache | None = None,
    validate_head: bool = True,
    today: date | None = None,
    policy: str | Policy = BASE,
    additions: str | None = None,
) -> DiffReport:
    """Load both snapshots (sharing one parse cache) and diff them.

    HEAD is judged by `policy`'s side: BASE's settings and plan conventions unless "head" is
    asked for (a preview of a policy change), or a Policy given (the bot's: the base branch's
    tip); a change to them is itself reported.
    `released` maps plan ids to their latest released version (from git tags); plans absent
    from it are released at `release.first_version` of the policy's trackplan.yaml.
    `additions`: how adding an optional property counts (`additive` or `strict`, see
    `registry.diff.engine.diff_registries`); by default the judging policy's.
    """
    if not isinstance(policy, Policy) and policy not in SIDES:
        raise ValueError(f"policy must be one of {', '.join(SIDES)}, not {policy!r}")
    if getattr(parse, "parallel", False):  # registry.load.cache.ParseCache with workers
        # Both sides' files in one set of workers, not one set each (a 20,000-event diff:
        # 10.7 s with a set per side, 8.7 s with one).
        parse.prefetch(read_yaml_files(base, head))  # type: ignore[union-attr]
    old = load_registry(base, parse=parse)
    new = load_registry(head, parse=parse)
    if isinstance(policy, Policy):
        new.registry.policy_from = policy
    elif policy == BASE:
        new.registry.policy_from = Policy.of(old.registry, BASE)
    files = changed_files(base, head)
    # Only plans whose files changed can have changes: the (costly) checks that decide
    # whether a plan can be compared at all run on those alone.
    touched = _plans_of(files, old.registry, new.registry)
    checked = (run_checks(new.registry) if validate_head
               else blocking_checks(_only(new.registry, old.registry, touched)))  # fmt: skip
    findings = fold_cascades(new.findings + checked) if validate_head else list(new.findings)
    base_checked = blocking_checks(_only(old.registry, new.registry, touched))
    blocking = [("BASE", f) for f in old.findings + base_checked if blocks_diff(f)]
    blocking += [("HEAD", f) for f in new.findings + checked if blocks_diff(f)]
    unreadable = sorted({f.plan for _, f in blocking if f.plan})
    changes = [c for c in diff_registries(old.registry, new.registry, today, additions)
               if c.plan not in unreadable]  # fmt: skip
    first = new.registry.policy.settings.release.first_version
    summaries = []
    bumps = plan_bumps(changes)
    for plan in sorted(bumps):
        counts = Counter(c.level for c in changes if c.plan == plan)
        current = (released or {}).get(plan)
        bump = bumps[plan]
        upcoming = next_version(current, bump, first) if plan in new.registry.plans else None
        summaries.append(
            PlanSummary(plan, bump, current, upcoming, counts[BREAKING], counts[WARNING],
                        counts[INFO], counts[ERROR])
        )  # fmt: skip
    waived = match_waivers(changes, new.registry.policy.waivers, new.registry.waivers,
                           today or date.today())  # fmt: skip
    return DiffReport(
        base.label, head.label, old.registry, new.registry, changes, summaries,
        sort_findings(findings), files, unreadable,
        sorted(blocking, key=lambda item: (item[0] == "HEAD", item[1].sort_key())),
        new.registry.policy.side, waived,
    )  # fmt: skip


def _plans_of(files: list[str], *registries: Registry) -> set[str]:
    if any(not f.startswith("plans/") for f in files):  # settings or CODEOWNERS: all plans
        return {plan for registry in registries for plan in registry.plans}
    return {f.split("/")[1] for f in files if f.count("/") >= 2}


def _only(registry: Registry, other: Registry, plans: set[str]) -> Registry:
    """The parts of `registry` that differ from `other`: the touched plans, and in each only
    the events whose definition changed (all, when a plan-wide section changed)."""
    kept = {}
    for plan_id, plan in registry.plans.items():
        if plan_id not in plans:
            continue
        twin = other.plans.get(plan_id)
        sections = ("shared", "common", "identify", "group")
        if twin is None or any(_specs(getattr(plan, s)) != _specs(getattr(twin, s))
                               for s in sections):  # fmt: skip
            kept[plan_id] = plan
            continue
        events = {name: event for name, event in plan.events.items()
                  if name not in twin.events or twin.events[name].spec != event.spec}  # fmt: skip
        kept[plan_id] = replace(plan, events=events)
    return replace(registry, plans=kept)


def _specs(props: dict[str, Any]) -> dict[str, Any]:
    return {name: prop.spec for name, prop in props.items()}


def changed_files(base: Snapshot, head: Snapshot) -> list[str]:
    """Registry files added, removed or modified between two snapshots."""
    old, new = set(base.paths()), set(head.paths())
    differ = {p for p in old & new if base.digest(p) != head.digest(p)}
    return sorted((old ^ new) | differ)


def unchanged(report: DiffReport) -> bool:
    return not report.changes or all(s.bump == NONE for s in report.plans)
