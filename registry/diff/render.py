"""Render a diff report as text, JSON or GitHub workflow annotations (Markdown: review.py)."""

from __future__ import annotations

import json
from typing import Any

from registry.diff.changes import BREAKING, CHANGE_LEVELS, INFO, WARNING, Change
from registry.diff.changes import ERROR as FORBIDDEN
from registry.diff.compare import DiffReport
from registry.escape import clean
from registry.findings import Location
from registry.lint.render import escape_data, escape_property
from registry.load.model import Registry
from registry.text import plural


def summary_counts(report: DiffReport) -> str:
    forbidden = report.count(FORBIDDEN)
    return (
        (f"{plural(forbidden, 'forbidden change')}, " if forbidden else "")
        + f"{plural(report.count(BREAKING), 'breaking change')}, "
        f"{plural(report.count(WARNING), 'warning')}, {report.count(INFO)} info"
        + (f", {len(report.waived)} waived" if report.waived else "")
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
    for waived in report.waived:
        lines.append(clean(f"waived ({waived.status}): {waived.change.rule} "
                           f"{waived.change.message}: {waived.waiver.reason} (until "
                           f"{waived.waiver.expires.isoformat()}, accepted by "
                           f"{waived.waiver.accepted_by})"))  # fmt: skip
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
                "counts": {
                    "error": s.errors,
                    "breaking": s.breaking,
                    "warning": s.warnings,
                    "info": s.info,
                },
            }
            for s in report.plans
        },
        "summary": {level: report.count(level) for level in CHANGE_LEVELS},
        # Changes a waiver covers: accepted (the judging side holds it) or pending approval.
        "waived": [w.to_dict() for w in report.waived],
        "unreadable_plans": report.unreadable,
        "blocking": [{"side": side, **f.to_dict()} for side, f in report.blocking],
        # Whose settings and conventions judged the change: "base" unless asked otherwise.
        "policy": {
            "side": report.policy,
            "compatibility": report.head.policy.settings.compatibility,
            "additions": report.head.policy.settings.policy.additions or "additive",
            "fail_on": report.fail_on,
        },
    }


def render_json(report: DiffReport) -> str:
    return json.dumps(report_dict(report), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def head_location(head: Registry, change: Change) -> Location | None:
    """Where a change can be annotated in HEAD's files: its own place, or for a removal
    (located in BASE) the nearest part of it that HEAD still has — the event, the plan —
    never a BASE line number on a HEAD path. None when HEAD has nothing of it left."""
    if not change.in_base:
        return change.location
    plan = head.plans.get(change.plan)
    if plan is None:
        return None
    parts = change.path
    if parts[0] == "events" and len(parts) > 1 and parts[1] in plan.events:
        event = plan.events[parts[1]]
        if len(parts) > 3 and parts[2] == "properties" and parts[3] in event.properties:
            return event.properties[parts[3]].location
        return event.location
    return plan.location


def _annotation(change: Change, where: Location | None) -> str:
    kind = {FORBIDDEN: "error", BREAKING: "error", WARNING: "warning"}.get(change.level, "notice")
    props = f"title={escape_property(change.rule)}"
    if where is not None:
        props = (f"file={escape_property(where.file)},line={where.line},col={where.column},"
                 + props)  # fmt: skip
    body = change.message
    if change.level != INFO:
        body += f"\nMigration: {change.migration}"
    return f"::{kind} {props}::{escape_data(body)}"


def render_github(report: DiffReport) -> str:
    return "".join(_annotation(c, head_location(report.head, c)) + "\n" for c in report.changes)
