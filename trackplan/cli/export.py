"""`trackplan export FORMAT --plan ID[@VERSION]`: a plan in another tool's format."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from registry.pull.sources import (
    PlanRequest,
    PlanSourceError,
    from_registry,
    from_release,
)
from registry.text import plural
from trackplan.cli.common import (
    EXIT_OK,
    UsageError,
    formats_help,
    parse_cache,
)


def run(args: argparse.Namespace) -> int:
    from registry.formats import FORMATS
    from registry.formats.base import FormatError
    from registry.formats.transfer import export_files, left_behind, write_export

    folder = bool(FORMATS[args.format_name].FOLDER)
    if folder and args.out is None:
        raise UsageError(f"{args.format_name} exports a folder of files: pass --out DIR")
    try:
        wanted = PlanRequest.parse(args.plan)
        if wanted.range:
            document = from_release(Path(args.repo), wanted.plan, wanted.range).document
        else:
            found, errors = from_registry(Path(args.repo), wanted, parse_cache(args))
            if errors:
                raise UsageError(f"{plural(len(errors), 'validation error')} in plan "
                                 f"'{wanted.plan}': run `trackplan validate` and fix them, or "
                                 "export a release (--plan ID@VERSION)")  # fmt: skip
            document = found[0].document
        options: dict[str, Any] = {}
        if args.format_name == "iglu":
            options["vendor"] = args.vendor
            options["published"] = _published(Path(args.out)) if args.out else {}
        files, dropped = export_files(args.format_name, document, **options)
    except (PlanSourceError, FormatError) as exc:
        raise UsageError(str(exc)) from None
    if dropped:
        print(f"trackplan: warning: {dropped}", file=sys.stderr)
    if args.out is None:
        (data,) = files.values()
        sys.stdout.buffer.write(data)
        return EXIT_OK
    try:
        written = write_export(files, Path(args.out), folder)
    except FormatError as exc:
        raise UsageError(str(exc)) from None
    except OSError as exc:
        raise UsageError(
            f"{args.out}: cannot write ({exc.strerror}); nothing was written"
        ) from None
    print(f"wrote {plural(len(written), 'file')} for plan {wanted.plan} to {args.out}",
          file=sys.stderr)  # fmt: skip
    stale = left_behind(Path(args.out), files, getattr(FORMATS[args.format_name], "OWNED", ()))
    if stale:
        shown = ", ".join(stale[:5]) + (f" (and {len(stale) - 5} more)" if len(stale) > 5 else "")
        said = (f"{plural(len(stale), 'file')} in {args.out} this export did not write (from "
                f"an earlier one: an event since removed or renamed?): {shown}; delete them, "
                "or an import of the folder reads them again")  # fmt: skip
        print(f"trackplan: warning: {said}", file=sys.stderr)
    return EXIT_OK


def _published(out: Path) -> dict[str, bytes]:
    """The files an earlier Iglu export left in `out` (vendor/name/jsonschema/M-R-A): their
    versions are published and never rewritten."""
    if not out.is_dir():
        return {}
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for p in sorted(out.glob("*/*/jsonschema/*")) if p.is_file()}  # fmt: skip


def add_parser(sub: Any) -> None:
    from registry.formats import FORMATS

    said = formats_help()
    export_parser = sub.add_parser(
        "export",
        help="write a plan in Segment, RudderStack, Iglu, OpenTrackPlan, CSV or Mixpanel format",
        description="Write a plan of the registry (--plan ID: as it is; --plan ID@VERSION: "
        "a release tag) in another tool's format, to standard output or --out. Whatever the "
        "format cannot carry (lifecycle stages into Segment, owners into Iglu, ...) is named "
        "in one warning on stderr, never dropped silently. Files are staged, then moved into "
        f"place. Formats: {said}.",
    )
    export_parser.add_argument("format_name", metavar="FORMAT", choices=sorted(FORMATS),
                               help=f"one of {', '.join(sorted(FORMATS))}")  # fmt: skip
    export_parser.add_argument("--plan", required=True, metavar="ID[@VERSION]",
                               help="the plan, and a released version of it")  # fmt: skip
    export_parser.add_argument("--repo", default=".", metavar="PATH",
                               help="the registry folder or repository (default: .)")  # fmt: skip
    export_parser.add_argument("--out", metavar="FILE|DIR",
                               help="where to write (a folder for rudderstack and iglu); "
                               "default: standard output")  # fmt: skip
    export_parser.add_argument(
        "--vendor", metavar="VENDOR", help="iglu: the schemas' vendor (default io.trackplan.ID)"
    )
    export_parser.add_argument("--no-cache", action="store_true",
                               help="parse every plan file again")  # fmt: skip
    export_parser.set_defaults(handler=run)
