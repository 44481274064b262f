"""Local git plumbing for releases and history: tags, commits, annotated tag creation."""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

from registry.release import Tag
from registry.snapshot import SnapshotError


def git(repo: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    try:
        proc = subprocess.run(
            ["git", *args],
            cwd=repo,
            input=stdin,
            capture_output=True,
            text=True,
            check=False,
            env=env,
        )
    except FileNotFoundError:
        raise SnapshotError("git is not installed") from None
    if proc.returncode != 0:
        raise SnapshotError(proc.stderr.strip() or f"git {' '.join(args)} failed")
    return proc.stdout


def tags(repo: Path) -> list[Tag]:
    """Every tag with the commit it points at (annotated tags peeled)."""
    out = git(repo, "for-each-ref", "refs/tags", "--format=%(refname:strip=2)%00%(objectname)"
              "%00%(*objectname)")  # fmt: skip
    found = []
    for line in out.splitlines():
        name, target, peeled = line.split("\0")
        found.append(Tag(name, peeled or target))
    return found


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    message: str


def commit(repo: Path, revision: str) -> Commit:
    out = git(repo, "log", "-1", "--format=%H%x00%an%x00%B", revision, "--")
    sha, author, message = out.split("\0", 2)
    return Commit(sha, author, message.strip())


def create_annotated_tag(repo: Path, name: str, target: str, message: str) -> None:
    """An annotated tag whose message is kept verbatim (Markdown headings start with '#')."""
    env = dict(os.environ)
    if not _configured(repo, "user.email"):  # a fresh machine: still sign the tag with a name
        env.setdefault("GIT_COMMITTER_NAME", "trackplan")
        env.setdefault("GIT_COMMITTER_EMAIL", "trackplan@localhost")
    git(repo, "tag", "--annotate", "--cleanup=verbatim", "--file=-", name, target, stdin=message,
        env=env)  # fmt: skip


def _configured(repo: Path, key: str) -> bool:
    proc = subprocess.run(["git", "config", key], cwd=repo, capture_output=True, check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def tags_merged_into(repo: Path, revision: str) -> set[str]:
    """Names of the tags reachable from `revision`: the releases in its history."""
    return set(git(repo, "tag", "--list", "--merged", revision).split())
