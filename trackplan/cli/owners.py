"""`trackplan owners PATH...`: who owns these files and the events in them."""

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
from registry.load.loader import load_registry
from registry.review.ownership import ownership, ownership_rows, render_ownership
from trackplan.cli.common import (
    EXIT_OK,
    UsageError,
    add_common,
    open_registry,
    parse_cache,
)


def run(args: argparse.Namespace) -> int:
    snapshot = open_registry(args.repo)
    registry = load_registry(snapshot, parse=parse_cache(args)).registry
    root = Path(args.repo).resolve()
    entries = [
        ownership(registry, _relative(path, root), folder=(root / _relative(path, root)).is_dir())
        for path in args.paths
    ]
    if args.format == "json":
        text = json.dumps({"files": entries}, indent=2, sort_keys=True, ensure_ascii=False)
        sys.stdout.write(text + "\n")
    elif args.format == "markdown":
        sys.stdout.write(markdown_table(("File", "Owners", "Why"), ownership_rows(entries)))
    elif args.format == "github":
        for path, owners, why in ownership_rows(entries):
            sys.stdout.write(notice(f"owners: {owners} ({why})", path))
    else:
        for entry in entries:
            sys.stdout.write(render_ownership(entry))
    return EXIT_OK


def _relative(path: str, root: Path) -> str:
    """A path as given (relative to the registry) or absolute/relative to the current folder."""
    candidate = Path(path)
    if candidate.exists():
        try:
            return candidate.resolve().relative_to(root).as_posix()
        except ValueError:
            raise UsageError(f"{path}: not inside the registry {root}") from None
    return path.lstrip("/")


def add_parser(sub: Any) -> None:
    owners_parser = sub.add_parser(
        "owners",
        help="who owns these files (CODEOWNERS) and the plans and events in them",
        description="For each PATH (relative to the registry, or a file inside it): the owners "
        "of its CODEOWNERS line (last match wins, as on GitHub), and for a plan file the "
        "plan's owners and each event's owners. The bot requires these owners' approval.",
    )
    owners_parser.add_argument("paths", nargs="+", metavar="PATH")
    add_common(owners_parser, {"text": "the owners of each path and why", "json": "the same",
                            "markdown": "a table", "github": "a notice per path"})  # fmt: skip
    owners_parser.set_defaults(handler=run)
