"""`trackplan pull PLAN@RANGE --from SOURCE`: fetch a release, record it in the lock."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from registry.lint.render import (
    markdown_table,
    notice,
)
from registry.pull.fetch import PullError, PullInputError, pull
from registry.pull.ranges import RangeError
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    EXIT_USAGE,
    UsageError,
    release_source,
)


def run(args: argparse.Namespace) -> int:
    plan, _, spec = args.spec.partition("@")
    if not plan:
        raise UsageError(f"{args.spec}: give PLAN@RANGE, e.g. web@^1 or web@latest")
    try:
        source = release_source(args.source)
        result = pull(source, plan, spec or "latest", Path(args.out), Path(args.lock),
                      frozen=args.frozen)  # fmt: skip
    except (PullInputError, RangeError) as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE  # input it cannot read
    except PullError as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    if args.format == "json":
        data = {"plan": result.plan, "version": result.version, "files": result.files,
                "folder": str(result.written)}  # fmt: skip
        sys.stdout.write(json.dumps(data, indent=2, sort_keys=True) + "\n")
    else:
        line = (f"{result.plan} {result.version} -> {result.written} "
                f"({len(result.files)} files), locked in {args.lock}")  # fmt: skip
        if args.format == "github":
            sys.stdout.write(notice(line, args.lock))
        elif args.format == "markdown":
            rows = [(name, digest) for name, digest in sorted(result.files.items())]
            sys.stdout.write(f"**{line}**\n\n" + markdown_table(("File", "sha256"), rows))
        else:
            print(line)
    return EXIT_OK


def add_parser(sub: Any) -> None:
    pull_parser = sub.add_parser(
        "pull",
        help="fetch a released plan version and record it in trackplan.lock",
        description="Resolve PLAN@RANGE (^1.2, ~1.2, '>=1.0 <2', 1.2.3 or latest) against the "
        "release tags of SOURCE (a local git repository, a git URL, or a read-API URL such "
        "as http://host:8000 served by `trackplan serve --registry`), write the version's "
        "artifacts (plan JSON, JSON Schema, changelog, SHA256SUMS) to --out/PLAN and record "
        "version and checksums in the lock file. Nothing is written when anything fails. "
        "With --frozen the locked version is fetched and any checksum mismatch fails.",
    )
    pull_parser.add_argument("spec", metavar="PLAN@RANGE")
    pull_parser.add_argument(
        "--from", dest="source", required=True, metavar="SOURCE",
        help="a local git repository, a git URL or a read-API URL",
    )  # fmt: skip
    pull_parser.add_argument("--out", default="trackplan-plans", metavar="DIR",
                             help="where artifacts go (default: trackplan-plans)")  # fmt: skip
    pull_parser.add_argument("--lock", default="trackplan.lock", metavar="FILE",
                             help="the lock file (default: trackplan.lock)")  # fmt: skip
    pull_parser.add_argument("--frozen", action="store_true",
                             help="use the locked version; fail on any mismatch")  # fmt: skip
    pull_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="text"
    )
    pull_parser.set_defaults(handler=run)
