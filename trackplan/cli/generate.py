"""`trackplan generate`: typed tracking code from a release or a registry."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from registry.about import installed_version
from registry.codegen import LANGUAGES, CodegenError
from registry.codegen.model import build_model
from registry.codegen.output import Difference, differences, write_all
from registry.escape import clean
from registry.lint.render import (
    escape_data,
    escape_property,
    markdown_table,
    notice,
    render_findings,
)
from registry.pull.sources import (
    PlanRequest,
    PlanSourceError,
    from_lock,
    from_registry,
)
from registry.text import plural
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    parse_cache,
)

SHOWN_ERRORS = 20  # validation errors `generate` lists before it refuses


def run(args: argparse.Namespace) -> int:
    try:
        generated = _generate(args)
        if generated is None:
            return EXIT_FINDINGS  # the plan does not validate (listed)
        files, made = generated
        if args.check:
            return _report_check(args, made, differences(Path(args.out), files))
        write_all(Path(args.out), files)
    except (CodegenError, PlanSourceError) as exc:
        raise UsageError(str(exc)) from None
    rows = [(str(m["file"]), str(m["plan"]), str(m["version"]), str(m["events"]),
             str(m["sha256"])) for m in made]  # fmt: skip
    if args.format == "json":
        sys.stdout.write(json.dumps({"files": made}, indent=2, sort_keys=True) + "\n")
    elif args.format == "markdown":
        sys.stdout.write(markdown_table(("File", "Plan", "Version", "Events", "From sha256"),
                                        rows))  # fmt: skip
    else:
        for file, plan, version, events, _ in rows:
            line = f"wrote {file}: plan {plan} {version}, {plural(int(events), 'event')}"
            sys.stdout.write(notice(line, file) if args.format == "github" else line + "\n")
    return EXIT_OK


def _generate(args: argparse.Namespace) -> tuple[dict[str, str], list[dict[str, Any]]] | None:
    """The files `generate` would write, and what each came from; None (after listing them)
    when the plans of --repo have validation errors."""
    wanted = PlanRequest.parse(args.plan) if args.plan else None
    if args.repo is not None:
        found, errors = from_registry(Path(args.repo), wanted, parse_cache(args))
        if errors:
            shown = render_findings(errors[:SHOWN_ERRORS], "text", 0).rsplit("\n", 2)[0]
            sys.stdout.write(shown + "\n")
            if len(errors) > SHOWN_ERRORS:
                print(f"...and {len(errors) - SHOWN_ERRORS} more (trackplan validate)")
            print(f"trackplan: error: {plural(len(errors), 'validation error')}: fix the "
                  "plan before generating code from it", file=sys.stderr)  # fmt: skip
            return None
    else:
        found = from_lock(Path(args.lock), Path(args.plans), wanted)
    if not found:
        raise CodegenError("no plans to generate code for")
    models = [build_model(a.document, a.bundle, a.name, a.sha256) for a in found]
    files: dict[str, str] = {}
    made: list[dict[str, Any]] = []
    # file, case-folded -> the plan that writes it and the name: macOS and Windows keep
    # WebAppTracking.swift and WebappTracking.swift as one file, the second over the first.
    writers: dict[str, tuple[str, str]] = {}
    for model in models:
        generated = LANGUAGES[args.lang](model, installed_version())
        for name in generated:
            if name.casefold() in writers:  # e.g. plans a-b and ab are both Go package ab
                plan, other = writers[name.casefold()]
                both = name if other == name else (f"{other} and {name} (one file on macOS "
                                                   "and Windows)")  # fmt: skip
                raise CodegenError(
                    f"plans '{plan}' and '{model.id}' would both write {both} in "
                    f"{args.lang}: generate them one at a time (--plan) into different --out "
                    "folders")  # fmt: skip
            writers[name.casefold()] = (model.id, name)
        files.update(generated)
        made += [{"file": str(Path(args.out) / name), "plan": model.id, "version": model.version,
                  "source": model.source, "sha256": model.sha256, "events": len(model.events)}
                 for name in generated]  # fmt: skip
        for collision in model.collisions:
            print(f"trackplan: warning: plan '{model.id}': {collision.message()}",
                  file=sys.stderr)  # fmt: skip
    return files, made


def _report_check(args: argparse.Namespace, made: list[dict[str, Any]],
                  found: list[Difference]) -> int:  # fmt: skip
    if args.format == "json":
        differing = [{"file": str(d.path), "summary": d.summary, "diff": list(d.diff)}
                     for d in found]  # fmt: skip
        sys.stdout.write(json.dumps({"files": made, "differences": differing}, indent=2,
                                    sort_keys=True) + "\n")  # fmt: skip
    elif args.format == "github":
        for d in found:
            said = escape_data(f"{d.summary}: run trackplan generate")
            sys.stdout.write(f"::error file={escape_property(str(d.path))}::{said}\n")
    else:
        lines = [clean(line) for d in found for line in d.lines()]
        sys.stdout.write("".join(line + "\n" for line in lines)
                         or f"{plural(len(made), 'file')} up to date\n")  # fmt: skip
    return EXIT_FINDINGS if found else EXIT_OK


def add_parser(sub: Any) -> None:
    generate_parser = sub.add_parser(
        "generate",
        help="typed tracking code (TypeScript, Python, Go) from a pulled release or a registry",
        description="Write one module per plan (Go: one package folder per plan): a typed "
        "function per event (required and "
        "optional properties, enums as literal types, nested objects and arrays), identify "
        "and group traits, doc comments, deprecations; calls go to a sink you adapt to your "
        "analytics SDK, and are checked against the plan at run time without ever raising. "
        "By default from the releases locked in trackplan.lock (after `trackplan pull`), "
        "checked against the lock's sha256; with --repo from a registry folder as it is. "
        "Output is byte-for-byte deterministic; files are written all at once. With --check "
        "nothing is written: exit 1 and a short diff when the files on disk differ (for CI).",
    )
    generate_parser.add_argument("--lang", required=True, choices=sorted(LANGUAGES),
                                 help="the language to generate")  # fmt: skip
    generate_parser.add_argument(
        "--plan", metavar="ID[@RANGE]",
        help="one plan (default: every plan of the lock, or of --repo); @RANGE (e.g. web@^2) "
        "must be satisfied by the locked version",
    )  # fmt: skip
    generate_parser.add_argument(
        "--repo", metavar="PATH", default=None,
        help="generate from this registry folder instead of the lock (version "
        "0.0.0-unreleased; plans with validation errors are refused)",
    )  # fmt: skip
    generate_parser.add_argument("--lock", default="trackplan.lock", metavar="FILE",
                                 help="the lock file (default: trackplan.lock)")  # fmt: skip
    generate_parser.add_argument(
        "--plans", default="trackplan-plans", metavar="DIR",
        help="where `trackplan pull` put the artifacts (its --out; default: trackplan-plans)",
    )  # fmt: skip
    generate_parser.add_argument("--out", required=True, metavar="DIR",
                                 help="the folder for the generated modules")  # fmt: skip
    generate_parser.add_argument("--check", action="store_true",
                                 help="write nothing; exit 1 if the files differ")  # fmt: skip
    generate_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="text",
        help="text: a line per file written (with --check: a short diff per file that "
        "differs); json: the files with plan, version and source checksum; markdown: a table; "
        "github: a notice per file (with --check: an error per file that differs) "
        "(default: text)",
    )  # fmt: skip
    generate_parser.add_argument("--no-cache", action="store_true",
                                 help="parse every file again (with --repo)")  # fmt: skip
    generate_parser.set_defaults(handler=run)
