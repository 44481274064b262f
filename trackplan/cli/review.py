"""`trackplan review BASE HEAD`: the bot's pull request comment, offline."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from registry.about import installed_version
from registry.diff.compare import DiffReport
from registry.diff.render import render_github, report_dict
from registry.escape import md_code
from registry.lint.render import render_findings
from registry.review.approvals import (
    ApprovalStatus,
    evaluate,
    owner_groups,
    stakeholder_lines,
    stakeholder_table,
)
from registry.review.comment import (
    render_review,
    render_review_text,
)
from registry.review.verdict import judge
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    read_notes,
)
from trackplan.cli.comparing import (
    add_diff_arguments,
    blocking_exit,
    compare_sides,
    fail_on,
    links,
)


def run(args: argparse.Namespace) -> int:
    report = compare_sides(args, validate_head=True)
    blocked = blocking_exit(report, args)
    notes = read_notes(args.notes)
    stakeholders = offline_approvals(report)
    if args.format == "json":
        data = report_dict(report)
        data["findings"] = [f.to_dict() for f in report.head_findings]
        data["migration_notes"] = notes
        data["verdict"] = judge(report, notes).headline()
        data["stakeholders"] = [
            {"owners": list(g.group.owners), "why": g.group.why, "policy": g.policy,
             "breaking": g.group.breaking, "kind": g.group.kind or "owners"}
            for g in stakeholders.groups
        ]  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False) + "\n")
    elif args.format == "github":
        sys.stdout.write(render_github(report))
        sys.stdout.write(render_findings(report.head_findings, "github", 0))
    elif args.format == "text":
        sys.stdout.write(render_review_text(report, notes, stakeholder_lines(stakeholders)))
    else:
        table = stakeholder_table(stakeholders, offline=True)
        waiting = sorted({owner for g in stakeholders.groups for owner in g.missing})
        footer = (f"Compared {md_code(args.base)} with {md_code(args.head)} · trackplan "
                  f"{installed_version()}")  # fmt: skip
        sys.stdout.write(render_review(report, notes, links(args, report), extra_sections=[table],
                                       waiting_for=waiting, footer=footer))  # fmt: skip
    if blocked is not None:
        return blocked
    failing = judge(report, notes).fails_offline(fail_on(args, report))
    return EXIT_FINDINGS if failing else EXIT_OK


def offline_approvals(report: DiffReport) -> ApprovalStatus:
    """Who must approve, with no reviews yet (the policy is the base's: it cannot be edited
    away by the change under review)."""
    policy = report.head.policy.settings.review
    groups = owner_groups(report.base, report.head, report.changed_files, report.changes,
                          waived=report.waived)  # fmt: skip
    return evaluate(
        groups, [], author="", head_sha="", breaking_policy=policy.breaking,
        default_policy=policy.default, fresh_only=False, members={},
    )  # fmt: skip


def add_parser(sub: Any) -> None:
    review_parser = sub.add_parser(
        "review",
        help="the bot's pull request comment, offline: validation + diff + next versions",
        description="Print exactly the Markdown the bot posts on a pull request from BASE to "
        "HEAD, in the order a reviewer acts on it: the verdict; what blocks the merge and the "
        "next step for each; HEAD's validation problems; the stakeholders, one row per owner; "
        "each plan's current and next version; the breaking changes by plan, each with the "
        "sources that send the event, the KPIs and lifecycle stages that count it and how to "
        "migrate; warnings; the other changes; the migration notes. Rule ids link to "
        "review.rules_url of BASE's trackplan.yaml. Exits 1 when HEAD fails validation or a "
        "change reaches --fail-on.",
    )
    add_diff_arguments(review_parser, {
        "markdown": "the bot's comment", "text": "the same review as plain lines",
        "json": "changes, versions, findings, notes, verdict and stakeholders",
        "github": "workflow annotations for the changes and the findings"})  # fmt: skip
    review_parser.add_argument(
        "--notes",
        metavar="FILE",
        help="the pull request description (its `Migration notes` section is used) or the "
        "notes themselves",
    )
    review_parser.set_defaults(handler=run)
