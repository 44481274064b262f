"""Local git plumbing for releases and history: tags, commits, annotated tag creation."""

from __future__ import annotations

import os
from pathlib import Path

from registry.load import git as gitcall
from registry.records import record
from registry.release.planner import Tag


def git(repo: Path, *args: str, stdin: str | None = None, env: dict[str, str] | None = None) -> str:
    return gitcall.run(repo, *args, stdin=stdin, env=env)


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


@record(frozen=True)
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
    if not gitcall.configured(
        repo, "user.email"
    ):  # a fresh machine: still sign the tag with a name
        env.setdefault("GIT_COMMITTER_NAME", "trackplan")
        env.setdefault("GIT_COMMITTER_EMAIL", "trackplan@localhost")
    git(repo, "tag", "--annotate", "--cleanup=verbatim", "--file=-", "--end-of-options", name,
        target, stdin=message,
        env=env)  # fmt: skip


def commit_paths(repo: Path, paths: list[str], message: str) -> str:
    """Commit what `paths` hold now (added, changed or removed) and return the commit; an
    unchanged tree still gets its commit (an import step that changed nothing is one)."""
    env = dict(os.environ)
    if not gitcall.configured(repo, "user.email"):  # a fresh machine: still name the author
        for role in ("AUTHOR", "COMMITTER"):
            env.setdefault(f"GIT_{role}_NAME", "trackplan")
            env.setdefault(f"GIT_{role}_EMAIL", "trackplan@localhost")
    git(repo, "add", "--all", "--end-of-options", *paths, env=env)
    git(repo, "commit", "--quiet", "--allow-empty", "--no-verify", "--file=-", "--", *paths,
        stdin=message, env=env)  # fmt: skip
    return git(repo, "rev-parse", "HEAD").strip()


def tags_merged_into(repo: Path, revision: str) -> set[str]:
    """Names of the tags reachable from `revision`: the releases in its history."""
    return set(git(repo, "tag", "--list", f"--merged={revision}").split())
