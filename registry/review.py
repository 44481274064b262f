"""The review: the Markdown comment the bot posts on a pull request (and `trackplan review`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from registry.changes import BREAKING, INFO, WARNING, Change
from registry.findings import ERROR, Finding, Location
from registry.render import plural
from registry.report import DiffReport

MARKER = "<!-- trackplan:review -->"
# GitHub refuses comment bodies over 65,536 characters; leave room for the bot's additions.
MAX_BODY = 60_000


@dataclass(frozen=True)
class Links:
    """URL prefixes of the head and base files (e.g. .../blob/<sha>/); empty: no links."""

    head: str = ""
    base: str = ""


def verdict(report: DiffReport, notes: str | None) -> str:
    errors = sum(1 for f in report.head_findings if f.level == ERROR)
    breaking = report.count(BREAKING)
    if errors:
        return (f"❌ **The plan files have {plural(errors, 'validation error')}** — "
                "fix them before this can merge.")  # fmt: skip
    if breaking and not notes:
        return (f"❌ **{plural(breaking, 'breaking change')}, no migration notes** — add a "
                "`## Migration notes` section to the description.")  # fmt: skip
    if breaking:
        return (f"⚠️ **{plural(breaking, 'breaking change')}** — migration notes are in; "
                "the affected owners must approve.")  # fmt: skip
    if report.changes:
        return f"✅ **No breaking changes** — {_counts_text(report)}."
    return "✅ **No changes to the tracking plans.**"


def _counts_text(report: DiffReport) -> str:
    parts = []
    if report.count(WARNING):
        parts.append(plural(report.count(WARNING), "warning"))
    if report.count(INFO):
        parts.append(plural(report.count(INFO), "other change"))
    return ", ".join(parts) or "nothing to review"


def _escape(text: str) -> str:
    """Keep names from being read as Markdown or HTML."""
    for char in ("\\", "`", "*", "_", "<", ">", "|", "[", "]"):
        text = text.replace(char, "\\" + char)
    return text


def _where(location: Location, links: Links, base: bool) -> str:
    label = f"{location.file}:{location.line}"
    prefix = links.base if base else links.head
    if not prefix:
        return f"`{label}`"
    return f"[`{label}`]({prefix}{location.file}#L{location.line})"


def _plans_table(report: DiffReport) -> list[str]:
    rows = [
        "| Plan | Released | Next | Bump | Breaking | Warnings | Other |",
        "| --- | --- | --- | --- | ---: | ---: | ---: |",
    ]
    for s in report.plans:
        upcoming = f"**{s.next}**" if s.next else "—"
        rows.append(f"| `{s.plan}` | {s.current or 'unreleased'} | {upcoming} | {s.bump} | "
                    f"{s.breaking} | {s.warnings} | {s.info} |")  # fmt: skip
    return rows


def _change_items(changes: Sequence[Change], links: Links, limit: int) -> list[str]:
    lines = []
    for number, change in enumerate(changes[:limit], 1):
        lines.append(f"{number}. **{_escape(change.message)}** — "
                     f"{_where(change.location, links, change.in_base)}")  # fmt: skip
        breaks = f" · breaks **{', '.join(change.breaks)}**" if change.breaks else ""
        lines.append(f"   `{change.rule}`{breaks}")
        lines.append(f"   > Migration: {_escape(change.migration)}")
    if len(changes) > limit:
        lines.append(f"\n…and {len(changes) - limit} more: run `trackplan review` locally.")
    return lines


def _other_table(changes: Sequence[Change], links: Links, limit: int) -> list[str]:
    rows = ["| Change | Rule | Where |", "| --- | --- | --- |"]
    for change in changes[:limit]:
        rows.append(f"| {_escape(change.message)} | `{change.rule}` | "
                    f"{_where(change.location, links, change.in_base)} |")  # fmt: skip
    if len(changes) > limit:
        rows.append(f"| …and {len(changes) - limit} more | | |")
    return rows


def _findings_table(findings: Sequence[Finding], links: Links, limit: int) -> list[str]:
    rows: list[str] = []
    if len(findings) > GROUP_OVER:
        # Many findings are usually one mistake made many times: by rule first, with counts.
        counts = Counter((f.rule, f.level) for f in findings)
        first: dict[tuple[str, str], Finding] = {}
        for f in findings:
            first.setdefault((f.rule, f.level), f)
        rows += ["| Rule | Level | Findings | First at |", "| --- | --- | ---: | --- |"]
        for (rule, level), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
            rows.append(f"| `{rule}` | {level} | {count} | "
                        f"{_where(first[(rule, level)].location, links, False)} |")  # fmt: skip
        rows += ["", f"The first {min(limit, len(findings))} of them; `trackplan validate "
                 "--format json` lists all (the bot also annotates them on the "
                 "`trackplan/validate` check):", ""]  # fmt: skip
    rows += ["| Where | Level | Rule | Problem | Fix |", "| --- | --- | --- | --- | --- |"]
    for f in findings[:limit]:
        rows.append(f"| {_where(f.location, links, False)} | {f.level} | `{f.rule}` | "
                    f"{_escape(f.message)} | {_escape(f.hint)} |")  # fmt: skip
    if len(findings) > limit:
        rows.append(f"| …and {len(findings) - limit} more | | | | |")
    return rows


GROUP_OVER = 20  # more findings than this get a by-rule summary first


def render_changes_markdown(report: DiffReport, links: Links = Links()) -> str:
    """`diff --format markdown`: the plans table and the changes, nothing of the review
    (no marker, no validation, no migration notes: `diff` takes none)."""
    for limit in (500, 100, 25, 5):
        out = [f"## trackplan diff: {_counts_text(report) if report.changes else 'no changes'}",
               ""]  # fmt: skip
        if report.changes and report.count(BREAKING):
            out[0] = (f"## trackplan diff: {plural(report.count(BREAKING), 'breaking change')}"
                      + (f", {_counts_text(report)}" if len(report.changes) > report.count(
                          BREAKING) else ""))  # fmt: skip
        for plan in report.unreadable:
            out += [f"> Plan `{plan}` is not compared: it does not parse or validate.", ""]
        if report.plans:
            out += [*_plans_table(report), ""]
        for title, level in (("Breaking changes", BREAKING), ("Warnings", WARNING)):
            chosen = [c for c in report.changes if c.level == level]
            if chosen:
                out += [f"### {title}", "", *_change_items(chosen, links, limit), ""]
        others = [c for c in report.changes if c.level == INFO]
        if others:
            out += [f"### {plural(len(others), 'other change')}", "",
                    *_other_table(others, links, limit), ""]  # fmt: skip
        body = "\n".join(out).rstrip("\n") + "\n"
        if len(body) <= MAX_BODY:
            return body
    return body[: MAX_BODY - 100] + "\n\n…(cut: use --format json for everything)\n"


def render_review_text(report: DiffReport, notes: str | None, stakeholders: str) -> str:
    """`review --format text`: the same review as plain lines for a terminal."""
    from registry.render import clean, render_findings
    from registry.render_diff import render_text

    head = verdict(report, notes).replace("**", "").replace("`", "'")
    for mark, word in (("❌ ", "FAIL: "), ("⚠️ ", "WARN: "), ("✅ ", "OK: ")):
        head = head.replace(mark, word)
    out = [clean(head), "", "Changes:", render_text(report).rstrip("\n")]
    if report.head_findings:
        out += ["", "Validation problems:",
                render_findings(report.head_findings, "text", 0).rstrip("\n").rsplit(
                    "\n", 1)[0]]  # fmt: skip
    out += ["", stakeholders.rstrip("\n")]
    out += ["", "Migration notes:", clean(notes) if notes else "(none)"]
    return "\n".join(out) + "\n"


def render_review(
    report: DiffReport,
    notes: str | None,
    links: Links = Links(),
    *,
    with_validation: bool = True,
    extra_sections: Sequence[str] = (),
) -> str:
    """The review comment; shortened (fewer items listed) when it would be too long."""
    for limit in (500, 100, 25, 5):
        body = _render(report, notes, links, limit, with_validation, extra_sections)
        if len(body) <= MAX_BODY:
            return body
    return body[: MAX_BODY - 100] + "\n\n…(cut: run `trackplan review` locally)\n"


def _render(report: DiffReport, notes: str | None, links: Links, limit: int,
            with_validation: bool, extra_sections: Sequence[str]) -> str:  # fmt: skip
    breaking = [c for c in report.changes if c.level == BREAKING]
    warnings = [c for c in report.changes if c.level == WARNING]
    others = [c for c in report.changes if c.level == INFO]
    out = [MARKER, "## trackplan review", "", verdict(report, notes), ""]
    for plan in report.unreadable:
        out += [f"> Plan `{plan}` is not compared: a file of it does not parse, or a "
                "definition does not validate (see the validation problems below). Its "
                "changes are unknown until it does.", ""]  # fmt: skip
    if report.plans:
        out += [*_plans_table(report), ""]
    if breaking:
        out += ["### Breaking changes", "", *_change_items(breaking, links, limit), ""]
    if warnings:
        out += ["### Warnings", "", *_change_items(warnings, links, limit), ""]
    if others:
        out += [f"<details><summary>{plural(len(others), 'other change')}</summary>", "",
                *_other_table(others, links, limit), "", "</details>", ""]  # fmt: skip
    if with_validation and report.head_findings:
        errors = sum(1 for f in report.head_findings if f.level == ERROR)
        title = f"### Validation problems ({plural(errors, 'error')}, " + plural(
            len(report.head_findings) - errors, "warning") + ")"  # fmt: skip
        out += [title, "", *_findings_table(report.head_findings, links, limit), ""]
    for section in extra_sections:
        out += [section, ""]
    if notes:
        out += ["### Migration notes", "", notes, ""]
    elif breaking:
        out += ["### Migration notes", "",
                "> **Missing.** Breaking changes need a `## Migration notes` section in the pull "
                "request description: what producers must change, what consumers must change, "
                "and when.", ""]  # fmt: skip
    return "\n".join(out).rstrip("\n") + "\n"
