"""`trackplan log`: the history of a plan, an event or a property, read from git."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from registry.diff.changes import Change
from registry.diff.engine import diff_registries
from registry.escape import clean, md_code, md_text
from registry.load import gitrepo
from registry.load.cache import ParseCache
from registry.load.git import BlobReader
from registry.load.loader import load_registry
from registry.load.settings import settings_of
from registry.load.snapshot import (
    SETTINGS_FILE,
    GitSnapshot,
    MemorySnapshot,
    Snapshot,
    is_registry_file,
)
from registry.records import field, record
from registry.release.planner import pull_request_number
from registry.release.versions import tag_pattern

Progress = Callable[[int, int], None]


@record(frozen=True)
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
        parts = change.path
        if parts[0] != "events" or len(parts) < 2 or parts[1] not in names:
            return False
        if self.prop is None or change.rule == "event-renamed":
            return True  # an event's rename renames its properties too
        return len(parts) >= 4 and parts[2] == "properties" and parts[3] in props


@record
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


def history(repo: Path, subject: Subject, progress: Progress | None = None,
            seen: dict[str, set[str]] | None = None) -> list[Entry]:  # fmt: skip
    """Every commit of the first-parent history that changed the subject, newest first.

    One `git log --raw` lists each commit's changed blobs; the registry is rebuilt commit by
    commit from them (blobs read through one `git cat-file` process, parses shared by
    content). Renames (`renamed_from`) are followed: before the commit that renamed an
    event or a property, its old name is tracked. `seen`, when given, collects every event
    of the plan (with its properties) that any commit defined.
    """
    head = GitSnapshot(repo, "HEAD")
    paths = [f"{head.prefix}plans/{subject.plan}", f"{head.prefix}{SETTINGS_FILE}"]
    out = gitrepo.git(head.git_root, "-c", "core.quotePath=false", "log", "--first-parent",
                      "--diff-merges=first-parent", "--raw", "--no-abbrev", "--no-renames",
                      "--format=%x1e%H%x1f%an%x1f%aI%x1f%B%x1f", "HEAD", "--", *paths)  # fmt: skip
    commits = _parse_raw_log(out, head.prefix)
    tags_at = _release_tags(head.git_root, _template(head), subject.plan)
    parse = ParseCache()
    walked: list[tuple[_Commit, list[Change]]] = []
    with BlobReader(head.git_root) as reader:
        files: dict[str, str] = {}
        previous = load_registry(MemorySnapshot({}), parse=parse).registry
        for index, commit in enumerate(reversed(commits)):  # oldest first
            if progress is not None:
                progress(index + 1, len(commits))
            for path, blob in commit.files:
                if blob is None:
                    files.pop(path, None)
                else:
                    files[path] = blob
            current = load_registry(BlobSnapshot(dict(files), reader), parse=parse).registry
            if seen is not None and subject.plan in current.plans:
                events = current.plans[subject.plan].events
                for name in events:
                    seen.setdefault(name, set())
                if subject.prop and subject.event in events:  # properties: only where asked
                    seen[subject.event].update(events[subject.event].properties)
            changes = diff_registries(previous, current)
            walked.append((commit, [c for c in changes if c.plan == subject.plan]))
            previous = current
    names = {subject.event} if subject.event else set()
    props = {subject.prop} if subject.prop else set()
    entries: list[Entry] = []
    for commit, changes in reversed(walked):  # newest first, so renames lead to old names
        mine = [c for c in changes if subject.matches(c, names, props)]
        _follow_renames(mine, subject, names, props)
        if mine:
            entries.append(
                Entry(commit.sha, commit.date, commit.author, commit.message.split("\n", 1)[0],
                      pull_request_number(commit.message), tags_at.get(commit.sha, []), mine)
            )  # fmt: skip
    return entries


@record
class _Commit:
    sha: str
    author: str
    date: str
    message: str
    files: list[tuple[str, str | None]]  # registry path -> new blob (None: deleted)


def _parse_raw_log(out: str, prefix: str) -> list[_Commit]:
    commits = []
    for entry in out.split("\x1e")[1:]:
        sha, author, date, message, raw = entry.split("\x1f", 4)
        files: list[tuple[str, str | None]] = []
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, path = line.split("\t", 1)
            _old_mode, _new_mode, _old, new, status = meta[1:].split()
            files.append((path[len(prefix) :], None if status == "D" else new))
        commits.append(_Commit(sha.strip(), author, date, message.strip(), files))
    return commits


class BlobSnapshot(Snapshot):
    """Registry files given as path -> blob sha, read through a BlobReader."""

    def __init__(self, files: dict[str, str], reader: BlobReader) -> None:
        self._files = {p: b for p, b in files.items() if is_registry_file(p)}
        self._reader = reader
        self.label = "history"

    def paths(self) -> list[str]:
        return sorted(self._files)

    def digest(self, path: str) -> str:
        return self._files[path]

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        return {p: self._reader.read(self._files[p]) for p in paths}


def _follow_renames(changes: list[Change], subject: Subject, names: set[str],
                    props: set[str]) -> None:  # fmt: skip
    for change in changes:
        if change.rule == "event-renamed" and subject.event and isinstance(change.old, str):
            names.add(change.old)
        if change.rule == "property-renamed" and subject.prop and isinstance(change.old, str):
            props.add(change.old)


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
        lines += [clean(head), f"    {clean(entry.title)}"]
        lines += [clean(f"    {c.level} {c.rule} {c.message}") for c in entry.changes]
    return "\n".join(lines) + "\n"


def render_markdown(entries: list[Entry]) -> str:
    rows = [
        "| Date | Commit | PR | Author | Release | Changes |",
        "| --- | --- | --- | --- | --- | --- |",
    ]
    for e in entries:  # authors, tags and messages come from git: text, never markup
        changes = "<br>".join(f"`{c.rule}` {md_text(c.message)}" for c in e.changes) or "—"
        pr = f"#{e.pull_request}" if e.pull_request is not None else ""
        rows.append(f"| {e.date[:10]} | {md_code(e.commit[:12])} | {pr} | {md_text(e.author)} | "
                    f"{md_text(', '.join(e.tags))} | {changes} |")  # fmt: skip
    return "\n".join(rows) + "\n"
