"""Generate docs/rules.md from the lint and diff catalogs (`python -m registry.docs`)."""

from __future__ import annotations

import sys
from collections.abc import Mapping
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


def _code_block(files: Mapping[str, str]) -> list[str]:
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


POLICY_KEYS = (
    (
        "`additions`",
        "`additive` (default): adding an optional property to an object that does not close "
        "its keys breaks nobody (Segment, Snowplow, Wikimedia). `strict`: as JSON Schema has "
        "it (Confluent): it may break producers, who could already send that key with another "
        "shape.",
    ),
    (
        "`rules[].rule` + `level`",
        "The rule's changes within the scope count at `level`; the last matching entry wins, "
        "a plan's entries are read after the registry's. `error` forbids the change: the "
        "review check fails whatever `fail_on` says (only `--fail-on never`, report only, "
        "keeps a command's exit at 0), unless a waiver covers it. `off` drops it from the "
        "report.",
    ),
    (
        "`rules[].approvers`",
        "Owners (users, `@org/team`, emails) who must also approve the matching changes: the "
        "rule's with `rule`, every change that reaches `level` without it. Under "
        "`review.breaking` for severe changes (`error`, `breaking`), `review.default` "
        "otherwise.",
    ),
    (
        "`rules[].plans`, `events`, `properties`",
        "Glob patterns (`shop*`, `Order *`); a property path joins nested names with `.`. A "
        "scope left out matches everything.",
    ),
    (
        "`privacy`",
        "Owners who approve a change that touches personal data: a property that gains, loses "
        "or changes `pii:` (rule `property-pii-changed`), or a new plan, event or property "
        "that carries any. A plan's `privacy` adds to the registry's.",
    ),
    ("`compatibility` (plan only)", "The plan's own compatibility mode, over the registry's."),
)


POLICY_DOC = """
## Policy

`policy:` in `trackplan.yaml` (and under `plan:` in a plan's `plan.yaml`, for that plan
alone) decides how changes count and who approves them. Like every setting it is read from
the base side of a change (the base branch's tip, for the bot): a pull request that edits
it is judged by the policy it replaces, and its edit is itself reported (`settings-changed`,
`plan-conventions-changed`, `plan-policy-changed`). A plan's own policy is approved by the
owners of `trackplan.yaml` as well as the plan's: a plan cannot loosen the registry alone.

```yaml
policy:
  additions: additive            # or strict
  rules:
    - rule: property-removed     # a diff rule id
      plans: [shop]              # optional scopes: plans, events, properties (globs)
      level: info                # error | breaking | warning | info | off
    - level: breaking            # without `rule`: every change that reaches the level
      approvers: ["@acme/data-platform"]
  privacy: ["@acme/privacy"]     # who approves changes to personal data
```

{policy_keys}

`pii:` on a property is one of `none`, `indirect` (identifies a person only with other
data: a device id, an IP address), `direct` (an email, a phone number, a name) or `sensitive`
(health, religion, finances, precise location); `true` means `direct`, `false` `none`. It is
kept in the release schema as `x-pii`, shown in the catalog and written into the generated
code's doc comments.

`consumers:` on a plan or an event names who reads its data: owners (`@acme/bi`), or
`{name: Revenue dashboard, kind: dashboard, owner: "@acme/finance", url: ...}`. A change
that is `breaking` or `error` names them in the review's impact and in the
`breaking-pull-request` notification (`consumers`), and, under `review.breaking:
all-owners`, their owners must approve it.

Every required approver is explained: the stakeholder table, the `trackplan/review` check
run and `trackplan review --format json` (`stakeholders[].why`) name the line that asked
for them: `CODEOWNERS .github/CODEOWNERS:3 (/plans/shop/)`, `plan 'shop'`,
`event 'Order Completed'`, `policy trackplan.yaml:9: rule property-removed`,
`privacy reviewers (trackplan.yaml:14): personal data changed`,
`consumers of event 'Order Completed'`, `waivers.yaml: 1 new waiver (...)`.

## Waivers

`waivers.yaml` at the registry's root lists changes accepted on purpose, each with its
reason, how long it holds and who accepted it (`trackplan waive` writes one):

```yaml
waivers:
  - rule: property-removed
    subject: shop/Order Completed/coupon   # PLAN, PLAN/EVENT or PLAN/EVENT/PROP (a.b: nested)
    reason: Coupons moved to the cart; the finance dashboard reads cart_discount
    expires: 2027-03-31                    # the last day it holds
    accepted_by: "#412"                    # a person, a team or the pull request
```

A waiver covers the rule's changes at its subject and inside it (traits are
`PLAN/$identify/TRAIT` and `PLAN/$group/TRAIT`, common properties `PLAN/$common/PROPERTY`).
In a name, `/` is written `~1`, `.` `~2` and `~` `~0`, so an event named `A/B` (`web/A~1B`)
is never property `B` of event `A` (`web/A/B`).
A covered change is listed under Waived changes with its reason and counts neither as
breaking (no migration notes needed) nor as forbidden; its version bump is unchanged.
A waiver the base side holds is a reviewed decision and counts. One the pull request adds
(or edits) counts only once the owners of `waivers.yaml` approve the head commit of the
pull request (its CODEOWNERS line, else that of `trackplan.yaml`), and their approval is
required whether or not the waiver covers a change of that pull request, so a waiver
cannot be slipped in ahead of its change. When CODEOWNERS names no such owner, a pull
request that adds a waiver fails review: a waiver is never a way around review. An
expired waiver covers nothing and fails validation (`waiver-expired`) until it is removed
or renewed.
"""


def _policy_table() -> str:
    rows = ["| Key | Meaning |", "| --- | --- |"]
    return "\n".join(rows + [f"| {key} | {meaning} |" for key, meaning in POLICY_KEYS])


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
        *POLICY_DOC.strip("\n").replace("{policy_keys}", _policy_table()).split("\n"),
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
