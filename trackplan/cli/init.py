"""`trackplan init [PATH] --template T`: a new registry from a template."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from registry.lint.validate import validate
from registry.load.snapshot import FolderSnapshot
from registry.text import plural
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
)


def run(args: argparse.Namespace) -> int:
    from registry.formats.base import FormatError
    from registry.formats.transfer import write_new_files
    from registry.starters import TEMPLATES, starter_files

    root = Path(args.path)
    if root.is_dir() and FolderSnapshot(root).is_registry():
        raise UsageError(f"{root}: a trackplan registry is there already (plans/ or "
                         "trackplan.yaml); init makes a new one")  # fmt: skip
    files = starter_files(args.template)
    taken = sorted(name for name in files if (root / name).exists())
    if taken:
        raise UsageError(f"{root}: {', '.join(taken)} exist already; nothing was written")
    try:
        write_new_files(root, files)
    except FormatError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(f"{root}: cannot write ({exc.strerror}); nothing was written") from None
    report = validate(FolderSnapshot(root))
    print(f"created a registry in {root} from template {args.template} "
          f"({TEMPLATES[args.template]}): {plural(len(files), 'file')}, "
          f"{plural(len(report.registry.plans), 'plan')}")  # fmt: skip
    for name in sorted(files):
        print(f"  {name}")
    print("next: replace @your-org with your teams (CODEOWNERS and owners:), then "
          f"`trackplan validate --repo {root}`")  # fmt: skip
    return EXIT_FINDINGS if report.errors else EXIT_OK


def add_parser(sub: Any) -> None:
    from registry.starters import TEMPLATES

    init_parser = sub.add_parser(
        "init",
        help="start a new registry from a template (trackplan.yaml, CODEOWNERS, CI, a plan)",
        description="Write a new registry into PATH: trackplan.yaml with the conventions and "
        "review policy, .github/CODEOWNERS, a GitHub Actions workflow that validates and "
        "reviews every pull request, and a starter plan with its objectives, KPIs and "
        "lifecycle stages. It refuses a folder that holds a registry or any of these files. "
        "Templates: " + "; ".join(f"{n}: {d}" for n, d in TEMPLATES.items()) + ".",
    )
    init_parser.add_argument("path", nargs="?", default=".", metavar="PATH",
                             help="the folder (created if missing; default: .)")  # fmt: skip
    init_parser.add_argument("--template", choices=list(TEMPLATES), default="blank",
                             help="the starter plan (default: blank)")  # fmt: skip
    init_parser.set_defaults(handler=run)
