"""Semantic versions of plans: parse, bump, and find released versions in git tags."""

from __future__ import annotations

import re
from pathlib import Path

from registry.diff.changes import MAJOR, MINOR, NONE, PATCH
from registry.load import git
from registry.load.errors import SnapshotError

Version = tuple[int, int, int]
_VERSION = re.compile(r"(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)")


def parse_version(text: str) -> Version | None:
    found = _VERSION.fullmatch(text)
    if found is None:
        return None
    return (int(found[1]), int(found[2]), int(found[3]))


def format_version(version: Version) -> str:
    major, minor, patch = version
    return f"{major}.{minor}.{patch}"


def bump_version(version: Version, bump: str) -> Version:
    major, minor, patch = version
    if bump == MAJOR:
        return (major + 1, 0, 0)
    if bump == MINOR:
        return (major, minor + 1, 0)
    if bump == PATCH:
        return (major, minor, patch + 1)
    return version


def next_version(current: str | None, bump: str, first_version: str) -> str | None:
    """The version a plan is released as next; None when nothing changed."""
    if bump == NONE:
        return None
    if current is None:
        return first_version
    parsed = parse_version(current)
    return format_version(bump_version(parsed, bump)) if parsed else None


def tag_pattern(template: str) -> re.Pattern[str]:
    """A regex matching tags made from `template`, capturing plan and version."""
    escaped = re.escape(template)
    escaped = escaped.replace(re.escape("{plan}"), r"(?P<plan>[a-z][a-z0-9-]*)")
    escaped = escaped.replace(re.escape("{version}"), r"(?P<version>\d+\.\d+\.\d+)")
    return re.compile(escaped)


def tag_name(template: str, plan: str, version: str) -> str:
    name = template.replace("{plan}", plan).replace("{version}", version)
    if name.startswith(("-", ".")) or any(c.isspace() for c in name):
        # The settings' schema refuses such a template; never hand git an option as a name.
        raise ValueError(f"release tag {name!r} is not a name git takes")
    return name


def released_versions(repo: Path, template: str, merged_into: str | None = None) -> dict[str, str]:
    """The latest released version of each plan among the repository's tags.

    With `merged_into`, only tags reachable from that revision count: the versions that had
    been released as of that commit.
    """
    args = ["tag", "--list"]
    if merged_into is not None:
        args.append(f"--merged={merged_into}")  # never read as an option of its own
    try:
        out = git.run(repo, *args)
    except SnapshotError:
        return {}
    return latest_by_plan(out.split(), template)


def versions_by_plan(tags: list[str], template: str) -> dict[str, list[str]]:
    """Each plan's released versions among `tags`, newest first (the first reachable one
    from a branch is its latest release there)."""
    pattern = tag_pattern(template)
    found: dict[str, list[Version]] = {}
    for tag in tags:
        match = pattern.fullmatch(tag)
        version = parse_version(match["version"]) if match else None
        if match and version:
            found.setdefault(match["plan"], []).append(version)
    return {plan: [format_version(v) for v in sorted(set(vs), reverse=True)]
            for plan, vs in sorted(found.items())}  # fmt: skip


def latest_by_plan(tags: list[str], template: str) -> dict[str, str]:
    return {plan: versions[0] for plan, versions in versions_by_plan(tags, template).items()}
