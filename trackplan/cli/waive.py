"""`trackplan waive RULE SUBJECT`: write a waiver (a change accepted on purpose) to waivers.yaml."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from datetime import date
from pathlib import Path
from typing import Any

from registry.diff.rules import DIFF_BY_ID
from registry.escape import clean
from registry.lint.checks import did_you_mean
from registry.load.loader import load_registry
from registry.load.snapshot import WAIVERS_FILE
from registry.review.waive import WaiveError, with_waiver
from trackplan.cli.common import EXIT_OK, UsageError, open_registry, write_atomically


def run(args: argparse.Namespace) -> int:
    root = Path(args.repo)
    registry = load_registry(open_registry(root)).registry
    if args.rule not in DIFF_BY_ID:
        raise UsageError(f"'{args.rule}' is no rule of the diff. "
                         + did_you_mean(args.rule, sorted(DIFF_BY_ID))
                         + "The rules are listed in docs/rules.md.")  # fmt: skip
    plan = args.subject.partition("/")[0]
    if not PLAN_ID.match(plan):
        raise UsageError(f"subject '{args.subject}': '{plan}' is no plan id; write PLAN, "
                         "PLAN/EVENT or PLAN/EVENT/PROPERTY")  # fmt: skip
    if plan not in registry.plans:  # a plan the change removes is waived by its id
        known = ", ".join(sorted(registry.plans)) or "none"
        print(f"trackplan: note: no plan '{plan}' in {clean(str(root))} (plans: {known}): the "
              "waiver covers changes of a plan by that id, such as its removal",
              file=sys.stderr)  # fmt: skip
    if args.subject.endswith("/") or "//" in args.subject:
        raise UsageError(f"subject '{args.subject}': write PLAN, PLAN/EVENT or PLAN/EVENT/"
                         "PROPERTY (a nested property's path joined by '.')")  # fmt: skip
    try:
        expires = date.fromisoformat(args.expires)
    except ValueError:
        raise UsageError(f"--expires '{args.expires}' is no date: write YYYY-MM-DD") from None
    if expires < date.today():
        raise UsageError(f"--expires {args.expires} is in the past: a waiver holds until a "
                         "day to come")  # fmt: skip
    accepted_by = args.accepted_by or _git_user(root)
    if not accepted_by:
        raise UsageError("say who accepted the change: --accepted-by @login (or a team, or "
                         "the pull request as #123)")  # fmt: skip
    path = root / WAIVERS_FILE
    if path.exists() and not path.is_file():
        raise UsageError(f"{path} is not a file: move it away, then write the waiver again")
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else None
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read ({exc})") from None
    try:
        new, waiver = with_waiver(text, args.rule, args.subject, args.reason, expires,
                                  accepted_by)  # fmt: skip
    except WaiveError as exc:
        raise UsageError(str(exc)) from None
    write_atomically(path, new.encode())
    if args.format == "json":
        sys.stdout.write(json.dumps({"waiver": waiver.to_dict()}, indent=2, sort_keys=True,
                                    ensure_ascii=False) + "\n")  # fmt: skip
    else:
        sys.stdout.write(clean(
            f"{WAIVERS_FILE}:{waiver.line}: waived {waiver.rule} for '{waiver.subject}' until "
            f"{waiver.expires.isoformat()} (accepted by {waiver.accepted_by})") + "\n")  # fmt: skip
        sys.stdout.write("It counts once the owners of waivers.yaml approve the pull request "
                         "that adds it (`trackplan owners waivers.yaml`).\n")  # fmt: skip
    return EXIT_OK


PLAN_ID = re.compile(r"[a-z][a-z0-9-]*\Z")


def _git_user(root: Path) -> str:
    """Who runs the command, as git knows them (empty outside git or when unset)."""
    try:
        done = subprocess.run(["git", "-C", str(root), "config", "user.name"],
                              capture_output=True, text=True, timeout=30, check=False)  # fmt: skip
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "waive",
        help="accept a known change on purpose: write a waiver to waivers.yaml",
        description="Write a waiver to waivers.yaml at the registry's root (created when "
        "missing; its other entries and comments are kept): the changes of diff rule RULE at "
        "SUBJECT, or inside it, are accepted until --expires, for --reason. SUBJECT is PLAN, "
        "PLAN/EVENT or PLAN/EVENT/PROPERTY (a nested property's path joined by '.'; traits as "
        "PLAN/$identify/TRAIT or PLAN/$group/TRAIT, common properties as "
        "PLAN/$common/PROPERTY; in a name, write '/' as ~1, '.' as ~2 and '~' as ~0). A "
        "waiver is a reviewed decision: one the base branch holds "
        "counts, one a pull request adds counts once the owners of waivers.yaml "
        "(CODEOWNERS) approve that pull request. A waived change is listed in the review with "
        "its reason and counts neither as breaking nor as forbidden; after --expires, "
        "validation fails until the entry is removed or renewed. Nothing is committed.",
    )
    parser.add_argument("rule", metavar="RULE", help="a diff rule id, e.g. property-removed")
    parser.add_argument("subject", metavar="SUBJECT",
                        help="PLAN, PLAN/EVENT or PLAN/EVENT/PROPERTY")  # fmt: skip
    parser.add_argument("--reason", required=True, help="why the change is accepted")
    parser.add_argument("--expires", required=True, metavar="YYYY-MM-DD",
                        help="the last day the waiver holds")  # fmt: skip
    parser.add_argument("--accepted-by", metavar="WHO",
                        help="who accepted it: @login, @org/team or #PR (default: git's "
                        "user.name)")  # fmt: skip
    parser.add_argument("--repo", default=".", help="the registry folder (default: .)")
    parser.add_argument("--format", choices=("text", "json"), default="text",
                        help="text: the line written; json: the waiver as read back")  # fmt: skip
    parser.set_defaults(handler=run)
