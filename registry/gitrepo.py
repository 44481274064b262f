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
    except NotADirectoryError:
        raise SnapshotError(f"{repo}: not a folder") from None
    if proc.returncode != 0:
        raise SnapshotError(git_failure(repo, args, proc.stderr))
    return proc.stdout


def git_failure(repo: Path, args: tuple[str, ...], stderr: str) -> str:
    """git's complaint as one line that names the folder (and a revision it could not find)."""
    text = " ".join(stderr.strip().split()) or f"git {' '.join(args)} failed"
    if "not a git repository" in text:
        return f"{repo}: not a git repository (revisions and tags are read with git)"
    text = text.removeprefix("fatal: ").removeprefix("error: ")
    return f"{repo}: git {args[0] if args else ''} failed: {text}"


def tags(repo: Path) -> list[Tag]:
    """Every tag that points at a commit (annotated tags peeled), with that commit. A tag of
    a tree or a blob can be no release: it is left out."""
    out = git(repo, "for-each-ref", "refs/tags", "--format=%(refname:strip=2)%00%(objectname)"
              "%00%(objecttype)%00%(*objectname)%00%(*objecttype)")  # fmt: skip
    found = []
    for line in out.splitlines():
        name, target, kind, peeled, peeled_kind = line.split("\0")
        if (peeled_kind or kind) == "commit":
            found.append(Tag(name, peeled or target))
    return found


@dataclass(frozen=True)
class Commit:
    sha: str
    author: str
    message: str


def commit(repo: Path, revision: str) -> Commit:
    out = git(repo, "log", "-1", "--format=%H%x00%an%x00%B", "--end-of-options", revision, "--")
    sha, author, message = out.split("\0", 2)
    return Commit(sha, author, message.strip())


def create_annotated_tag(repo: Path, name: str, target: str, message: str) -> None:
    """An annotated tag whose message is kept verbatim (Markdown headings start with '#')."""
    env = dict(os.environ)
    if not _configured(repo, "user.email"):  # a fresh machine: still sign the tag with a name
        env.setdefault("GIT_COMMITTER_NAME", "trackplan")
        env.setdefault("GIT_COMMITTER_EMAIL", "trackplan@localhost")
    git(repo, "tag", "--annotate", "--cleanup=verbatim", "--file=-", "--end-of-options", name,
        target, stdin=message,
        env=env)  # fmt: skip


def _configured(repo: Path, key: str) -> bool:
    proc = subprocess.run(["git", "config", key], cwd=repo, capture_output=True, check=False)
    return proc.returncode == 0 and bool(proc.stdout.strip())


def tags_merged_into(repo: Path, revision: str) -> set[str]:
    """Names of the tags reachable from `revision`: the releases in its history."""
    return set(git(repo, "tag", "--list", f"--merged={revision}").split())
