"""Two released versions of a plan side by side: the diff's changes, grouped as the review does."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from datetime import date

from registry.diff.changes import BREAKING, ERROR, INFO, NONE, WARNING, Change
from registry.diff.compare import compare
from registry.diff.engine import plan_bumps
from registry.load.cache import ParseCache
from registry.load.policy import HEAD
from registry.load.snapshot import Snapshot
from registry.records import field, record

ALL_PAIRS_UP_TO = 12  # versions of a plan: every pair gets a page (66 at most)
GROUPS = ((ERROR, "Forbidden changes"), (BREAKING, "Breaking changes"), (WARNING, "Warnings"),
          (INFO, "Other changes"))  # fmt: skip


@record
class ChangeRow:
    rule: str
    message: str
    event: str  # the event it touches, or "" (plan metadata, traits, common properties)
    migration: str
    breaks: tuple[str, ...]
    first: bool = False  # the first row of its event on the page (the event's anchor)


@record
class Comparison:
    old: str
    new: str
    bump: str  # what the difference asks of the version: major, minor, patch or none
    groups: list[tuple[str, list[ChangeRow]]] = field(default_factory=list)  # title, rows
    error: str = ""  # why the two could not be compared

    @property
    def file(self) -> str:
        return compare_file(self.old, self.new)

    def count(self) -> int:
        return sum(len(rows) for _, rows in self.groups)


def compare_file(old: str, new: str) -> str:
    """The page of a pair, inside the plan's folder (versions are semver: kept readable)."""

    def safe(version: str) -> str:
        return re.sub(r"[^0-9A-Za-z.+-]", "_", version)

    return f"compare/{safe(old)}...{safe(new)}.html"


def version_pairs(versions: list[str]) -> list[tuple[str, str]]:
    """The pairs (older, newer) that get a page, `versions` oldest first: every pair up to
    ALL_PAIRS_UP_TO versions; past that, each version against the one before it and against
    the latest, and every pair of the newest ALL_PAIRS_UP_TO."""
    if len(versions) <= ALL_PAIRS_UP_TO:
        chosen = {(a, b) for i, a in enumerate(versions) for b in versions[i + 1 :]}
    else:
        recent = versions[-ALL_PAIRS_UP_TO:]
        chosen = {(a, b) for i, a in enumerate(recent) for b in recent[i + 1 :]}
        chosen |= set(itertools.pairwise(versions))
        chosen |= {(v, versions[-1]) for v in versions[:-1]}
    order = {v: i for i, v in enumerate(versions)}
    return sorted(chosen, key=lambda pair: (order[pair[0]], order[pair[1]]))


def _event_of(change: Change) -> str:
    path = change.path
    return path[1] if len(path) > 1 and path[0] == "events" else ""


def compare_versions(plan: str, pairs: list[tuple[str, str]],
                     tree: Callable[[str], tuple[Snapshot, date] | None],
                     parse: ParseCache | None = None) -> list[Comparison]:  # fmt: skip
    """Each pair compared as `trackplan diff` compares two refs, judged by the newer one's
    policy as of the day it was released (so a sunset passed by then counts as passed)."""
    trees: dict[str, tuple[Snapshot, date] | None] = {}
    found = []
    for old, new in pairs:
        for version in (old, new):
            if version not in trees:
                trees[version] = tree(version)
        before, after = trees[old], trees[new]
        if before is None or after is None:
            continue
        report = compare(before[0], after[0], parse=parse, validate_head=False, policy=HEAD,
                         today=after[1])  # fmt: skip
        if plan in report.unreadable:
            found.append(Comparison(old, new, NONE, error="a file of one of them does not "
                                    "parse or validate under today's trackplan"))  # fmt: skip
            continue
        changes = [c for c in report.changes if c.plan == plan]
        comparison = Comparison(old, new, plan_bumps(changes).get(plan, NONE))
        for level, title in GROUPS:
            rows = [ChangeRow(c.rule, c.message, _event_of(c), c.migration, c.breaks)
                    for c in changes if c.level == level]  # fmt: skip
            if rows:
                comparison.groups.append((title, rows))
        anchored: set[str] = set()
        for _, rows in comparison.groups:
            for row in rows:
                if row.event and row.event not in anchored:
                    row.first = True
                    anchored.add(row.event)
        found.append(comparison)
    return found
