"""Approval policy: owner groups from base CODEOWNERS and plan owners, reviews matched to them."""

from __future__ import annotations

import pytest

from registry.diff.compare import compare
from registry.load.snapshot import MemorySnapshot
from registry.review.approvals import (
    ApprovalStatus,
    OwnerGroup,
    Review,
    evaluate,
    owner_groups,
    stakeholder_table,
)

TEAMS = {"@acme/growth": ["gina", "gus"], "@acme/payments": ["paula"]}
PLAN = "plans/web/plan.yaml"
BASE = {
    ".github/CODEOWNERS": b"* @acme/data\n/plans/web/ @acme/growth\n",
    PLAN: b"plan:\n  id: web\n  owners: ['@acme/growth']\nevents:\n"
    b"  Signup:\n    owners: ['@acme/growth', '@acme/payments']\n    properties: {}\n",
}
HEAD = {
    # The pull request also edits CODEOWNERS to drop @acme/growth: it must not help.
    ".github/CODEOWNERS": b"* @acme/data\n",
    PLAN: b"plan:\n  id: web\n  owners: ['@acme/growth']\nevents:\n"
    b"  Signed Up:\n    renamed_from: [Signup]\n"
    b"    owners: ['@acme/growth', '@acme/payments']\n    properties: {}\n",
}


def status(reviews: list[Review], author: str = "alice", head: str = "h2") -> ApprovalStatus:
    report = compare(MemorySnapshot(BASE), MemorySnapshot(HEAD), validate_head=False)
    groups = owner_groups(report.base, report.head, report.changed_files, report.changes)
    return evaluate(
        groups, reviews, author=author, head_sha=head, breaking_policy="all-owners",
        default_policy="any-owner", fresh_only=True, members=TEAMS,
    )  # fmt: skip


def whys(result: ApprovalStatus) -> dict[str, tuple[str, ...]]:
    return {g.group.why: g.group.owners for g in result.groups}


def test_groups_come_from_base_codeowners_and_plan_and_event_owners() -> None:
    groups = whys(status([]))
    assert groups == {
        "CODEOWNERS .github/CODEOWNERS:1 (*)": ("@acme/data",),
        "CODEOWNERS .github/CODEOWNERS:2 (/plans/web/)": ("@acme/growth",),
        "event 'Signup'": ("@acme/growth", "@acme/payments"),
        "plan 'web'": ("@acme/growth",),
    }


def test_breaking_change_needs_every_team_of_the_event() -> None:
    one = status([Review("gina", "APPROVED", "h2"), Review("dan", "APPROVED", "h2")])
    event = next(g for g in one.groups if g.group.why == "event 'Signup'")
    assert event.missing == ["@acme/payments"]
    assert not one.satisfied
    both = status([Review("gina", "APPROVED", "h2"), Review("paula", "APPROVED", "h2")])
    assert [g.group.why for g in both.groups if not g.satisfied] == [
        "CODEOWNERS .github/CODEOWNERS:1 (*)"
    ]


def test_the_author_never_counts_and_stale_approvals_do_not_count() -> None:
    own = status([Review("gina", "APPROVED", "h2")], author="gina")
    assert all(not g.approved_by for g in own.groups)
    stale = status([Review("gina", "APPROVED", "h1")])
    assert all(not g.approved_by for g in stale.groups)


def test_changes_requested_blocks_until_the_same_owner_approves() -> None:
    blocked = status([Review("paula", "CHANGES_REQUESTED", "h2"), Review("gina", "APPROVED", "h2")])
    event = next(g for g in blocked.groups if g.group.why == "event 'Signup'")
    assert event.changes_requested_by == ["paula"] and not event.satisfied
    later = status([Review("paula", "CHANGES_REQUESTED", "h2"), Review("paula", "APPROVED", "h2"),
                    Review("gina", "APPROVED", "h2")])  # fmt: skip
    event = next(g for g in later.groups if g.group.why == "event 'Signup'")
    assert event.satisfied


def test_dismissed_review_counts_for_nothing() -> None:
    result = status([Review("gina", "APPROVED", "h2"), Review("gina", "DISMISSED", "h2")])
    assert all(not g.approved_by for g in result.groups)


def test_owners_to_request_lists_every_missing_owner_once() -> None:
    result = status([Review("gina", "APPROVED", "h2")])
    assert result.owners_to_request() == ["@acme/data", "@acme/payments"]


def test_any_owner_policy_is_satisfied_by_one_owner() -> None:
    group = OwnerGroup(("@acme/growth", "@acme/payments"), "event 'X'")
    result = evaluate(
        [group], [Review("paula", "APPROVED", "h")], author="a", head_sha="h",
        breaking_policy="all-owners", default_policy="any-owner", fresh_only=True,
        members=TEAMS,
    )  # fmt: skip
    assert result.satisfied


def test_an_owner_still_needed_by_one_group_is_never_shown_as_not_needed() -> None:
    # Group A (@x, @y) is satisfied by @y; group B (@x alone) still needs @x.
    groups = [OwnerGroup(("@x", "@y"), "event 'A'"), OwnerGroup(("@x",), "event 'B'")]
    result = evaluate(
        groups, [Review("y", "APPROVED", "h")], author="alice", head_sha="h",
        breaking_policy="all-owners", default_policy="any-owner", fresh_only=True,
        members={},
    )  # fmt: skip
    table = stakeholder_table(result, requested=["@x"])
    row_x = next(line for line in table.splitlines() if line.startswith("| `@x`"))
    assert "event 'A'; event 'B'" in row_x
    assert row_x.endswith("| ⏳ review requested |")
    row_y = next(line for line in table.splitlines() if line.startswith("| `@y`"))
    assert row_y.endswith("| ✅ approved by `@y` |")
    done = evaluate(
        groups, [Review("y", "APPROVED", "h"), Review("x", "APPROVED", "h")], author="alice",
        head_sha="h", breaking_policy="all-owners", default_policy="any-owner",
        fresh_only=True, members={},
    )  # fmt: skip
    assert "| ✅ approved by `@x` |" in stakeholder_table(done)


def test_the_stakeholder_table_stays_small_for_thousands_of_owned_events() -> None:
    groups = [OwnerGroup((f"@team{i % 300}",), f"event 'Event {i}'", True) for i in range(5000)]
    result = evaluate(
        groups, [], author="alice", head_sha="h", breaking_policy="all-owners",
        default_policy="any-owner", fresh_only=True, members={},
    )  # fmt: skip
    table = stakeholder_table(result)
    lines = table.splitlines()
    assert len(lines) == 4 + 100 + 1 and lines[-1] == "| … | and 200 more owners | — |"
    assert lines[4].startswith("| `@team0` | event 'Event 0'; event 'Event 300'; ")
    assert "; and 12 more — every owner (breaking) |" in lines[4]
    assert len(table) < 20_000


@pytest.mark.parametrize("part", [
    b"events:\n  Order Completed:\n    properties:\n      total: {type: number}\n",
    b"identify:\n  traits:\n    total: {type: number}\n",
    b"common:\n  properties:\n    total: {type: number}\n",
])  # fmt: skip
def test_a_breaking_change_moved_to_another_file_is_breaking_in_the_file_it_left(
    part: bytes,
) -> None:
    """CODEOWNERS names two owners for parts.yaml: changing `total` there needs both
    (breaking: all-owners). Moving it (an event, traits, common properties) to other.yaml
    and changing it there must too."""
    base = {".github/CODEOWNERS": b"/plans/web/parts.yaml @alice @bob\n",
            PLAN: b"plan:\n  id: web\n", "plans/web/parts.yaml": part}  # fmt: skip
    if not part.startswith(b"events"):  # an event that sends the common property
        base[PLAN] += b"events:\n  Order Completed: {}\n"
    for moved in (False, True):
        head = dict(base)
        changed = part.replace(b"number", b"string")
        if moved:
            del head["plans/web/parts.yaml"]
            head["plans/web/other.yaml"] = changed
        else:
            head["plans/web/parts.yaml"] = changed
        report = compare(MemorySnapshot(base), MemorySnapshot(head), validate_head=False)
        groups = owner_groups(report.base, report.head, report.changed_files, report.changes)
        result = evaluate(
            groups, [Review("alice", "APPROVED", "h2")], author="mallory", head_sha="h2",
            breaking_policy="all-owners", default_policy="any-owner", fresh_only=True,
            members={},
        )  # fmt: skip
        codeowners = next(g for g in result.groups if g.group.why.startswith("CODEOWNERS"))
        assert codeowners.group.breaking and codeowners.missing == ["@bob"], (moved, codeowners)
