"""`trackplan import FORMAT SOURCE --plan ID`: a plan from another tool's format."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from registry.escape import clean
from registry.findings import ERROR
from registry.lint.render import render_findings
from registry.text import plural
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    formats_help,
)


def run(args: argparse.Namespace) -> int:
    from registry.formats.base import FormatError
    from registry.formats.transfer import LossRefused, import_plan

    if args.history:
        return _history(args)
    try:
        result = import_plan(args.format_name, Path(args.source), args.plan, Path(args.repo),
                             force=args.force, strict=args.strict, shape=args.shape)  # fmt: skip
    except LossRefused as exc:
        _warn_lost(args.source, exc.lost)
        print(f"trackplan: error: {args.source}: {exc}", file=sys.stderr)
        return EXIT_FINDINGS
    except FormatError as exc:
        raise UsageError(str(exc)) from None
    for said in result.left_out:
        print(f"trackplan: warning: {args.source}: left out {said}", file=sys.stderr)
    _warn_lost(args.source, result.lost)
    for said in result.skipped:
        print(f"trackplan: error: {clean(said)}; skipped, the rest is imported", file=sys.stderr)
    wrote = f"wrote {result.path}: plan {args.plan}, {plural(result.events, 'event')}"
    if args.format == "json":
        sys.stdout.write(json.dumps({"file": result.path, "plan": args.plan,
                                     "events": result.events, "left_out": result.left_out,
                                     "lost": [loss.to_dict() for loss in result.lost],
                                     "skipped": result.skipped,
                                     "findings": [f.to_dict() for f in result.findings]},
                                    indent=2, sort_keys=True) + "\n")  # fmt: skip
    else:
        print(wrote)
        if result.findings:  # names imported as they are: the lint says what to rename
            sys.stdout.write(render_findings(result.findings, "text", 1))
    failed = result.skipped or any(f.level == ERROR for f in result.findings)
    return EXIT_FINDINGS if failed else EXIT_OK


def _history(args: argparse.Namespace) -> int:
    from registry.formats.base import FormatError
    from registry.formats.transfer import import_history

    if args.strict or args.shape:
        raise UsageError("--history takes neither --strict nor --shape")
    try:
        done = import_history(args.format_name, Path(args.source), args.plan, Path(args.repo),
                              force=args.force)  # fmt: skip
    except FormatError as exc:
        raise UsageError(str(exc)) from None
    _warn_lost(args.source, done.result.lost)
    for label, commit, tags in done.steps:
        said = ", ".join(tags) if tags else "no release (nothing changed)"
        print(f"{label}: {commit[:12]} {said}")
    for said in done.blocked:
        print(f"trackplan: error: {clean(said)}", file=sys.stderr)
    print(f"wrote {done.result.path}: plan {args.plan}, {plural(done.result.events, 'event')}, "
          f"{plural(len(done.steps), 'version')} committed")  # fmt: skip
    return EXIT_FINDINGS if done.blocked else EXIT_OK


SHOWN = 20  # lost definitions listed on the terminal; --format json lists every one


def _warn_lost(source: str, lost: list[Any]) -> None:
    """One warning for everything the plan cannot hold, each with its place in the source."""
    if not lost:
        return
    counts: dict[str, int] = {}
    for loss in lost:
        counts[loss.kind] = counts.get(loss.kind, 0) + 1
    said = ", ".join(plural(n, kind) for kind, n in sorted(counts.items()))
    lines = [f"trackplan: warning: {source}: the plan cannot hold {said}; left out:"]
    lines += [f"  {clean(str(loss))}" for loss in lost[:SHOWN]]
    if len(lost) > SHOWN:
        lines.append(f"  … and {len(lost) - SHOWN} more (--format json lists them all; "
                     "--strict refuses any loss)")  # fmt: skip
    print("\n".join(lines), file=sys.stderr)


def add_parser(sub: Any) -> None:
    from registry.formats import IMPORTERS

    said = formats_help()
    import_parser = sub.add_parser(
        "import",
        help="bring a plan in from Segment, RudderStack, Snowplow Iglu, Glean, OpenTrackPlan "
        "or a spreadsheet",
        description="Read a tracking plan in another tool's format and write it as "
        "plans/ID/plan.yaml of the registry. The result must validate or nothing is written "
        "(exit 2, naming the file and line or row of the input); names that break the "
        "registry's conventions are imported as they are and listed by the naming lint "
        "(exit 1), never renamed. What the format has that a plan cannot hold is named in "
        f"one warning. Formats: {said}.",
    )
    import_parser.add_argument("format_name", metavar="FORMAT", choices=sorted(IMPORTERS),
                               help=f"one of {', '.join(sorted(IMPORTERS))}")  # fmt: skip
    import_parser.add_argument(
        "source",
        metavar="SOURCE",
        help="the file (segment, csv, glean) or folder (rudderstack, iglu, opentp)",
    )
    import_parser.add_argument("--plan", required=True, metavar="ID",
                               help="the id of the new plan (its folder under plans/)")  # fmt: skip
    import_parser.add_argument("--repo", default=".", metavar="PATH",
                               help="the registry to import into (default: .)")  # fmt: skip
    import_parser.add_argument("--force", action="store_true",
                               help="replace plans/ID if it exists")  # fmt: skip
    import_parser.add_argument("--strict", action="store_true",
                               help="refuse the import (exit 1, nothing written) when the plan "
                               "cannot hold every definition of the source")  # fmt: skip
    import_parser.add_argument("--history", action="store_true",
                               help="iglu: import every SchemaVer, oldest first, as a commit of "
                               "--repo (a git repository) with the plan's release tag, so "
                               "`trackplan log` and `diff` read the history")  # fmt: skip
    import_parser.add_argument("--shape", metavar="SHAPE",
                               help="the variant of the format, where it has several (segment: "
                               "config, public, typewriter); default: detected")  # fmt: skip
    import_parser.add_argument("--format", choices=("text", "json", "markdown", "github"),
                               default="text",
                               help="text: the file written and the naming findings; json: "
                               "the same as data (default: text)")  # fmt: skip
    import_parser.set_defaults(handler=run)
