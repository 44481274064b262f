"""The review: the Markdown comment the bot posts on a pull request (and `trackplan review`)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from typing import Any

from registry.diff.changes import BREAKING, INFO, WARNING, Change
from registry.diff.changes import ERROR as FORBIDDEN
from registry.diff.compare import DiffReport
from registry.diff.waivers import ACCEPTED
from registry.escape import md_block, md_code, md_text, md_url_path
from registry.findings import Finding, Location
from registry.load.model import Plan
from registry.load.snapshot import WAIVERS_FILE
from registry.records import record, replace
from registry.review.policy_groups import consumer_names
from registry.review.verdict import Verdict, accepted_waivers, judge, waiting
from registry.text import plural

MARKER = "<!-- trackplan:review -->"
# GitHub refuses comment bodies over 65,536 characters; leave room for the bot's additions.
MAX_BODY = 60_000


@record(frozen=True)
class Links:
    """URL prefixes of the head and base files (e.g. .../blob/<sha>/) and the rules
    documentation (rule ids link to `<rules>#<id>`); empty: no links."""

    head: str = ""
    base: str = ""
    rules: str = ""


def links_for(report: DiffReport, head: str = "", base: str = "") -> Links:
    """Links for a report: the rules documentation is the policy's (the change under review
    does not choose where its rules link); `head`/`base`: URL prefixes of the files."""
    return Links(head=head, base=base, rules=report.head.policy.settings.review.rules_url)


def rule_link(rule: str, links: Links) -> str:
    """A rule id, linked to its entry in the rules documentation when there is one."""
    return f"[`{rule}`]({links.rules}#{rule})" if links.rules else f"`{rule}`"


def _where(location: Location, links: Links, base: bool) -> str:
    label = md_code(f"{location.file}:{location.line}")  # a file name is the PR's too
    prefix = links.base if base else links.head
    if not prefix:
        return label
    return f"[{label}]({prefix}{md_url_path(location.file)}#L{location.line})"


def _plans_table(report: DiffReport, accepted: set[int]) -> list[str]:
    """Each changed plan's versions and counts; changes an accepted waiver covers are
    counted in none of the levels (their bump is unchanged)."""
    counts = Counter((c.plan, c.level) for c in report.changes if id(c) not in accepted)
    forbidden = any(counts[(s.plan, FORBIDDEN)] for s in report.plans)  # only when forbidden
    rows = [
        "| Plan | Released | Next | Bump | "
        + ("Forbidden | " if forbidden else "")
        + "Breaking | Warnings | Other |",
        "| --- | --- | --- | --- | " + ("---: | " if forbidden else "") + "---: | ---: | ---: |",
    ]
    for s in report.plans:
        upcoming = f"**{s.next}**" if s.next else "—"
        errors = f"{counts[(s.plan, FORBIDDEN)]} | " if forbidden else ""
        rows.append(f"| {md_code(s.plan)} | {s.current or 'unreleased'} | {upcoming} | {s.bump} | "
                    f"{errors}{counts[(s.plan, BREAKING)]} | {counts[(s.plan, WARNING)]} | "
                    f"{counts[(s.plan, INFO)]} |")  # fmt: skip
    return rows


def _by_rule(changes: Sequence[Change], links: Links) -> list[str]:
    """Many changes are usually one edit made many times: their count by rule and plan."""
    counts = Counter((c.rule, c.plan) for c in changes)
    first: dict[tuple[str, str], Change] = {}
    for c in changes:
        first.setdefault((c.rule, c.plan), c)
    rows = ["| Rule | Plan | Changes | First at |", "| --- | --- | ---: | --- |"]
    for (rule, plan), count in sorted(counts.items(), key=lambda item: (-item[1], item[0])):
        where = _where(first[(rule, plan)].location, links, first[(rule, plan)].in_base)
        rows.append(f"| {rule_link(rule, links)} | {md_code(plan or '-')} | {count} | {where} |")
    return [*rows, ""]


def _change_items(changes: Sequence[Change], links: Links, limit: int) -> list[str]:
    lines = _by_rule(changes, links) if len(changes) > GROUP_OVER else []
    for number, change in enumerate(changes[:limit], 1):
        lines.append(f"{number}. **{md_text(change.message)}** — "
                     f"{_where(change.location, links, change.in_base)}")  # fmt: skip
        breaks = f" · breaks **{', '.join(change.breaks)}**" if change.breaks else ""
        lines.append(f"   {rule_link(change.rule, links)}{breaks}")
        lines.append(f"   > Migration: {md_text(change.migration)}")
    if len(changes) > limit:
        lines.append(f"\n…and {len(changes) - limit} more: {FULL_LIST}")
    return lines


def _other_table(changes: Sequence[Change], links: Links, limit: int) -> list[str]:
    rows = ["| Change | Rule | Where |", "| --- | --- | --- |"]
    for change in changes[:limit]:
        rows.append(f"| {md_text(change.message)} | {rule_link(change.rule, links)} | "
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
            rows.append(f"| {rule_link(rule, links)} | {level} | {count} | "
                        f"{_where(first[(rule, level)].location, links, False)} |")  # fmt: skip
        rows += ["", f"The first {min(limit, len(findings))} of them; `trackplan validate "
                 "--format json` lists all (the bot also annotates them on the "
                 "`trackplan/validate` check):", ""]  # fmt: skip
    rows += ["| Where | Level | Rule | Problem | Fix |", "| --- | --- | --- | --- | --- |"]
    for f in findings[:limit]:
        where, rule = _where(f.location, links, False), rule_link(f.rule, links)
        rows.append(f"| {where} | {f.level} | {rule} | {md_text(f.message)} | {md_text(f.hint)} |")
    if len(findings) > limit:
        rows.append(f"| …and {len(findings) - limit} more | | | | |")
    return rows


GROUP_OVER = 20  # more findings or changes than this get a by-rule summary first
FULL_LIST = "the JSON report (`--format json` of the same command) lists them all."


def render_changes_markdown(report: DiffReport, links: Links = Links()) -> str:
    """`diff --format markdown`: the plans table and the changes, nothing of the review
    (no marker, no validation, no migration notes: `diff` takes none)."""
    counts = judge(report, None).counts()
    title = f"## trackplan diff: {counts if report.changes else 'no changes'}"
    breaking = report.count(BREAKING)
    if breaking:
        rest = f", {counts}" if len(report.changes) > breaking else ""
        title = f"## trackplan diff: {plural(breaking, 'breaking change')}{rest}"
    for limit in (500, 100, 25, 5):
        out = [title, ""]
        for plan in report.unreadable:
            out += [f"> Plan {md_code(plan)} is not compared: it does not parse or validate.", ""]
        if report.plans:
            out += [*_plans_table(report, accepted_waivers(report, False)), ""]
        for title, level in (("Forbidden changes", FORBIDDEN), ("Breaking changes", BREAKING),
                             ("Warnings", WARNING)):  # fmt: skip
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
    from registry.diff.render import render_text
    from registry.escape import clean
    from registry.lint.render import render_findings

    def plain(markdown: str) -> str:
        text = markdown.replace("**", "").replace("`", "'")
        for mark, word in (("❌ ", "FAIL: "), ("⚠️ ", "WARN: "), ("✅ ", "OK: ")):
            text = text.replace(mark, word)
        return clean(text)

    gate = judge(report, notes)
    out = [plain(gate.headline())]
    blocking = gate.blockers()
    if blocking:
        out += ["", "What blocks the merge:", *(plain(item) for item in blocking)]
    out += ["", "Changes:", render_text(report).rstrip("\n")]
    if report.head_findings:
        out += ["", "Validation problems:",
                render_findings(report.head_findings, "text", 0).rstrip("\n").rsplit(
                    "\n", 1)[0]]  # fmt: skip
    out += ["", stakeholders.rstrip("\n")]
    # Each line cleaned on its own: the notes' line breaks are kept, not escaped.
    said = [clean(line) for line in notes.splitlines()] if notes else ["(none)"]
    out += ["", "Migration notes:", *said]
    return "\n".join(out) + "\n"


def render_review(
    report: DiffReport,
    notes: str | None,
    links: Links = Links(),
    *,
    with_validation: bool = True,
    extra_sections: Sequence[str] = (),
    waiting_for: Sequence[str] = (),
    footer: str = "",
    verdict: Verdict | None = None,
) -> str:
    """The review comment; shortened (fewer items listed) when it would be too long.

    In the order a reviewer acts on it: the verdict, what blocks the merge and the next
    step for each (`verdict`: the gate's, from `registry.review.verdict.judge`; or, offline, only
    the `waiting_for` owners whose approval is missing), the validation
    problems, the stakeholders (`extra_sections`), the breaking changes by plan and event
    with the sources that send them and the KPIs and lifecycle stages that count them, the
    warnings, the other changes folded, the migration notes and `footer`.
    """
    if verdict is None:
        verdict = replace(judge(report, notes), waiting_for=waiting(waiting_for))
    for limit in (500, 100, 25, 5):
        body = _render(report, notes, links, limit, with_validation, extra_sections,
                       verdict, footer)  # fmt: skip
        if len(body) <= MAX_BODY:
            return body
    return body[: MAX_BODY - 100] + "\n\n…(cut: run `trackplan review` locally)\n"


def _render(report: DiffReport, notes: str | None, links: Links, limit: int,
            with_validation: bool, extra_sections: Sequence[str], verdict: Verdict,
            footer: str) -> str:  # fmt: skip
    accepted = accepted_waivers(report, verdict.waivers_approved)
    counted = [c for c in report.changes if id(c) not in accepted]
    forbidden = [c for c in counted if c.level == FORBIDDEN]
    breaking = [c for c in counted if c.level == BREAKING]
    warnings = [c for c in counted if c.level == WARNING]
    others = [c for c in counted if c.level == INFO]
    out = [MARKER, "## trackplan review", "", verdict.headline(), ""]
    blocking = verdict.blockers() if with_validation else []
    if blocking:
        out += ["### What blocks the merge", "", *blocking, ""]
    if with_validation and report.head_findings:
        errors = verdict.errors
        title = f"### Validation problems ({plural(errors, 'error')}, " + plural(
            len(report.head_findings) - errors, "warning") + ")"  # fmt: skip
        out += [title, "", *_findings_table(report.head_findings, links, limit), ""]
    for section in extra_sections:
        out += [section, ""]
    if report.plans:
        out += ["### Versions", "", *_plans_table(report, accepted), ""]
    if forbidden:
        items = _grouped_items(report, forbidden, links, limit)
        out += ["### Forbidden changes", "", "The policy gives these changes the level "
                "`error`: they cannot merge unless a waiver covers them.", "",
                *items[: -1 if items[-1:] == [""] else None], ""]  # fmt: skip
    if report.waived:
        out += ["### Waived changes", "", *_waived_table(report, accepted, links, limit), ""]
    if breaking:
        items = _grouped_items(report, breaking, links, limit)
        out += ["### Breaking changes", "", *items[: -1 if items[-1:] == [""] else None], ""]
    if warnings:
        out += ["### Warnings", "", *_change_items(warnings, links, limit), ""]
    if others:
        out += [f"<details><summary>{plural(len(others), 'other change')}</summary>", "",
                *_other_table(others, links, limit), "", "</details>", ""]  # fmt: skip
    if notes:
        out += ["### Migration notes", "", md_block(notes), ""]
    if links.rules:
        footer += (" · " if footer else "") + f"[Rules documentation]({links.rules})"
    if footer:
        out += ["---", footer, ""]
    return "\n".join(out).rstrip("\n") + "\n"


def _waived_table(report: DiffReport, accepted: set[int], links: Links,
                  limit: int) -> list[str]:  # fmt: skip
    """Each change a waiver covers, with the waiver's reason and whether it counts yet."""
    rows = ["| Change | Rule | Reason | Expires | Accepted by | Status |",
            "| --- | --- | --- | --- | --- | --- |"]  # fmt: skip
    for waived in report.waived[:limit]:
        change, waiver = waived.change, waived.waiver
        if waived.status == ACCEPTED:
            status = "✅ accepted (the base branch holds the waiver)"
        elif id(change) in accepted:
            status = f"✅ accepted (the owners of {md_code(WAIVERS_FILE)} approved)"
        else:
            status = f"⏳ pending: counts once the owners of {md_code(WAIVERS_FILE)} approve"
        where = _where(Location(WAIVERS_FILE, waiver.line), links, waived.status == ACCEPTED)
        rows.append(f"| {md_text(change.message)} | {rule_link(change.rule, links)} | "
                    f"{md_text(waiver.reason)} ({where}) | {waiver.expires.isoformat()} | "
                    f"{md_text(waiver.accepted_by)} | {status} |")  # fmt: skip
    if len(report.waived) > limit:
        rows.append(f"| …and {len(report.waived) - limit} more | | | | | |")
    return rows


def _grouped_items(report: DiffReport, changes: Sequence[Change], links: Links,
                   limit: int) -> list[str]:  # fmt: skip
    """Breaking changes by plan, then by event, each with its impact."""
    out: list[str] = _by_rule(changes, links) if len(changes) > GROUP_OVER else []
    suggestions = _suggestions(report)
    shown = 0
    for plan in sorted({c.plan for c in changes}):
        mine = sorted((c for c in changes if c.plan == plan),
                      key=lambda c: (c.path[:2], c.sort_key()))  # fmt: skip
        out += [f"#### Plan {md_code(plan)}" if plan else "#### Registry settings", ""]
        for change in mine:
            if shown >= limit:
                break
            shown += 1
            out.append(f"{shown}. **{md_text(change.message)}** — "
                       f"{_where(change.location, links, change.in_base)}")  # fmt: skip
            breaks = f" · breaks **{', '.join(change.breaks)}**" if change.breaks else ""
            out.append(f"   {rule_link(change.rule, links)}{breaks}")
            effect = impact(report, change)
            if effect:
                out.append(f"   > Impact: {md_text(effect)}")
            hint = _rename_hint(change, links, suggestions)
            if hint:
                out.append(f"   > {hint}")
            out.append(f"   > Migration: {md_text(change.migration)}")
        out.append("")
    if len(changes) > limit:
        out.append(f"…and {len(changes) - limit} more: {FULL_LIST}")
    return out


def _suggestions(report: DiffReport) -> dict[tuple[str, str, Any], Change]:
    """Suggested renames by (plan, parent subject, old name): one pass, not one per item."""
    found: dict[tuple[str, str, Any], Change] = {}
    for other in report.changes:
        if other.rule.endswith("-rename-suggested"):
            found.setdefault((other.plan, other.subject.rsplit("/", 1)[0], other.old), other)
    return found


def _rename_hint(change: Change, links: Links,
                 suggestions: dict[tuple[str, str, Any], Change]) -> str:  # fmt: skip
    """For a removal that looks like a rename: the exact `renamed_from:` line that makes it
    one (the suggestion would otherwise sit folded among the other changes)."""
    if change.rule not in ("event-removed", "property-removed"):
        return ""
    other = suggestions.get((change.plan, change.subject.rsplit("/", 1)[0], change.old))
    if other is None:
        return ""
    after, before = str(other.new), str(change.old)
    where = _where(other.location, links, False)
    return (f"Renamed? '{md_text(after)}' looks like '{md_text(before)}' renamed: add "
            f"{md_code(f'renamed_from: [{before}]')} to '{md_text(after)}' ({where}) and this "
            "becomes a rename.")  # fmt: skip


def impact(report: DiffReport, change: Change) -> str:
    """Who sends what a change touches, and what in the plan counts it: KPIs and lifecycle
    stages (in BASE), and what this change does to those references (in HEAD)."""
    head_plan, base_plan = report.head.plans.get(change.plan), report.base.plans.get(change.plan)
    plan = head_plan or base_plan
    if plan is None:
        return ""
    sources = list(plan.section("sources"))
    parts = change.path
    readers = readers_of(report, change)
    read_by = [f"read by {', '.join(readers)}"] if readers else []
    if parts[0] != "events" or len(parts) < 2:
        # Traits and common properties go with every call of the plan's sources.
        said = ["sent by " + ", ".join(f"'{s}'" for s in sources)] if sources else []
        return "; ".join(said + read_by)
    name = parts[1]
    event = (head_plan.events.get(name) if head_plan else None) or (
        base_plan.events.get(name) if base_plan else None)  # fmt: skip
    former = event.spec.get("renamed_from") if event is not None else None
    names = (
        {name} | {n for n in former if isinstance(n, str)} if isinstance(former, list) else {name}
    )
    if change.rule == "event-renamed":
        names.add(str(change.old))
    declared = event.spec.get("sources") if event is not None else None
    said = []
    shown = [s for s in declared if isinstance(s, str)] if isinstance(declared, list) else sources
    if shown:
        said.append("sent by " + ", ".join(f"'{s}'" for s in shown))
    before = _counted_by(base_plan, names) if base_plan else []
    after = set(_counted_by(head_plan, names)) if head_plan else set()
    if before:
        kept = [item for item in before if item in after]
        if change.rule == "event-renamed" and len(kept) == len(before):
            how = ("updated here to the new name: dashboards computing them must include both "
                   "names for history")  # fmt: skip
        elif change.rule == "event-renamed":
            how = "not all updated here: " + ", ".join(i for i in before if i not in after) + \
                  " still name the old one"  # fmt: skip
        elif change.rule in ("event-removed", "event-sunset-removed") and not kept:
            how = "dropped from them here: their history changes meaning"
        elif change.rule in ("event-removed", "event-sunset-removed"):
            how = "still named by " + ", ".join(kept) + ", which now count nothing"
        else:
            how = ""
        said.append("counted by " + ", ".join(before) + (f" ({how})" if how else ""))
    return "; ".join(said + read_by)


def readers_of(report: DiffReport, change: Change) -> list[str]:
    """The consumers a change reaches: the event's, then the plan's, named on either side."""
    plans = [r.plans.get(change.plan) for r in (report.base, report.head)]
    names: list[str] = []
    parts = change.path
    if parts[0] == "events" and len(parts) > 1:
        for plan in plans:
            event = plan.events.get(parts[1]) if plan is not None else None
            if event is not None:
                names += consumer_names(event.spec.get("consumers"))
    for plan in plans:
        if plan is not None:
            names += consumer_names(plan.meta.get("consumers"))
    return list(dict.fromkeys(names))


def _counted_by(plan: Plan | None, names: set[str]) -> list[str]:
    """KPIs and lifecycle stages of a plan whose `events` name any of `names`."""
    if plan is None:
        return []
    kpis = [kpi.label for kpi in plan.kpis() if names & set(kpi.events)]
    return kpis + [stage.label for stage in plan.stages() if names & set(stage.events)]
