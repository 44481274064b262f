"""`trackplan release`: tag every plan changed since its last release."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from registry.lint.render import markdown_table, notice
from registry.load import gitrepo
from registry.load.snapshot import GitSnapshot
from registry.release.artifacts import ReleaseInfo
from registry.release.planner import ReleaseError, plan_releases, pull_request_number
from registry.text import plural
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    add_common,
    parse_cache,
    read_notes,
)


def run(args: argparse.Namespace) -> int:
    repo = Path(args.repo)
    head = GitSnapshot(repo, args.rev)
    if not head.is_registry():
        raise UsageError(f"{args.repo}: no trackplan registry at {args.rev}")
    notes = read_notes(args.notes)
    info = gitrepo.commit(head.git_root, head.commit)
    try:
        planned = plan_releases(
            head, head.commit, gitrepo.tags(head.git_root),
            lambda sha: GitSnapshot(repo, sha),
            reachable=gitrepo.tags_merged_into(head.git_root, head.commit), notes=notes,
            info=ReleaseInfo(head.commit, pull_request_number(info.message)),
            parse=parse_cache(args),
        )  # fmt: skip
    except ReleaseError as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    failed = False
    results = []
    for release in planned:
        previous = release.previous or "unreleased"
        line = f"{release.plan}: {previous} -> {release.version} ({release.bump}) {release.tag}"
        if release.blocked:
            failed = True
            status = f"not released: {plural(len(release.blocked), 'validation error')}"
            for finding in release.blocked:
                print(
                    f"{finding.location}: error {finding.rule} {finding.message}", file=sys.stderr
                )
        elif release.exists:
            status = "already released"
        elif args.dry_run:
            status = "would be tagged (dry run)"
        else:
            gitrepo.create_annotated_tag(head.git_root, release.tag, head.commit, release.changelog)
            status = "tagged"
        results.append(
            {"plan": release.plan, "version": release.version, "tag": release.tag,
             "previous": release.previous, "bump": release.bump, "status": status}
        )  # fmt: skip
        if args.format == "text":
            print(f"{line}: {status}")
    if args.format == "json":
        sys.stdout.write(json.dumps({"releases": results}, indent=2, sort_keys=True) + "\n")
    elif not planned and args.format != "github":
        print("nothing to release: every plan is unchanged since its last release")
    elif args.format == "markdown":
        keys = ("plan", "previous", "version", "bump", "tag", "status")
        rows = [[str(r[k] or "unreleased") for k in keys] for r in results]
        header = ("Plan", "Released", "Next", "Bump", "Tag", "Status")
        sys.stdout.write(markdown_table(header, rows))
    elif args.format == "github":
        for r in results:
            sys.stdout.write(notice(f"{r['plan']} {r['version']} ({r['tag']}): {r['status']}"))
    return EXIT_FINDINGS if failed else EXIT_OK


def add_parser(sub: Any) -> None:
    release_parser = sub.add_parser(
        "release",
        help="tag every plan changed since its last release (--dry-run shows)",
        description="For each plan whose content changed since its last release tag, compute "
        "the bump from the semantic diff and create the annotated tag {plan}/v{version} "
        "(release.tag in trackplan.yaml) at --rev, with the changelog as its message. Plans "
        "that fail validation are not released (exit 1); an existing tag is never moved or "
        "reused; running it twice creates nothing the second time.",
    )
    add_common(release_parser, {"text": "a line per plan", "json": "the releases",
                             "markdown": "a table", "github": "a notice per release"})  # fmt: skip
    release_parser.add_argument(
        "--rev", default="HEAD", help="the commit to release (default: HEAD)"
    )
    release_parser.add_argument("--dry-run", action="store_true", help="show, create nothing")
    release_parser.add_argument(
        "--notes", metavar="FILE", help="migration notes for the changelog (or a PR description)"
    )
    release_parser.set_defaults(handler=run)
