"""`trackplan log`: the history of a plan, an event or a property, read from git."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from registry import gitrepo
from registry.cache import ParseCache
from registry.changes import Change
from registry.diff import diff_registries
from registry.loader import load_registry
from registry.model import Registry
from registry.release import pull_request_number
from registry.settings import settings_of
from registry.snapshot import GitSnapshot, MemorySnapshot
from registry.versions import tag_pattern

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Subject:
    """What to follow: a plan, or one of its events, or one property of that event."""

    plan: str
    event: str | None = None
    prop: str | None = None

    @classmethod
    def parse(cls, text: str) -> Subject:
        plan, _, rest = text.partition("/")
        event, _, prop = rest.partition("/")
        return cls(plan, event or None, prop or None)

    def matches(self, change: Change, names: set[str], props: set[str]) -> bool:
        if change.plan != self.plan:
            return False
        if self.event is None or change.rule in ("plan-added", "plan-removed"):
            return True  # the whole plan, subject included, came or went
        parts = change.subject.split("/")
        if parts[0] != "events" or len(parts) < 2 or parts[1] not in names:
            return False
        if self.prop is None or change.rule == "event-renamed":
            return True  # an event's rename renames its properties too
        return len(parts) >= 4 and parts[2] == "properties" and parts[3] in props


@dataclass
class Entry:
    commit: str
    date: str
    author: str
    title: str
    pull_request: int | None
    tags: list[str] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "commit": self.commit, "date": self.date, "author": self.author, "title": self.title,
            "pull_request": self.pull_request, "tags": self.tags,
            "changes": [c.to_dict() for c in self.changes],
        }  # fmt: skip


def history(repo: Path, subject: Subject, progress: Progress | None = None) -> list[Entry]:
    """Every commit of the first-parent history that changed the subject, newest first.

    Renames (`renamed_from`) are followed: before the commit that renamed an event or a
    property, its old name is tracked.
    """
    head = GitSnapshot(repo, "HEAD")
    path = f"{head.prefix}plans/{subject.plan}"
    log = gitrepo.git(head.git_root, "log", "--first-parent", "-z",
                      "--format=%H%x00%P%x00%an%x00%aI%x00%B", "HEAD", "--", path)  # fmt: skip
    commits = _parse_log(log)
    template = _template(head)
    tags_at = _release_tags(head.git_root, template, subject.plan)
    parse = ParseCache()
    names = {subject.event} if subject.event else set()
    props = {subject.prop} if subject.prop else set()
    entries: list[Entry] = []
    registries: dict[str, Registry] = {}

    def registry_at(commit: str | None) -> Registry:
        if commit is None:
            return load_registry(MemorySnapshot({}), parse=parse).registry
        if commit not in registries:
            registries[commit] = load_registry(GitSnapshot(repo, commit, like=head),
                                               parse=parse).registry  # fmt: skip
        return registries[commit]

    for index, (sha, parent, author, when, message) in enumerate(commits):
        if progress is not None:
            progress(index + 1, len(commits))
        changes = diff_registries(registry_at(parent), registry_at(sha))
        mine = [c for c in changes if subject.matches(c, names, props)]
        _follow_renames(mine, subject, names, props)
        registries.pop(sha, None)  # walking backwards: this one is not needed again
        if mine:
            title = message.split("\n", 1)[0]
            entries.append(
                Entry(sha, when, author, title, pull_request_number(message),
                      tags_at.get(sha, []), mine)
            )  # fmt: skip
    return entries


def _follow_renames(changes: list[Change], subject: Subject, names: set[str],
                    props: set[str]) -> None:  # fmt: skip
    for change in changes:
        if change.rule == "event-renamed" and subject.event and isinstance(change.old, str):
            names.add(change.old)
        if change.rule == "property-renamed" and subject.prop and isinstance(change.old, str):
            props.add(change.old)


def _parse_log(out: str) -> list[tuple[str, str | None, str, str, str]]:
    fields = out.split("\0")
    commits = []
    for i in range(0, len(fields) - 4, 5):
        sha = fields[i].strip()
        parents = fields[i + 1].split()
        commits.append((sha, parents[0] if parents else None, fields[i + 2], fields[i + 3],
                        fields[i + 4].strip()))  # fmt: skip
    return commits


def _template(head: GitSnapshot) -> str:
    return settings_of(head).release.tag


def _release_tags(repo: Path, template: str, plan: str) -> dict[str, list[str]]:
    pattern = tag_pattern(template)
    found: dict[str, list[str]] = {}
    for tag in gitrepo.tags(repo):
        match = pattern.fullmatch(tag.name)
        if match and match["plan"] == plan:
            found.setdefault(tag.commit, []).append(tag.name)
    return found


def render_text(entries: list[Entry]) -> str:
    if not entries:
        return "no history: nothing in git changed this subject\n"
    lines = []
    for entry in entries:
        head = f"{entry.date[:10]}  {entry.commit[:12]}"
        if entry.pull_request is not None:
            head += f"  #{entry.pull_request}"
        head += f"  {entry.author}"
        if entry.tags:
            head += "  (" + ", ".join(entry.tags) + ")"
        lines += [head, f"    {entry.title}"]
        lines += [f"    {c.level} {c.rule} {c.message}" for c in entry.changes]
    return "\n".join(lines) + "\n"


def render_markdown(entries: list[Entry]) -> str:
    rows = [
        "| Date | Commit | PR | Author | Release | Changes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for e in entries:
        changes = "<br>".join(f"`{c.rule}` {c.message}" for c in e.changes) or "—"
        pr = f"#{e.pull_request}" if e.pull_request is not None else ""
        rows.append(f"| {e.date[:10]} | `{e.commit[:12]}` | {pr} | {e.author} | "
                    f"{', '.join(e.tags)} | {changes} |")  # fmt: skip
    return "\n".join(rows) + "\n"
