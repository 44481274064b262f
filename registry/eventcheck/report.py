"""The check report: counts by kind, event and property, with the first example lines."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from datetime import date
from typing import Any

from registry.escape import clean, md_code, md_text
from registry.eventcheck import kinds as k
from registry.eventcheck.calls import Malformed
from registry.eventcheck.checker import Checker, Violation
from registry.lint.render import escape_data, escape_property
from registry.records import field, record
from registry.text import plural

EXAMPLES = 3  # example line numbers kept per row
Line = int | str  # a line number, or file:line when several files are checked
MALFORMED_LISTED = 20
FAIL_ON = ("violation", "warning", "never")
PROGRESS_EVERY = 4096
REPORT_KIND = "trackplan-check/1"  # names a report `check --report-out` kept
UNDATED = "undated"  # the day of a call that names none (the report's `checked_on` holds it)
# Where Segment and RudderStack put when a call happened, most faithful first.
WHEN = ("timestamp", "originalTimestamp", "sentAt", "receivedAt")
_DAY = re.compile(r"(\d{4})-(\d{2})-(\d{2})")


@record
class Row:
    kind: str
    subject: str
    property: str
    detail: str  # of the first occurrence
    count: int = 0
    lines: list[Line] = field(default_factory=list)


@record
class CheckReport:
    plan: str
    version: str
    source: str
    calls: int = 0
    checked: int = 0
    clean: int = 0
    skipped: dict[str, int] = field(default_factory=dict)
    malformed: int = 0
    malformed_lines: list[tuple[Line, str]] = field(default_factory=list)
    rows: dict[tuple[str, str, str], Row] = field(default_factory=dict)
    # What was sent: by subject (event, identify, group), by day, [calls, calls violating].
    observed: dict[str, dict[str, list[int]]] = field(default_factory=dict)

    def add(self, line: Line, subject: str, findings: list[Violation],
            day: str = UNDATED) -> None:  # fmt: skip
        self.calls += 1
        self.checked += 1
        days = self.observed.get(subject)
        if days is None:
            days = self.observed[subject] = {}
        counts = days.get(day)
        if counts is None:
            counts = days[day] = [0, 0]
        counts[0] += 1
        if not findings:
            self.clean += 1
        elif any(k.KIND_BY_ID[f.kind].level == k.VIOLATION for f in findings):
            counts[1] += 1
        for f in findings:
            key = (f.kind, f.subject, f.property)
            row = self.rows.get(key)
            if row is None:
                row = self.rows[key] = Row(f.kind, f.subject, f.property, f.detail)
            row.count += 1
            if len(row.lines) < EXAMPLES:
                row.lines.append(line)

    def skip(self, kind: str) -> None:
        self.calls += 1
        self.skipped[kind] = self.skipped.get(kind, 0) + 1

    def bad(self, line: Line, reason: str) -> None:
        self.malformed += 1
        if len(self.malformed_lines) < MALFORMED_LISTED:
            self.malformed_lines.append((line, reason))

    def count(self, level: str) -> int:
        return sum(r.count for r in self.rows.values() if k.KIND_BY_ID[r.kind].level == level)

    def fails(self, fail_on: str) -> bool:
        if fail_on == "violation":
            return self.count(k.VIOLATION) > 0
        if fail_on == "warning":
            return self.count(k.VIOLATION) + self.count(k.WARNING) > 0
        return False

    def sorted_rows(self) -> list[Row]:
        order = {kind.id: i for i, kind in enumerate(k.KINDS)}
        return sorted(self.rows.values(), key=lambda r: (
            k.LEVELS.index(k.KIND_BY_ID[r.kind].level), order[r.kind], -r.count, r.subject,
            r.property))  # fmt: skip

    def to_dict(self) -> dict[str, Any]:
        return {
            "plan": self.plan, "version": self.version, "source": self.source,
            "calls": self.calls, "checked": self.checked, "clean": self.clean,
            "skipped": dict(sorted(self.skipped.items())),
            "violations": self.count(k.VIOLATION), "warnings": self.count(k.WARNING),
            "malformed": {"count": self.malformed,
                          "lines": [{"line": n, "reason": r} for n, r in self.malformed_lines]},
            "findings": [{"kind": r.kind, "level": k.KIND_BY_ID[r.kind].level,
                          "event": r.subject, "property": r.property, "count": r.count,
                          "lines": r.lines, "detail": r.detail} for r in self.sorted_rows()],
            "observed": {subject: {day: {"calls": n, "violating": bad}
                                   for day, (n, bad) in sorted(days.items())}
                         for subject, days in sorted(self.observed.items())},
        }  # fmt: skip

    def summary(self) -> str:
        return (f"{plural(self.calls, 'call')}: {self.clean} clean, "
                f"{plural(self.count(k.VIOLATION), 'violation')}, "
                f"{plural(self.count(k.WARNING), 'warning')}, {self.malformed} malformed"
                + (", " + ", ".join(f"{n} {t} skipped" for t, n in sorted(self.skipped.items()))
                   if self.skipped else ""))  # fmt: skip


def run(checker: Checker, calls: Iterable[tuple[Line, Any]], source: str,
        report: CheckReport | None = None) -> Iterator[CheckReport]:  # fmt: skip
    """Check every call, adding to `report` (a new one by default); yields the report every
    PROGRESS_EVERY calls and at the end (the caller may show progress). Malformed calls are
    counted, never stop it."""
    report = report or CheckReport(checker.plan, checker.version, source)
    for seen, (line, value) in enumerate(calls, 1):
        if seen % PROGRESS_EVERY == 0:
            yield report
        if isinstance(value, Malformed):
            report.bad(line, value.reason)
        else:
            result = checker.check(value)
            if isinstance(result, Malformed):
                report.bad(line, result.reason)
            elif result[0] in ("track", "identify", "group"):
                report.add(line, result[1], result[2], call_day(value))
            else:
                report.skip(result[0])
    yield report


_days: dict[str, str] = {}  # the day of each date prefix seen: parsed once, not per call


def call_day(call: Any) -> str:
    """The day a call names (`2026-12-01`), from its first timestamp field that starts with a
    real date from 1970 on (Go's zero time is no date); UNDATED when none does. The date is
    taken as written, offset or not: Segment and RudderStack write UTC."""
    for key in WHEN:
        value = call.get(key) if type(call) is dict else None
        if type(value) is str:
            prefix = value[:10]
            day = _days.get(prefix)
            if day is None:
                day = _parse_day(prefix)
                if len(_days) < 100_000:
                    _days[prefix] = day
            if day != UNDATED:
                return day
    return UNDATED


def _parse_day(prefix: str) -> str:
    match = _DAY.fullmatch(prefix)
    if match is None:
        return UNDATED
    try:
        day = date(*map(int, match.groups()))
    except ValueError:
        return UNDATED
    return day.isoformat() if day.year >= 1970 else UNDATED


_LONE = re.compile("[\ud800-\udfff]")


def json_text(data: Any) -> str:
    """A report as JSON: sorted, indented, UTF-8 text as it is but a lone surrogate from a
    call (Python's json reads one), which stays a JSON escape: as a character it is no
    UTF-8, and writing the report failed."""
    text = json.dumps(data, indent=2, sort_keys=True, ensure_ascii=False)
    return _LONE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def render(report: CheckReport, fmt: str) -> str:
    if fmt == "json":
        return json_text(report.to_dict()) + "\n"
    rows = report.sorted_rows()
    if fmt == "github":
        out = []
        for r in rows:
            kind = "error" if k.KIND_BY_ID[r.kind].level == k.VIOLATION else "warning"
            said = f"{r.subject}{' ' + r.property if r.property else ''}: {r.detail} " \
                   f"({r.count}x, first at line {r.lines[0]})"  # fmt: skip
            out.append(f"::{kind} title={escape_property(r.kind)}::{escape_data(said)}\n")
        return "".join(out)
    if fmt == "markdown":
        lines = [f"**trackplan check** against {md_code(report.plan)} {md_text(report.version)}: "
                 f"{report.summary()}", ""]  # fmt: skip
        if rows:
            lines += ["| Kind | Level | Event | Property | Calls | First lines | Detail |",
                      "| --- | --- | --- | --- | ---: | --- | --- |"]  # fmt: skip
            lines += [f"| `{r.kind}` | {k.KIND_BY_ID[r.kind].level} | {_cell(r.subject)} | "
                      f"{_cell(r.property) or '—'} | {r.count} | "
                      f"{', '.join(map(str, r.lines))} | {_cell(r.detail)} |"
                      for r in rows]  # fmt: skip
        lines += _malformed(report)
        return "\n".join(lines) + "\n"
    table = [("KIND", "EVENT", "PROPERTY", "CALLS", "FIRST LINES", "DETAIL")]
    table += [(r.kind, clean(r.subject), clean(r.property) or "-", str(r.count),
               ",".join(map(str, r.lines)), clean(r.detail)) for r in rows]  # fmt: skip
    widths = [max(len(row[i]) for row in table) for i in range(5)]
    lines = ["  ".join(cell.ljust(widths[i]) if i < 5 else cell for i, cell in enumerate(row))
             .rstrip() for row in table] if rows else []  # fmt: skip
    lines += _malformed(report)
    lines.append(f"{report.plan} {report.version}: {report.summary()}")
    return "\n".join(lines) + "\n"


def _malformed(report: CheckReport) -> list[str]:
    if not report.malformed:
        return []
    lines = [f"malformed: {plural(report.malformed, 'line')} (not checked):"]
    lines += [f"  line {n}: {clean(reason)}" for n, reason in report.malformed_lines]
    if report.malformed > len(report.malformed_lines):
        lines.append(f"  ...and {report.malformed - len(report.malformed_lines)} more")
    return lines


def _cell(text: str) -> str:
    """Event names and details come from the calls checked: Markdown text, never markup."""
    return md_text(clean(text))
