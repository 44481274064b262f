"""The release engine: which plans changed since their last release tag, and their next version."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date

from registry.diff.changes import NONE, Change
from registry.diff.engine import diff_registries, plan_bumps
from registry.findings import ERROR, Finding
from registry.lint.rules import run_checks
from registry.load.cache import ParseCache
from registry.load.loader import load_registry
from registry.load.model import Registry
from registry.load.snapshot import MemorySnapshot, Snapshot
from registry.records import field, record
from registry.release.artifacts import ReleaseInfo, build_artifacts, changelog
from registry.release.versions import (
    bump_version,
    format_version,
    parse_version,
    tag_name,
    tag_pattern,
)

_PR_NUMBER = re.compile(r"Merge pull request #(\d+)|\(#(\d+)\)\s*$", re.MULTILINE)


def pull_request_number(message: str) -> int | None:
    """The PR of a merge commit ("Merge pull request #12 ...") or squash ("Title (#12)")."""
    found = _PR_NUMBER.search(message)
    if found is None:
        return None
    return int(found[1] or found[2])


@record(frozen=True)
class Tag:
    name: str
    commit: str


@record
class PlannedRelease:
    plan: str
    version: str
    tag: str
    previous: str | None
    bump: str
    changes: list[Change]
    changelog: str
    artifacts: dict[str, bytes] = field(default_factory=dict)
    blocked: list[Finding] = field(default_factory=list)  # validation errors: no release
    exists: bool = False  # already tagged at this commit: nothing to do


class ReleaseError(Exception):
    """A release that must not happen (a tag would move or be reused)."""


def latest_tags(tags: list[Tag], template: str) -> dict[str, tuple[str, Tag]]:
    """Each plan's highest released version and its tag."""
    pattern = tag_pattern(template)
    best: dict[str, tuple[tuple[int, int, int], Tag]] = {}
    for tag in tags:
        found = pattern.fullmatch(tag.name)
        version = parse_version(found["version"]) if found else None
        if found and version and (found["plan"] not in best or version > best[found["plan"]][0]):
            best[found["plan"]] = (version, tag)
    return {plan: (format_version(v), tag) for plan, (v, tag) in best.items()}


def plan_releases(
    head: Snapshot,
    commit: str,
    tags: list[Tag],
    snapshot_at: Callable[[str], Snapshot],
    *,
    reachable: set[str] | None = None,
    notes: str | None = None,
    info: ReleaseInfo | None = None,
    parse: ParseCache | None = None,
    today: date | None = None,
) -> list[PlannedRelease]:
    """The release each plan of `head` needs: none when unchanged since its last tag.

    `snapshot_at(commit)` gives the registry at a tagged commit. Only tags named in
    `reachable` (those merged into `commit`; default: all) count as earlier releases. A plan
    that fails validation is listed with `blocked` findings and must not be tagged.
    """
    parse = parse or ParseCache()
    loaded = load_registry(head, parse=parse)
    registry = loaded.registry
    findings = loaded.findings + run_checks(registry)
    template = registry.settings.release.tag
    history = [t for t in tags if reachable is None or t.name in reachable]
    latest = latest_tags(history, template)
    existing = {t.name: t for t in tags}
    info = info or ReleaseInfo(commit=commit)
    planned = []
    bases: dict[str, Registry] = {}
    for plan_id in sorted(registry.plans):
        previous = latest.get(plan_id)
        if previous is None:
            base = load_registry(MemorySnapshot({}), parse=parse).registry
        else:
            base_commit = previous[1].commit
            if base_commit not in bases:
                bases[base_commit] = load_registry(snapshot_at(base_commit), parse=parse).registry
            base = bases[base_commit]
        changes = [c for c in diff_registries(base, registry, today) if c.plan == plan_id]
        bump = plan_bumps(changes).get(plan_id, NONE)
        if previous is not None and bump == NONE:
            continue  # unchanged since its last release
        version = (
            registry.settings.release.first_version
            if previous is None
            else format_version(_bumped(previous[0], bump))
        )
        tag = tag_name(template, plan_id, version)
        text = changelog(plan_id, version, changes, notes,
                         ReleaseInfo(info.commit, info.pull_request, info.author, info.approvers,
                                     previous[0] if previous else None))  # fmt: skip
        release = PlannedRelease(plan_id, version, tag, previous[0] if previous else None, bump,
                                 changes, text)  # fmt: skip
        release.blocked = [f for f in findings if f.level == ERROR and f.plan == plan_id]
        if tag in existing:
            if existing[tag].commit != commit:
                raise ReleaseError(
                    f"tag {tag} exists at commit {existing[tag].commit[:12]}, not at "
                    f"{commit[:12]}: released versions are immutable, so it is never moved. "
                    "Bump the version by changing the plan, or delete the tag by hand if it "
                    "was made by mistake."
                )
            release.exists = True
        if not release.blocked:
            release.artifacts = build_artifacts(registry.plans[plan_id], version, text)
        planned.append(release)
    return planned


def _bumped(version: str, bump: str) -> tuple[int, int, int]:
    parsed = parse_version(version)
    assert parsed is not None  # latest_tags only keeps parseable versions
    return bump_version(parsed, bump)
