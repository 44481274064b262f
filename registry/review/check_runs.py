"""The text of the bot's check runs, always within GitHub's 65,535-character limits."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from registry.diff.changes import SEVERE
from registry.diff.compare import DiffReport
from registry.escape import md_code, md_text
from registry.findings import ERROR, Finding
from registry.review.comment import GROUP_OVER, Links, rule_link
from registry.text import plural

# GitHub refuses a check run's summary or text over 65,535 characters.
MAX_OUTPUT = 65_535
_ROOM = 400  # for the closing line that says how many were left out


def validation_summary(findings: Sequence[Finding], links: Links, command: str) -> str:
    """The `trackplan/validate` summary: the counts, by rule when there are many, and where
    the full list is (every finding is also an annotation on its line)."""
    if not findings:
        return "All plan files are valid."
    errors = sum(1 for f in findings if f.level == ERROR)
    out = [f"{plural(errors, 'error')}, {plural(len(findings) - errors, 'warning')} in the plan "
           "files of this commit, each annotated on its line (Files changed tab)."]  # fmt: skip
    if len(findings) > GROUP_OVER:
        counts = Counter((f.rule, f.level) for f in findings)
        out += ["", "| Rule | Level | Findings |", "| --- | --- | ---: |"]
        for (rule, level), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"| {rule_link(rule, links)} | {level} | {count} |")
    out += ["", f"The full report: `{command}` on this commit."]
    return bounded(out)


def breaking_text(report: DiffReport, links: Links, command: str) -> str:
    """The `trackplan/review` details: each breaking change with its migration, as many as
    fit, then a count of the rest and where the full report is."""
    breaking = [c for c in report.changes if c.level in SEVERE]
    out: list[str] = []
    if len(breaking) > GROUP_OVER:
        counts = Counter((c.rule, c.plan) for c in breaking)
        out += ["| Rule | Plan | Breaking changes |", "| --- | --- | ---: |"]
        for (rule, plan), count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"| {rule_link(rule, links)} | {md_code(plan or '-')} | {count} |")
        out.append("")
    size = sum(len(line) + 1 for line in out)
    for shown, change in enumerate(breaking):
        line = (f"- {rule_link(change.rule, links)} {md_text(change.message)}: "
                f"{md_text(change.migration)}")  # fmt: skip
        if size + len(line) + 1 > MAX_OUTPUT - _ROOM:
            out += ["", f"…and {len(breaking) - shown} more: the full report is "
                    f"`{command}`."]  # fmt: skip
            break
        out.append(line)
        size += len(line) + 1
    return bounded(out)


WAITING_OWNERS = 50  # owners named in the check summary's "Waiting for" line
WAITING_REASONS = 3


def waiting_for(missing: Sequence[tuple[str, str]]) -> str:
    """`Waiting for approval from …`: each owner once with their first reasons, however
    many groups name them (thousands of owned events still make one short line)."""
    reasons: dict[str, list[str]] = {}
    for owner, why in missing:
        whys = reasons.setdefault(owner, [])
        if why not in whys:
            whys.append(why)
    parts = []
    for owner, whys in list(reasons.items())[:WAITING_OWNERS]:
        more = len(whys) - WAITING_REASONS
        said = ", ".join(whys[:WAITING_REASONS]) + (f" and {more} more" if more > 0 else "")
        parts.append(f"{md_code(owner)} ({md_text(said)})")
    rest = len(reasons) - WAITING_OWNERS
    return ("Waiting for approval from " + ", ".join(parts)
            + (f", and {plural(rest, 'more owner')}" if rest > 0 else "") + ".")  # fmt: skip


def bounded(lines: Sequence[str]) -> str:
    """Lines joined, cut at a line end to fit a check run's summary or text."""
    text = "\n".join(lines)
    if len(text) <= MAX_OUTPUT:
        return text
    return text[: MAX_OUTPUT - 20].rsplit("\n", 1)[0] + "\n…(cut)"
