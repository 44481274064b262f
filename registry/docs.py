"""Generate docs/rules.md from the lint and diff catalogs (`python -m registry.docs`)."""

from __future__ import annotations

import sys
from pathlib import Path

from registry.diff.changes import BREAKING, PROTECTED, WARNING, level_for
from registry.diff.rules import DIFF_RULES, PLAN, DiffRule
from registry.lint.rules import RULES, Rule

DOC_PATH = Path("docs/rules.md")
MODES = tuple(PROTECTED)


def _level(rule: DiffRule, mode: str) -> str:
    if rule.level is not None:
        return rule.level
    level = level_for(rule.breaks, mode)
    return WARNING if rule.max_level == WARNING and level == BREAKING else level


def _code_block(files: dict[str, str]) -> list[str]:
    lines: list[str] = []
    for path, text in sorted(files.items()):
        shown = text if len(text) < 400 else text[:200] + "\n# ... (shortened)\n"
        lines += [f"`{path}`", "", "```yaml", shown.rstrip("\n"), "```", ""]
    return lines


def _lint_section(rule: Rule) -> list[str]:
    file, line = rule.expect
    lines = [f"### `{rule.id}`", "", f"**{rule.level}** — {rule.summary}", ""]
    if rule.doc:
        lines += [rule.doc, ""]
    if rule.blocks_diff:
        lines += [
            "A plan with this error is not compared by `diff` and `review` (which exit 2).",
            "",
        ]
    lines += [f"Invalid (reported at `{file}:{line}`):", "", *_code_block(rule.invalid)]
    lines += ["Valid:", "", *_code_block(rule.valid)]
    return lines


def _diff_section(rule: DiffRule) -> list[str]:
    breaks = ", ".join(rule.breaks) or "nobody"
    lines = [f"### `{rule.id}`", "", rule.summary, "", f"- Breaks: {breaks}"]
    lines.append("- Level: " + ", ".join(f"{mode}: {_level(rule, mode)}" for mode in MODES))
    lines.append(f"- Version bump when not breaking: {rule.bump}")
    lines.append(f"- Migration: {rule.migration}")
    lines.append("")
    if rule.before or rule.after:
        where = "before" if rule.in_base else "after"
        lines += [f"Before → after (reported at line {rule.line} of the {where} file):", ""]
        for label, body in (("before", rule.before), ("after", rule.after)):
            text = "plan:\n  id: web\n" + body if rule.file == PLAN else body
            lines += [f"{label} (`{rule.file}`):", "", "```yaml", text.rstrip("\n"), "```", ""]
    return lines


def render() -> str:
    lines = [
        "# trackplan rules",
        "",
        "Generated from the catalogs by `python -m registry.docs`; CI checks it is current.",
        "",
        "## Lint rules (`trackplan validate`)",
        "",
        "| Rule | Level | Summary |",
        "| --- | --- | --- |",
        *(f"| [`{r.id}`](#{r.id}) | {r.level} | {r.summary} |" for r in RULES),
        "",
        "## Diff rules (`trackplan diff`, `trackplan review`)",
        "",
        "*Producers* are app versions already in the field (the new plan must accept their data: "
        "backward compatibility); *consumers* are dashboards, warehouse tables and destinations "
        "(forward compatibility). `compatibility` in trackplan.yaml picks which audiences make "
        "a change breaking; a change that breaks the other audience is a warning.",
        "",
        "Every in-place change is symmetric: diffing HEAD against BASE instead reports the same "
        "subjects with producers and consumers swapped (a narrowed type becomes a widened one). "
        "Whole additions and removals are not: removing an event or a property breaks the "
        "consumers that read it, while adding an optional one breaks nobody (making every "
        "addition breaking for producers, as a strict open-content reading of JSON Schema "
        "would, would turn each new property into a major version).",
        "",
        "| Rule | Breaks | " + " | ".join(MODES) + " |",
        "| --- | --- | " + " | ".join("---" for _ in MODES) + " |",
        *(
            f"| [`{r.id}`](#{r.id}) | {', '.join(r.breaks) or '—'} | "
            + " | ".join(_level(r, m) for m in MODES)
            + " |"
            for r in DIFF_RULES
        ),
        "",
        "## Lint rule details",
        "",
    ]
    for rule in RULES:
        lines += _lint_section(rule)
    lines += ["## Diff rule details", ""]
    for diff_rule in DIFF_RULES:
        lines += _diff_section(diff_rule)
    return "\n".join(lines).rstrip("\n") + "\n"


def main() -> int:
    DOC_PATH.parent.mkdir(parents=True, exist_ok=True)
    DOC_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {DOC_PATH}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
