"""Who must approve a change to the plans, and whether their approvals are in.

Owner groups come from CODEOWNERS read from the *base* (so a pull request cannot edit its
way out of review) and from the `owners:` of each changed plan and event (base version for
changed and removed subjects, head version for added ones): plan owners add requirements,
they never remove any. Policy (`review:` in trackplan.yaml): with `any-owner` a group is
satisfied by one approval from any of its owners; with `all-owners` every owner of the
group must approve. A team owner is satisfied by any member's approval.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from registry.diff.changes import SEVERE, Change
from registry.diff.waivers import Waived
from registry.escape import md_code, md_text
from registry.load.model import Plan, Registry
from registry.records import field, record

ALL_OWNERS = "all-owners"
WAIVERS = "waivers"
APPROVED, CHANGES_REQUESTED, DISMISSED, COMMENTED = (
    "APPROVED", "CHANGES_REQUESTED", "DISMISSED", "COMMENTED"
)  # fmt: skip


@record(frozen=True)
class OwnerGroup:
    """Owners who must sign off on part of a change, and why."""

    owners: tuple[str, ...]
    why: str  # e.g. "CODEOWNERS .github/CODEOWNERS:3 (/plans/shop/)" or "event 'Order Completed'"
    breaking: bool = False
    kind: str = ""  # WAIVERS: approving it accepts the waivers the change adds


@record(frozen=True)
class Review:
    """A pull request review as GitHub lists it (in submission order)."""

    user: str
    state: str
    commit_id: str = ""


@record
class GroupStatus:
    group: OwnerGroup
    policy: str
    approved_by: dict[str, str] = field(default_factory=dict)  # owner -> approving user
    changes_requested_by: list[str] = field(default_factory=list)

    @property
    def missing(self) -> list[str]:
        """Owners whose approval is still needed."""
        if self.policy == ALL_OWNERS:
            return [o for o in self.group.owners if o not in self.approved_by]
        return [] if self.approved_by else list(self.group.owners)

    @property
    def satisfied(self) -> bool:
        return not self.missing and not self.changes_requested_by and bool(self.group.owners)


@record
class ApprovalStatus:
    groups: list[GroupStatus]

    @property
    def satisfied(self) -> bool:
        return all(g.satisfied for g in self.groups)

    def owners_to_request(self) -> list[str]:
        """Every owner still missing from some group, in a stable order."""
        wanted: dict[str, None] = {}
        for status in self.groups:
            for owner in status.missing:
                wanted.setdefault(owner, None)
        return list(wanted)


def _owners(value: object) -> tuple[str, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(v for v in value if isinstance(v, str))


def owner_groups(
    base: Registry,
    head: Registry,
    changed_files: Iterable[str],
    changes: Sequence[Change],
    *,
    policy_from: Registry | None = None,
    waived: Sequence[Waived] = (),
) -> list[OwnerGroup]:
    """The groups that must approve: CODEOWNERS, plan and event owners, and the approvers
    the judging policy adds (registry.review.policy_groups).

    CODEOWNERS and the owners written in plans come from `policy_from` — the tip of the
    base branch, as the bot sees it — and default to `base`; owners named on either side
    of the diff add to them, never replace them.
    """
    # Imported here: the policy's groups are built from this module's OwnerGroup.
    from registry.review.policy_groups import policy_groups

    policy = policy_from or base
    groups: dict[tuple[tuple[str, ...], str], bool] = {}

    def add(owners: tuple[str, ...], why: str, breaking: bool) -> None:
        if owners:
            groups[(owners, why)] = groups.get((owners, why), False) or breaking

    # A breaking change is breaking in each file that defines its subject, on either side:
    # an event moved to another file and changed there still needs all the owners of the
    # file it came from.
    breaking_files = {c.location.file for c in changes if c.level in SEVERE}
    for change in changes:
        if change.level in SEVERE:
            breaking_files |= _definition_files(change, base, head)
    codeowners = policy.codeowners
    for path in sorted(set(changed_files)):
        rule = codeowners.rule_for(path)
        if rule is not None:
            where = f"{policy.codeowners_path}:{rule.line}"
            add(rule.owners, f"CODEOWNERS {where} ({rule.pattern})", path in breaking_files)
    for change in changes:
        breaking = change.level in SEVERE
        side = head if change.rule.endswith("-added") else base
        plan = side.plans.get(change.plan) or head.plans.get(change.plan)
        if plan is None:
            continue
        tip_plan = policy.plans.get(change.plan)
        plan_owners = [_owners(p.meta.get("owners")) for p in (tip_plan, plan) if p is not None]
        add(merged(*plan_owners), f"plan '{plan.id}'", breaking)
        events = [_event_of(change, plan, base, head)]
        if tip_plan is not None:
            events.insert(0, _event_of(change, tip_plan, policy, policy))
        found = [e for e in events if e is not None]
        if found:
            add(merged(*(owners for owners, _ in found)), f"event '{found[-1][1]}'", breaking)
    owned = [OwnerGroup(owners, why, breaking) for (owners, why), breaking in sorted(
             groups.items(), key=lambda item: item[0][1])]  # fmt: skip
    extra = policy_groups(base, head, changes, policy, waived)
    return owned + [g for g in extra if (g.owners, g.why) not in groups]


def merged(*lists: tuple[str, ...]) -> tuple[str, ...]:
    """Owners of several sources, each once, in order of first mention."""
    return tuple(dict.fromkeys(owner for owners in lists for owner in owners))


def _event_of(
    change: Change, plan: Plan, base: Registry, head: Registry
) -> tuple[tuple[str, ...], str] | None:
    parts = change.path
    if parts[0] != "events" or len(parts) < 2:
        return None
    name = parts[1]
    for source in (plan, base.plans.get(change.plan), head.plans.get(change.plan)):
        if source is None:
            continue
        event = source.events.get(name) or source.events.get(str(change.old))
        if event is not None:
            return _owners(event.spec.get("owners")), event.name
    return None


def _definition_files(change: Change, base: Registry, head: Registry) -> set[str]:
    """The files that define a change's event (or its plan's parts) in base and head."""
    parts = change.path
    found = set()
    for side in (base, head):
        plan = side.plans.get(change.plan)
        if plan is None:
            continue
        if parts[0] == "events" and len(parts) >= 2:
            event = plan.events.get(parts[1]) or plan.events.get(str(change.old))
            if event is not None:
                found.add(event.file)
        elif parts[0] in ("common", "identify", "group") and len(parts) >= 3:
            # Traits and common properties may be written in any file of the plan.
            section = getattr(plan, parts[0])
            defined = section.get(parts[2]) or section.get(str(change.old))
            if defined is not None:
                found.add(defined.file)
            elif plan.meta_file:
                found.add(plan.meta_file)
        elif plan.meta_file:
            found.add(plan.meta_file)
    return found


def teams_of(groups: Sequence[OwnerGroup]) -> list[str]:
    """The teams (`@org/team`) the groups name, each once, in order: whose members to fetch."""
    return list(
        dict.fromkeys(o for g in groups for o in g.owners if o.startswith("@") and "/" in o)
    )


def evaluate(
    groups: Sequence[OwnerGroup],
    reviews: Sequence[Review],
    *,
    author: str,
    head_sha: str,
    breaking_policy: str,
    default_policy: str,
    fresh_only: bool,
    members: Mapping[str, Iterable[str]],
) -> ApprovalStatus:
    """Match the reviews against the groups. `members["@org/team"]` lists a team's logins
    (the caller fetches them first, for teams_of(groups): the decision never calls out); a
    team missing from it has nobody who can approve for it."""
    latest: dict[str, Review] = {}
    for review in reviews:
        if review.state == COMMENTED:
            continue  # a comment neither approves nor blocks
        latest[review.user.lower()] = review
    approving = {user: r for user, r in latest.items()
                 if r.state == APPROVED and user != author.lower()}  # fmt: skip
    approvers = {user for user, r in approving.items()
                 if not fresh_only or r.commit_id == head_sha}  # fmt: skip
    # A waiver is accepted for the waivers as they stand: never by an approval of an
    # earlier commit, whose waivers the author may have widened since.
    fresh = {user for user, r in approving.items() if r.commit_id == head_sha}
    blockers = {user for user, r in latest.items() if r.state == CHANGES_REQUESTED}
    team_cache: dict[str, set[str]] = {}

    def who_of(owner: str, users: set[str]) -> list[str]:
        """The users among `users` that act for `owner`."""
        if owner.startswith("@") and "/" in owner:
            if owner not in team_cache:
                team_cache[owner] = {m.lower() for m in members.get(owner, ())}
            return sorted(users & team_cache[owner])
        login = owner[1:].lower() if owner.startswith("@") else owner.lower()
        return [login] if login in users else []

    statuses = []
    for group in groups:
        status = GroupStatus(group, breaking_policy if group.breaking else default_policy)
        counted = fresh if group.kind == WAIVERS else approvers
        for owner in group.owners:
            approved = who_of(owner, counted)
            if approved:
                status.approved_by[owner] = approved[0]
            status.changes_requested_by += who_of(owner, blockers)
        status.changes_requested_by = sorted(set(status.changes_requested_by))
        statuses.append(status)
    return ApprovalStatus(statuses)


# A row lists at most this many reasons, and the table at most this many owners: a change
# that touches thousands of owned events must still fit GitHub's 65,536-character comment.
MAX_REASONS = 5
MAX_ROWS = 100


@record
class OwnerRow:
    """One owner's row: every reason they must approve, and every group naming them."""

    owner: str
    whys: list[str] = field(default_factory=list)
    every: bool = False  # some reason needs every owner
    breaking: bool = False
    groups: list[GroupStatus] = field(default_factory=list)

    def why(self) -> str:
        shown = self.whys[:MAX_REASONS]
        more = len(self.whys) - len(shown)
        return "; ".join(shown) + (f"; and {more} more" if more else "")

    def need(self) -> str:
        return ("every owner" if self.every else "any owner") + (
            " (breaking)" if self.breaking else ""
        )

    def state(self, asked: set[str], offline: bool) -> str:
        """Approved, blocked, not needed (every group naming them is satisfied), or awaited."""
        for status in self.groups:
            if self.owner in status.approved_by:  # a login as a code span: shown, not pinged
                return f"✅ approved by {md_code('@' + status.approved_by[self.owner])}"
        blocking = sorted({u for s in self.groups for u in s.changes_requested_by})
        if blocking:
            return "⛔ changes requested by " + ", ".join(md_code(f"@{u}") for u in blocking)
        if all(s.satisfied for s in self.groups):
            return "✅ not needed (the groups are satisfied)"
        if offline:
            return "needs approval"
        return "⏳ review requested" if self.owner in asked else "⏳ waiting"


def owner_rows(status: ApprovalStatus) -> list[OwnerRow]:
    """Each owner once, in the order the groups first name them."""
    rows: dict[str, OwnerRow] = {}
    for group_status in status.groups:
        group = group_status.group
        for owner in group.owners:
            row = rows.setdefault(owner, OwnerRow(owner))
            if group.why not in row.whys:
                row.whys.append(group.why)
            row.every = row.every or group_status.policy == ALL_OWNERS
            row.breaking = row.breaking or group.breaking
            row.groups.append(group_status)
    return list(rows.values())


def stakeholder_table(
    status: ApprovalStatus, requested: Iterable[str] = (), offline: bool = False
) -> str:
    """The Markdown stakeholder table of the review comment: one row per owner, every reason
    they must approve merged into it."""
    asked = set(requested)
    rows = ["### Stakeholders", "", "| Owner | Why | Status |", "| --- | --- | --- |"]
    owners = owner_rows(status)
    for row in owners[:MAX_ROWS]:
        rows.append(f"| {md_code(row.owner)} | {md_text(row.why())} — {row.need()} | "
                    f"{row.state(asked, offline)} |")  # fmt: skip
    if len(owners) > MAX_ROWS:
        rows.append(f"| … | and {len(owners) - MAX_ROWS} more owners | — |")
    if not owners:
        rows.append("| — | No owners: CODEOWNERS and the plans name nobody | — |")
    return "\n".join(rows)


def approver_lines(status: ApprovalStatus, limit: int = MAX_ROWS) -> list[str]:
    """Each required approver with every line of policy (CODEOWNERS, owners:, policy:,
    privacy:, consumers:) that requires them and where they stand: the check run's account
    of its decision."""
    rows = owner_rows(status)
    lines = ["### Required approvers", ""]
    for row in rows[:limit]:
        lines.append(f"- {md_code(row.owner)}, {row.need()}: {md_text('; '.join(row.whys))} — "
                     f"{row.state(set(), False)}")  # fmt: skip
    if len(rows) > limit:
        lines.append(f"- …and {len(rows) - limit} more")
    if not rows:
        lines.append("- nobody: CODEOWNERS, the plans and the policy name no owner")
    return lines


def stakeholder_lines(status: ApprovalStatus) -> str:
    """The stakeholders as plain text, one line per owner (offline: no reviews yet)."""
    lines = ["Stakeholders:"]
    lines += [f"  {row.owner}: {'; '.join(row.whys)}, {row.need()}" for row in owner_rows(status)]
    if len(lines) == 1:
        lines.append("  nobody: CODEOWNERS and the plans name no owner")
    return "\n".join(lines)
