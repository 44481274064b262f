"""The `trackplan` command line: argument parsing and exit codes; the work is done elsewhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence

from registry.cache import ParseCache, default_cache_dir
from registry.render import render_findings
from registry.snapshot import FolderSnapshot, SnapshotError
from registry.validate import validate

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Input the command cannot read at all: exit 2 with the message."""


def _common(parser: argparse.ArgumentParser, formats: Sequence[str]) -> None:
    parser.add_argument(
        "--repo",
        default=".",
        metavar="PATH",
        help="the registry: a folder with plans/ and/or trackplan.yaml (default: .)",
    )
    parser.add_argument(
        "--format",
        choices=formats,
        default="text",
        help="output: text (file:line:col: level rule-id message), json, markdown, or github "
        "(workflow annotation lines) (default: text)",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="parse every file again instead of using the parse cache "
        "($TRACKPLAN_CACHE_DIR, default ~/.cache/trackplan)",
    )


def parse_cache(args: argparse.Namespace) -> ParseCache:
    """One cache per command run; on disk unless --no-cache."""
    return ParseCache(None if args.no_cache else default_cache_dir())


def cmd_validate(args: argparse.Namespace) -> int:
    snapshot = FolderSnapshot(args.repo)
    if not snapshot.is_registry():
        raise UsageError(
            f"{args.repo}: not a trackplan registry (no plans/ folder and no trackplan.yaml); "
            "pass the registry folder with --repo"
        )
    report = validate(snapshot, parse=parse_cache(args))
    yaml_files = sum(1 for p in snapshot.paths() if p.endswith((".yaml", ".yml")))
    sys.stdout.write(render_findings(report.findings, args.format, yaml_files))
    return EXIT_FINDINGS if report.errors else EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackplan",
        description="A git-native registry for analytics tracking plans. "
        "Exit status: 0 ok, 1 findings at or above the fail level, "
        "2 usage error or input that cannot be read.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    validate_parser = sub.add_parser(
        "validate",
        help="check plan files: format, cross-references and naming conventions",
        description="Check every plan of the registry: YAML syntax and safety, the plan format "
        "(schemas/plan.schema.json), cross-references ($ref, sources, objectives, "
        "lifecycle stages, KPI events) and the naming conventions of trackplan.yaml. "
        "Exits 0 when there is no error (warnings allowed), 1 when there is any "
        "error, 2 when the registry cannot be read.",
    )
    _common(validate_parser, ("text", "json", "markdown", "github"))
    validate_parser.set_defaults(handler=cmd_validate)
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("trackplan")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `trackplan` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    try:
        return handler(args)
    except (UsageError, SnapshotError) as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("trackplan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `trackplan validate | head`
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
