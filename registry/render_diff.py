"""Render a diff report as text, JSON or GitHub workflow annotations (Markdown: review.py)."""

from __future__ import annotations

import json
from typing import Any

from registry.changes import BREAKING, INFO, WARNING, Change
from registry.render import clean, escape_data, escape_property, plural
from registry.report import DiffReport


def summary_counts(report: DiffReport) -> str:
    return (
        f"{plural(report.count(BREAKING), 'breaking change')}, "
        f"{plural(report.count(WARNING), 'warning')}, {report.count(INFO)} info"
    )


def version_line(plan: str, current: str | None, upcoming: str | None, bump: str) -> str:
    if upcoming is None:
        return f"{plan}: {bump} (no new release)"
    return f"{plan}: {current or 'unreleased'} -> {upcoming} ({bump})"


def render_text(report: DiffReport) -> str:
    lines: list[str] = []
    for change in report.changes:
        lines.append(clean(f"{change.location}: {change.level} {change.rule} {change.message}"))
        if change.breaks:
            lines.append(f"    breaks: {', '.join(change.breaks)}")
        if change.level != INFO:
            lines.append(clean(f"    migration: {change.migration}"))
    lines += [version_line(s.plan, s.current, s.next, s.bump) for s in report.plans]
    lines += [f"{plan}: not compared: it does not parse or validate" for plan in report.unreadable]
    lines.append(summary_counts(report) if report.changes else "no changes")
    return "\n".join(lines) + "\n"


def report_dict(report: DiffReport) -> dict[str, Any]:
    return {
        "base": report.base_label,
        "head": report.head_label,
        "changes": [c.to_dict() for c in report.changes],
        "plans": {
            s.plan: {
                "bump": s.bump,
                "current": s.current,
                "next": s.next,
                "counts": {"breaking": s.breaking, "warning": s.warnings, "info": s.info},
            }
            for s in report.plans
        },
        "summary": {level: report.count(level) for level in (BREAKING, WARNING, INFO)},
        "unreadable_plans": report.unreadable,
        "blocking": [{"side": side, **f.to_dict()} for side, f in report.blocking],
    }


def render_json(report: DiffReport) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def _annotation(change: Change) -> str:
    kind = {BREAKING: "error", WARNING: "warning"}.get(change.level, "notice")
    loc = change.location
    props = (
        f"file={escape_property(loc.file)},line={loc.line},col={loc.column},"
        f"title={escape_property(change.rule)}"
    )
    body = change.message
    if change.level != INFO:
        body += f"\nMigration: {change.migration}"
    return f"::{kind} {props}::{escape_data(body)}"


def render_github(report: DiffReport) -> str:
    return "".join(_annotation(c) + "\n" for c in report.changes)
