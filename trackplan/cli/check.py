"""`trackplan check EVENTS...`: real calls against a plan, violations by kind."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any

from registry.eventcheck.calls import read_calls
from registry.eventcheck.checker import Checker
from registry.eventcheck.progress import Progress
from registry.eventcheck.report import FAIL_ON as FAIL_ON_CHECK
from registry.eventcheck.report import REPORT_KIND, CheckReport, json_text
from registry.eventcheck.report import render as render_report
from registry.eventcheck.report import run as run_calls
from registry.pull.sources import (
    Artifacts,
    PlanRequest,
    PlanSourceError,
    from_lock,
    from_registry,
    from_release,
)
from registry.text import plural
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    UsageError,
    parse_cache,
    write_atomically,
)


def run(args: argparse.Namespace) -> int:
    if args.checked_on and not args.report_out:
        raise UsageError("--checked-on dates the report --report-out keeps: give both")
    try:
        found = _check_plan(args)
    except PlanSourceError as exc:
        raise UsageError(str(exc)) from None
    artifacts, renamed_in = found
    checker = Checker(artifacts.document, artifacts.bundle, renamed_in)
    several = len(args.events) > 1
    report = CheckReport(checker.plan, checker.version, artifacts.name)
    progress = Progress("checked", "call")
    for name in args.events:
        try:
            handle: IO[bytes] = sys.stdin.buffer if name == "-" else open(name, "rb")  # noqa: SIM115
        except OSError as exc:
            raise UsageError(f"{name}: cannot read the calls ({exc.strerror})") from None
        with handle:
            calls = read_calls(handle)
            if several:
                calls = ((f"{name}:{line}", value) for line, value in calls)  # type: ignore[misc]
            for current in run_calls(checker, calls, artifacts.name, report):
                progress.tick(current.calls + current.malformed)
    progress.done()
    if args.report_out:
        _keep_report(report, Path(args.report_out), args.checked_on)
    sys.stdout.write(render_report(report, args.format))
    return EXIT_FINDINGS if report.fails(args.fail_on) else EXIT_OK


def _keep_report(report: CheckReport, path: Path, checked_on: str | None) -> None:
    """The JSON report with the day it was made (the day of calls that name none), for
    `trackplan catalog --observed`: written whole or not at all."""
    day = checked_on or datetime.now(UTC).date().isoformat()
    kept = {"report": REPORT_KIND, "checked_on": day, **report.to_dict()}
    data = json_text(kept) + "\n"
    try:
        write_atomically(path, data.encode())
    except OSError as exc:
        raise UsageError(f"--report-out {path}: cannot write ({exc.strerror or exc}); give a "
                         "file in a folder that exists and you may write to") from None  # fmt: skip
    print(f"trackplan: kept the report in {path}", file=sys.stderr)


def _day(text: str) -> str:
    try:
        return date.fromisoformat(text).isoformat()
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is no date: give YYYY-MM-DD") from None


def _check_plan(args: argparse.Namespace) -> tuple[Artifacts, dict[str, str]]:
    """The plan version the calls are checked against, and when each rename was released."""
    wanted = PlanRequest.parse(args.plan) if args.plan else None
    if args.lock is not None:
        found = from_lock(Path(args.lock), Path(args.plans), wanted)
        return _one(found, "the lock"), {}
    repo = Path(args.repo)
    if wanted is not None and wanted.range:
        from registry.eventcheck.history import renames_released

        return from_release(repo, wanted.plan, wanted.range), renames_released(repo, wanted)
    plans, errors = from_registry(repo, wanted, parse_cache(args))
    if errors:
        raise PlanSourceError(f"{plural(len(errors), 'validation error')} in the plan: run "
                              "`trackplan validate` and fix them, or check against a release "
                              "(--plan ID@VERSION)")  # fmt: skip
    return _one(plans, str(repo)), {}


def _one(found: list[Artifacts], where: str) -> Artifacts:
    if len(found) != 1:
        names = ", ".join(a.plan for a in found) or "none"
        raise PlanSourceError(f"{where} holds several plans ({names}): pick one with --plan ID")
    return found[0]


def add_parser(sub: Any) -> None:
    check_parser = sub.add_parser(
        "check",
        help="check real calls (JSON lines) against a plan: violations by kind",
        description="Read analytics calls — JSON lines, a JSON array, gzip of either, or - "
        "for stdin; Segment/RudderStack shapes (type track/identify/group/page/screen, event, "
        "properties, traits) or {event, properties} alone — and report, per kind, event and "
        "property, how many calls violate the plan and the first lines where they do. "
        "Kinds: unplanned-event, renamed-event, deprecated-event (warning), "
        "required-property-missing, datatype-mismatch, enum-value-not-allowed, "
        "additional-property-not-allowed, unplanned-property (warning, open events), "
        "format-mismatch, value-out-of-range, unknown-trait. Malformed lines are counted and "
        "listed, never stop the run. The plan: --plan ID@VERSION, a release tag of --repo; "
        "--plan ID, the registry folder as it is; --lock, the version locked by `trackplan "
        "pull`.",
    )
    check_parser.add_argument("events", nargs="+", metavar="EVENTS",
                              help="files of calls, or - for standard input")  # fmt: skip
    check_parser.add_argument("--plan", metavar="ID[@VERSION]",
                              help="the plan (needed when there are several)")  # fmt: skip
    check_parser.add_argument("--repo", default=".", metavar="PATH",
                              help="the registry folder or repository (default: .)")  # fmt: skip
    check_parser.add_argument(
        "--lock", nargs="?", const="trackplan.lock", default=None, metavar="FILE",
        help="check against the version locked in FILE (default trackplan.lock)",
    )  # fmt: skip
    check_parser.add_argument("--plans", default="trackplan-plans", metavar="DIR",
                              help="where `trackplan pull` put the artifacts")  # fmt: skip
    check_parser.add_argument(
        "--format", choices=("text", "json", "markdown", "github"), default="text",
        help="text: a table by kind, event and property; json: the report; markdown: a "
        "table; github: an annotation per row (default: text)",
    )  # fmt: skip
    check_parser.add_argument(
        "--fail-on", choices=FAIL_ON_CHECK, default="violation",
        help="exit 1 on violations, on warnings too, or never (default: violation)",
    )  # fmt: skip
    check_parser.add_argument(
        "--report-out", metavar="FILE.json",
        help="also keep the JSON report in FILE (written whole or not at all), with what was "
        "sent per event and day: a folder of them is what `trackplan catalog --observed` "
        "draws",
    )  # fmt: skip
    check_parser.add_argument(
        "--checked-on", type=_day, metavar="YYYY-MM-DD",
        help="the day the report counts calls under when they name none (timestamp, "
        "originalTimestamp, sentAt, receivedAt); default: today (UTC)",
    )  # fmt: skip
    check_parser.add_argument("--no-cache", action="store_true",
                              help="parse every plan file again (a registry folder)")  # fmt: skip
    check_parser.set_defaults(handler=run)
