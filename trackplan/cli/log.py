"""`trackplan log PLAN[/EVENT[/PROPERTY]]`: audit history from git."""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import Any

from registry.escape import clean
from registry.lint.render import notice
from registry.load.snapshot import GitSnapshot
from registry.release.history import Subject, history
from registry.release.history import render_markdown as render_history_markdown
from registry.release.history import render_text as render_history_text
from trackplan.cli.common import (
    EXIT_OK,
    UsageError,
    add_common,
)


def run(args: argparse.Namespace) -> int:
    subject = Subject.parse(args.subject)
    snapshot = GitSnapshot(args.repo, "HEAD")
    if subject.plan not in {p.split("/")[1] for p in snapshot.paths() if p.count("/") >= 2}:
        raise UsageError(f"plan '{subject.plan}' is not in the registry at HEAD")
    interactive = sys.stderr.isatty()

    def progress(done: int, total: int) -> None:
        if total < 20:
            return  # short walks need no progress
        if interactive:
            print(f"\rreading history: {done}/{total} commits", end="", file=sys.stderr)
            if done == total:
                print(file=sys.stderr)
        elif done == 1 or done == total or done % 100 == 0:
            print(f"reading history: {done}/{total} commits", file=sys.stderr)

    seen: dict[str, set[str]] = {}
    entries = history(Path(args.repo), subject, progress, seen)
    _check_subject_existed(subject, seen)
    if args.format == "json":
        data = {"subject": args.subject, "entries": [e.to_dict() for e in entries]}
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(render_history_markdown(entries))
    elif args.format == "github":
        for entry in entries:
            changes = "; ".join(c.message for c in entry.changes)
            sys.stdout.write(notice(f"{entry.commit[:12]} {entry.title}: {changes}"))
    else:
        sys.stdout.write(render_history_text(entries))
    return EXIT_OK


def _check_subject_existed(subject: Subject, seen: dict[str, set[str]]) -> None:
    """A subject no commit ever defined is a typo: say so and name the closest ones."""
    if subject.event is None:
        return
    if subject.event not in seen:
        close = difflib.get_close_matches(subject.event, sorted(seen), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UsageError(f"no commit of plan '{subject.plan}' ever defined event "
                         f"'{clean(subject.event)}'{hint}")  # fmt: skip
    if subject.prop is not None and subject.prop not in seen[subject.event]:
        props = seen[subject.event]
        close = difflib.get_close_matches(subject.prop, sorted(props), n=3)
        hint = f"; did you mean {', '.join(repr(c) for c in close)}?" if close else ""
        raise UsageError(f"no commit of plan '{subject.plan}' ever gave event "
                         f"'{subject.event}' a property '{clean(subject.prop)}'{hint}")  # fmt: skip


def add_parser(sub: Any) -> None:
    log_parser = sub.add_parser(
        "log",
        help="audit history of a plan, event or property from git",
        description="Every commit (first-parent history of HEAD) that changed PLAN, "
        "PLAN/EVENT or PLAN/EVENT/PROPERTY, newest first: date, author, pull request number "
        "(from merge and squash commit messages), release tags, and the semantic changes. "
        "Renames (renamed_from) are followed back to the old names.",
    )
    log_parser.add_argument("subject", metavar="PLAN[/EVENT[/PROPERTY]]")
    add_common(log_parser, {"text": "each commit with its changes", "json": "the entries",
                         "markdown": "a list of the commits",
                         "github": "a notice per commit"})  # fmt: skip
    log_parser.set_defaults(handler=run)
