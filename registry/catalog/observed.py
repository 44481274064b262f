"""What was really sent: reports of `trackplan check --report-out`, summed per plan and event."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from registry.eventcheck.kinds import KIND_BY_ID, VIOLATION
from registry.eventcheck.report import REPORT_KIND, UNDATED
from registry.records import field, record
from registry.release.versions import parse_version

MAX_REPORT_BYTES = 64 * 1024 * 1024  # a report lists counts, never calls: more is no report
MAX_REPORTS = 10_000
WINDOW_DAYS = 90  # days drawn, up to the last day any report names
TRAITS = ("identify", "group")  # the subjects of identify and group calls in a report


class ObservedError(Exception):
    """A folder of reports that cannot be read (the message names the file and what to do)."""


@record
class Seen:
    """One event (or identify or group) as the reports saw it."""

    calls: int = 0
    violating: int = 0  # calls with at least one violation (warnings do not count)
    by_day: dict[str, list[int]] = field(default_factory=dict)  # day: [calls, violating]
    kinds: dict[str, int] = field(default_factory=dict)  # violation kind: occurrences
    first: str = ""  # the first and last day it was seen
    last: str = ""

    def series(self, days: list[str]) -> list[int]:
        return [self.by_day.get(day, [0, 0])[0] for day in days]

    def bad_series(self, days: list[str]) -> list[int]:
        return [self.by_day.get(day, [0, 0])[1] for day in days]

    def kind_rows(self) -> list[tuple[str, int, str]]:
        """Its violations as chart rows: (kind, occurrences, no link), most first."""
        return [(kind, n, "") for kind, n in self.kinds.items()]


@record
class PlanObserved:
    reports: int = 0
    days: list[str] = field(default_factory=list)  # the window drawn, every day, oldest first
    subjects: dict[str, Seen] = field(default_factory=dict)  # by event name, identify, group
    versions: list[str] = field(default_factory=list)  # the plan versions the calls met

    def totals(self) -> tuple[list[int], list[int]]:
        """Calls and violating calls per day of the window, every subject summed."""
        calls, bad = [0] * len(self.days), [0] * len(self.days)
        at = {day: i for i, day in enumerate(self.days)}
        for seen in self.subjects.values():
            for day, (n, v) in seen.by_day.items():
                if day in at:
                    calls[at[day]] += n
                    bad[at[day]] += v
        return calls, bad

    def unplanned(self, planned: Iterable[str]) -> dict[str, Seen]:
        """Subjects seen that the plan does not define (renamed and unknown events)."""
        known = set(planned) | set(TRAITS)
        return {name: seen for name, seen in sorted(self.subjects.items()) if name not in known}


def read_reports(folder: Path) -> tuple[list[tuple[str, dict[str, Any]]], list[str]]:
    """Every report in `folder` (its *.json files, sub-folders included, in name order) as
    (path, report), and what is wrong with each file that is no report (file: why)."""
    if not folder.is_dir():
        raise ObservedError(f"{folder}: no such folder (give the folder `trackplan check "
                            "--report-out` writes its reports into)")  # fmt: skip
    found: list[tuple[str, dict[str, Any]]] = []
    problems: list[str] = []
    paths = sorted(p for p in folder.rglob("*.json") if p.is_file() and not p.is_symlink())
    if len(paths) > MAX_REPORTS:
        raise ObservedError(f"{folder}: {len(paths)} reports, more than {MAX_REPORTS}: merge "
                            "older days or point at a folder of recent ones")  # fmt: skip
    for path in paths:
        name = path.relative_to(folder).as_posix()
        try:
            if os.stat(path).st_size > MAX_REPORT_BYTES:
                problems.append(f"{name}: larger than {MAX_REPORT_BYTES // 2**20} MB, no report")
                continue
            data = json.loads(path.read_bytes())
        except OSError as exc:
            problems.append(f"{name}: cannot read ({exc.strerror})")
            continue
        except (ValueError, RecursionError) as exc:
            problems.append(f"{name}: not JSON ({str(exc)[:120]})")
            continue
        why = report_problem(data)
        if why:
            problems.append(f"{name}: {why}")
        else:
            found.append((name, data))
    return found, problems


MAX_COUNT = 2**53  # more calls than any pipeline sends: a number no chart can scale is no count
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def _count(value: Any) -> bool:
    return type(value) is int and 0 <= value <= MAX_COUNT


def _day(value: Any) -> bool:
    """A calendar day written YYYY-MM-DD (not the week dates or compact forms
    `date.fromisoformat` also takes), from 1970 on."""
    if not isinstance(value, str) or not _DAY.fullmatch(value):
        return False
    try:
        return date.fromisoformat(value).year >= 1970
    except ValueError:
        return False


def report_problem(data: Any) -> str:
    """Why `data` is no report of `trackplan check --report-out` ("" when it is one)."""
    hint = "; write reports with `trackplan check --report-out FILE.json`"
    if not isinstance(data, dict) or data.get("report") != REPORT_KIND:
        return f'not a report of trackplan check (no "report": "{REPORT_KIND}"){hint}'
    if not isinstance(data.get("plan"), str) or not isinstance(data.get("version"), str):
        return f"the report names no plan and version{hint}"
    if not _day(data.get("checked_on")):
        return f'"checked_on" is not a date (YYYY-MM-DD){hint}'
    observed = data.get("observed")
    if not isinstance(observed, dict):
        return f'no "observed" counts (a report of an older trackplan?){hint}'
    for subject, days in observed.items():
        if not isinstance(days, dict):
            return f'"observed" of {subject!r} is not an object{hint}'
        for day, counts in days.items():
            if day != UNDATED and not _day(day):
                return f'"observed" of {subject!r} names {day!r}, which is no day{hint}'
            if not (isinstance(counts, dict) and _count(counts.get("calls"))
                    and _count(counts.get("violating"))):  # fmt: skip
                return f'"observed" of {subject!r} on {day} holds no counts{hint}'
            if counts["violating"] > counts["calls"]:
                return f'"observed" of {subject!r} on {day}: more violating calls than calls{hint}'
    findings = data.get("findings")
    if not isinstance(findings, list) or not all(
        isinstance(f, dict) and isinstance(f.get("kind"), str) and isinstance(f.get("event"), str)
        and _count(f.get("count")) for f in findings
    ):  # fmt: skip
        return f'"findings" is not a list of counted findings{hint}'
    return ""


def observe(reports: Iterable[dict[str, Any]]) -> dict[str, PlanObserved]:
    """The reports summed by plan: calls per event and day (a call that names no day, or a
    day after its report was made, a clock set wrong, counts on the day of the report),
    violations by kind, first and last seen. The days drawn end on the last report's day."""
    plans: dict[str, PlanObserved] = {}
    made: dict[str, str] = {}  # the day of each plan's last report
    for report in reports:
        plan = plans.setdefault(report["plan"], PlanObserved())
        made[report["plan"]] = max(made.get(report["plan"], ""), report["checked_on"])
        plan.reports += 1
        if report["version"] not in plan.versions:
            plan.versions.append(report["version"])
        for subject, days in report["observed"].items():
            seen = plan.subjects.setdefault(subject, Seen())
            for day, counts in days.items():
                when = day if day != UNDATED and day <= report["checked_on"] else \
                    report["checked_on"]  # fmt: skip
                total = seen.by_day.setdefault(when, [0, 0])
                total[0] += counts["calls"]
                total[1] += counts["violating"]
                seen.calls += counts["calls"]
                seen.violating += counts["violating"]
        for finding in report["findings"]:
            kind = KIND_BY_ID.get(finding["kind"])
            if kind is None or kind.level != VIOLATION:
                continue  # warnings are no violations; kinds of a newer trackplan are skipped
            seen = plan.subjects.setdefault(finding["event"], Seen())
            seen.kinds[kind.id] = seen.kinds.get(kind.id, 0) + finding["count"]
    for plan_id, plan in plans.items():
        every = sorted({day for seen in plan.subjects.values() for day in seen.by_day})
        for seen in plan.subjects.values():
            dated = sorted(seen.by_day)
            if dated:
                seen.first, seen.last = dated[0], dated[-1]
            seen.by_day = dict(sorted(seen.by_day.items()))
            seen.kinds = dict(sorted(seen.kinds.items(), key=lambda kv: (-kv[1], kv[0])))
        if every:
            last = date.fromisoformat(made[plan_id])  # every day is on or before it, from 1970
            start = max(date.fromisoformat(every[0]), last - timedelta(days=WINDOW_DAYS - 1))
            plan.days = [(start + timedelta(days=n)).isoformat()
                         for n in range((last - start).days + 1)]  # fmt: skip
        plan.versions.sort(key=lambda v: (parse_version(v) or (0, 0, 0), v))
    return dict(sorted(plans.items()))


def read_observed(folder: Path) -> tuple[dict[str, PlanObserved], list[str]]:
    """The reports of `folder` summed by plan, and the files that are no report."""
    found, problems = read_reports(folder)
    return observe(report for _, report in found), problems
