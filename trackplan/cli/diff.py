"""`trackplan diff BASE HEAD`: the semantic diff and whom each change breaks."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from registry.diff.render import render_github, render_json, render_text
from registry.review.verdict import judge
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
)
from trackplan.cli.comparing import (
    add_diff_arguments,
    blocking_exit,
    compare_sides,
    fail_on,
    links,
)


def run(args: argparse.Namespace) -> int:
    report = compare_sides(args, validate_head=False)
    blocked = blocking_exit(report, args)
    if args.format == "json":
        sys.stdout.write(render_json(report))
    elif args.format == "github":
        sys.stdout.write(render_github(report))
    elif args.format == "markdown":
        from registry.review.comment import render_changes_markdown

        sys.stdout.write(render_changes_markdown(report, links(args, report)))
    else:
        sys.stdout.write(render_text(report))
    if blocked is not None:
        return blocked
    return EXIT_FINDINGS if judge(report, None).reaches(fail_on(args, report)) else EXIT_OK


def add_parser(sub: Any) -> None:
    diff_parser = sub.add_parser(
        "diff",
        help="semantic diff of two versions: what changed and whom it breaks",
        description="Compare two versions of the registry, BASE and HEAD (each a folder or a "
        "git revision of --repo), matching plans, events, properties and traits by name. Each "
        "change says whom it breaks (producers: app versions in the field; consumers: "
        "dashboards and destinations), its level under trackplan.yaml's compatibility "
        "setting, and how to migrate. Also prints each plan's next version (from release tags "
        "when BASE is a git revision). Exits 1 when a change reaches --fail-on.",
    )
    add_diff_arguments(diff_parser, {
        "text": "a line per change with whom it breaks and the migration, then the versions",
        "json": "the changes and each plan's versions", "markdown": "the change list alone",
        "github": "workflow annotations (a removal: where HEAD still has its parent)"})  # fmt: skip
    diff_parser.set_defaults(handler=run)
