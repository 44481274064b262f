"""`trackplan status [PATHS...]`: what an app's code really sends, held against the plan."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from registry.about import installed_version
from registry.codegen import CALL_NAMES, LANGUAGES
from registry.codegen.model import PlanModel, build_model, event_idents
from registry.escape import clean
from registry.eventcheck.progress import Progress
from registry.load.file_schemas import check_document
from registry.load.snapshot import SETTINGS_FILE
from registry.load.yamlsafe import YamlError, load_yaml
from registry.pull.sources import (
    Artifacts,
    PlanRequest,
    PlanSourceError,
    from_lock,
    from_registry,
    from_release,
)
from registry.status.calls import specs_from_settings
from registry.status.languages import GrammarMissing
from registry.status.report import FAIL_ON, build_report, render, tokens
from registry.status.scan import Generated, scan
from registry.text import plural
from schemas import SETTINGS_SCHEMA
from trackplan.cli.common import EXIT_FINDINGS, EXIT_OK, UsageError, parse_cache

LOCK_FILE = "trackplan.lock"
SKIPPED_SHOWN = 20


def run(args: argparse.Namespace) -> int:
    try:
        plans = _plans(args)
    except PlanSourceError as exc:
        raise UsageError(str(exc)) from None
    status, config = _status_settings(args)
    specs = specs_from_settings(status)
    paths = [Path(p) for p in args.paths]
    for path in paths:
        if not path.exists():
            raise UsageError(f"{path}: no such file or folder")
    progress = Progress("read", "source file")
    exclude = [*status.get("exclude", ()), *args.exclude]
    try:
        found = scan(paths, tokens(specs), exclude, progress.tick, config)
    except GrammarMissing as exc:
        raise UsageError(str(exc)) from None
    progress.done()
    models: dict[str, PlanModel] = {}

    def model(artifacts: Artifacts) -> PlanModel:
        if artifacts.plan not in models:
            models[artifacts.plan] = build_model(artifacts.document, artifacts.bundle,
                                                 artifacts.name, artifacts.sha256)  # fmt: skip
        return models[artifacts.plan]

    languages = {language for _, language in found.calls}
    generated_calls: dict[str, dict[str, list[tuple[str, str]]]] = {}
    for language in sorted(languages):
        # JavaScript calls the TypeScript Tracker (compiled, or imported from JS).
        names = CALL_NAMES.get("typescript" if language == "javascript" else language)
        if names is None:
            continue
        methods = generated_calls.setdefault(language, {})
        for artifacts in plans:
            events = (artifacts.bundle.get("$defs") or {}).get("events") or {}
            for method, event in names(event_idents(events)).items():
                methods.setdefault(method, []).append((artifacts.plan, event))
    by_plan = {a.plan: a for a in plans}

    def regenerate(file: Generated) -> str | None:
        artifacts = by_plan.get(file.plan)
        if artifacts is None or file.language not in LANGUAGES:
            return None
        written = LANGUAGES[file.language](model(artifacts), installed_version())
        name = Path(file.file).name
        same = [text for path, text in written.items() if Path(path).name == name]
        return same[0] if same else next(iter(written.values()), None)

    report = build_report([a.document for a in plans], found, specs, generated_calls,
                          regenerate)  # fmt: skip
    sys.stdout.write(render(report, args.format))
    for file, why in report.skipped[:SKIPPED_SHOWN]:
        print(f"trackplan: note: skipped {clean(file)}: {clean(why)}", file=sys.stderr)
    if len(report.skipped) > SKIPPED_SHOWN:
        print(f"trackplan: note: and {len(report.skipped) - SKIPPED_SHOWN} more skipped "
              "(--format json lists them)", file=sys.stderr)  # fmt: skip
    return EXIT_FINDINGS if report.fails(args.fail_on) else EXIT_OK


def _plans(args: argparse.Namespace) -> list[Artifacts]:
    """The plan versions to hold the code against (every plan of the source unless --plan)."""
    wanted = PlanRequest.parse(args.plan) if args.plan else None
    if args.lock is None and args.repo is None and Path(LOCK_FILE).is_file():
        args.lock = LOCK_FILE  # an app's repository: the versions it pulled
    args.repo = args.repo or "."
    if args.lock is not None:
        found = from_lock(Path(args.lock), Path(args.plans), wanted)
    elif wanted is not None and wanted.range:
        found = [from_release(Path(args.repo), wanted.plan, wanted.range)]
    else:
        found, errors = from_registry(Path(args.repo), wanted, parse_cache(args))
        if errors:
            raise PlanSourceError(
                f"{plural(len(errors), 'validation error')} in the plans of {args.repo}: run "
                "`trackplan validate` and fix them, or hold the code against a release "
                "(--plan ID@VERSION) or the lock (--lock)"
            )
    if not found:
        raise PlanSourceError("no plans to hold the code against")
    return found


def _status_settings(args: argparse.Namespace) -> tuple[dict[str, Any], Path | None]:
    """`status:` of trackplan.yaml — the app's own beside the first PATH or in the current
    folder, else the registry's (--repo) — and the folder it is in (its `exclude` patterns
    are relative to it). A file that fails its schema is an error, never the defaults."""
    first = Path(args.paths[0])
    for folder in (first if first.is_dir() else Path("."), Path("."), Path(args.repo or ".")):
        path = folder / SETTINGS_FILE
        if not path.is_file():
            continue
        try:
            doc = load_yaml(path.read_bytes())
        except YamlError as exc:
            raise UsageError(f"{path}:{exc.line}: {exc.message}") from None
        except OSError as exc:
            raise UsageError(f"{path}: cannot be read ({exc.strerror})") from None
        errors = check_document(SETTINGS_FILE, doc, SETTINGS_SCHEMA)
        if errors:
            first_error = errors[0]
            raise UsageError(f"{path}:{first_error.location.line}: {first_error.message} "
                             "(`trackplan validate` lists every problem)")  # fmt: skip
        data = doc.data if isinstance(doc.data, dict) else {}
        return dict(data.get("status") or {}), folder
    return {}, None


def add_parser(sub: Any) -> None:
    parser = sub.add_parser(
        "status",
        help="what an app's code really sends, held against the plan",
        description="Scan an application's source tree (TypeScript, JavaScript with JSX/TSX, "
        "Python, Kotlin, Swift, Java, Go; parsed with tree-sitter, so calls in comments and "
        "strings never count) for tracking calls: the Tracker methods `trackplan generate` "
        "writes, and SDK calls with a literal event name (Segment and RudderStack "
        "analytics.track, Amplitude track/logEvent, Mixpanel track, PostHog capture, "
        "Snowplow self-describing events; more, or others, in trackplan.yaml under "
        "status.calls). Reports, per plan: planned events no code calls "
        "(planned_never_called, a warning: a plan may serve several apps); calls of events no "
        "plan defines, with the closest planned name or the event they were renamed to "
        "(unplanned); literal property keys an event does not define and required ones a "
        "literal leaves out (property_drift); deprecated events still called "
        "(deprecated_called; an error past their sunset); generated files that do not match "
        "the plan (stale_generated); calls whose event name is built at run time (dynamic, "
        "counted with their place, never guessed). Exits 1 when a finding reaches --fail-on.",
    )
    parser.add_argument("paths", nargs="*", default=["."], metavar="PATH",
                        help="source folders or files (default: .)")  # fmt: skip
    parser.add_argument("--plan", metavar="ID[@RANGE]",
                        help="one plan (default: every plan of the source)")  # fmt: skip
    parser.add_argument("--repo", default=None, metavar="PATH",
                        help="the registry folder or repository (default: ., unless there "
                        "is a trackplan.lock here)")  # fmt: skip
    parser.add_argument(
        "--lock", nargs="?", const=LOCK_FILE, default=None, metavar="FILE",
        help="hold the code against the versions locked in FILE (default trackplan.lock; "
        "used without asking when it is in the current folder and --repo is not given)",
    )  # fmt: skip
    parser.add_argument("--plans", default="trackplan-plans", metavar="DIR",
                        help="where `trackplan pull` put the artifacts")  # fmt: skip
    parser.add_argument("--exclude", action="append", default=[], metavar="GLOB",
                        help="a path or name pattern not to read (repeatable)")  # fmt: skip
    parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="text",
        help="text: a line per finding; json: findings grouped by kind; markdown: a table; "
        "github: an annotation on each calling line (default: text)",
    )  # fmt: skip
    parser.add_argument(
        "--fail-on", choices=FAIL_ON, default="error",
        help="exit 1 on errors (unplanned calls, property drift, stale generated code, "
        "events past their sunset), on warnings too (planned events never called, "
        "deprecated ones called), or never (default: error)",
    )  # fmt: skip
    parser.add_argument("--no-cache", action="store_true",
                        help="parse every plan file again (a registry folder)")  # fmt: skip
    parser.set_defaults(handler=run)
