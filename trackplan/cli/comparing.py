"""What `diff` and `review` share: reading both sides, the policy, the exit code."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from typing import TYPE_CHECKING

from registry.diff.compare import DiffReport, compare
from registry.escape import clean
from registry.lint.rules import unparsed
from registry.load.policy import BASE, HEAD, POLICY_RULES, SIDES
from registry.load.settings import settings_of
from registry.load.snapshot import (
    GitSnapshot,
    Snapshot,
    open_snapshot,
)
from registry.release.versions import released_versions
from registry.review.verdict import FAIL_ON
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_USAGE,
    UsageError,
    add_common,
    parse_cache,
)

if TYPE_CHECKING:
    from registry.review.comment import Links


def open_side(spec: str, repo: str) -> Snapshot:
    snapshot = open_snapshot(spec, repo)
    if not snapshot.is_registry():
        raise UsageError(f"{spec}: no trackplan registry there (no plans/ and no trackplan.yaml)")
    return snapshot


def compare_sides(args: argparse.Namespace, validate_head: bool) -> DiffReport:
    base = open_side(args.base, args.repo)
    head = open_side(args.head, args.repo)
    released: dict[str, str] = {}
    policy_side = head if args.policy == HEAD else base
    if isinstance(base, GitSnapshot):
        released = released_versions(
            base.git_root, settings_of(policy_side).release.tag, merged_into=base.commit
        )
    report = compare(base, head, released=released, parse=parse_cache(args),
                     validate_head=validate_head, policy=args.policy)  # fmt: skip
    if args.policy == HEAD or any(c.rule in POLICY_RULES for c in report.changes):
        # The sides' policies differ: say which one judged (the other takes effect on merge).
        side = {
            BASE: f"BASE ({args.base}); HEAD's takes effect after merge (preview it "
            "with --policy head)",
            HEAD: f"HEAD ({args.head}), as --policy head asks",
        }
        print(f"trackplan: note: judged by the policy of {clean(side[args.policy])}: "
              f"compatibility {report.head.policy.settings.compatibility}, fail_on "
              f"{fail_on(args, report)}", file=sys.stderr)  # fmt: skip
    return report


def fail_on(args: argparse.Namespace, report: DiffReport) -> str:
    return str(args.fail_on or report.fail_on)


def blocking_exit(report: DiffReport, args: argparse.Namespace) -> int | None:
    """Say first, on stderr, which plans are not compared and why. Returns the exit code
    this forces: 2 when a file cannot be read (does not parse), 1 when a definition does not
    validate, None when every plan was compared."""
    if not report.blocking:
        return None
    labels = {"BASE": args.base, "HEAD": args.head}
    for plan in report.unreadable:
        reasons = [(side, f) for side, f in report.blocking if f.plan == plan]
        side, first = reasons[0]
        more = f" (and {len(reasons) - 1} more)" if len(reasons) > 1 else ""
        print(
            f"trackplan: error: plan '{plan}' is not compared: {labels[side]} "
            f"{first.location}: {first.rule} {clean(first.message)}{more}; fix it, then "
            "compare again (`trackplan validate` lists every problem)",
            file=sys.stderr,
        )
    for side, finding in report.blocking:
        if finding.plan is None:
            print(f"trackplan: error: {labels[side]} {finding.location}: {finding.rule} "
                  f"{clean(finding.message)}", file=sys.stderr)  # fmt: skip
    unreadable = any(unparsed(f.rule) for _, f in report.blocking)
    return EXIT_USAGE if unreadable else EXIT_FINDINGS


def links(args: argparse.Namespace, report: DiffReport) -> Links:
    from registry.review.comment import links_for  # the Markdown formats alone need it

    return links_for(report, head=args.link or "", base=args.base_link or "")


def add_diff_arguments(parser: argparse.ArgumentParser, formats: Mapping[str, str]) -> None:
    parser.add_argument("base", metavar="BASE", help="the old side: a folder or a git revision")
    parser.add_argument("head", metavar="HEAD", help="the new side: a folder or a git revision")
    add_common(parser, formats)
    parser.add_argument(
        "--fail-on",
        choices=FAIL_ON,
        help="exit 1 on breaking changes, on warnings too, or never "
        "(default: fail_on of the policy's trackplan.yaml, else breaking)",
    )
    parser.add_argument(
        "--policy",
        choices=SIDES,
        default=BASE,
        help="whose settings and plan conventions judge the change (default: base, as the bot "
        "does: a change never loosens the rules that judge it; a policy change is reported "
        "and takes effect after merge). 'head' previews the change under its own policy",
    )
    parser.add_argument(
        "--link",
        metavar="URL",
        help="link locations to HEAD's files: URL + path + #Lline "
        "(e.g. https://github.com/acme/plans/blob/<sha>/)",
    )
    parser.add_argument("--base-link", metavar="URL", help="the same for BASE's files (removals)")
