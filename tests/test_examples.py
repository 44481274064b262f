"""The bundled example registries: valid, and their diff is the one examples/README.md lists."""

from __future__ import annotations

import re
import shlex
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.mark.parametrize("name", ["acme", "acme-base"])
def test_example_registry_is_clean(name: str, run_cli: Cli) -> None:
    result = run_cli("validate", "--repo", str(EXAMPLES / name))
    assert result.code == 0
    assert result.out == "0 errors, 0 warnings in 9 files\n"


def test_example_diff_is_the_documented_one(run_cli: Cli) -> None:
    result = run_cli(
        "diff", str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme"), "--format", "json"
    )
    assert result.code == 1  # breaking changes under fail_on: breaking
    found = {(c["rule"], c["subject"], c["level"]) for c in result.json()["changes"]}
    assert found == {
        ("event-renamed", "events/Signed Up", "breaking"),
        ("enum-value-removed", "events/Signed Up/properties/type", "breaking"),
        ("property-type-changed", "group/traits/employees", "breaking"),
        ("property-removed", "events/Product Viewed/properties/image_url", "breaking"),
        ("event-added", "events/Product Shared", "info"),
        ("property-added", "events/Order Completed/properties/coupon", "info"),
        # Inside plan metadata, each part its own change (matched by natural keys).
        (
            "plan-objectives-changed",
            "plan/objectives/activation/kpis/signup_to_source/events",
            "info",
        ),
        ("plan-lifecycle-changed", "plan/lifecycle/Subscriber/events", "info"),
    }
    plans = result.json()["plans"]
    assert plans["segment"]["next"] == "1.0.0" and plans["segment"]["bump"] == "major"


def test_example_review_renders(run_cli: Cli) -> None:
    result = run_cli("review", str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme"))
    assert result.out.startswith("<!-- trackplan:review -->\n## trackplan review\n")
    assert "### Breaking changes" in result.out
    assert "<details><summary>6 other changes</summary>" in result.out
    assert ("plan 'segment' KPI 'activation/signup\\_to\\_source' events gained 'Signed Up'"
            in result.out)  # fmt: skip


def test_owners_of_a_plan_file(run_cli: Cli) -> None:
    result = run_cli(
        "owners", "plans/shop/events/checkout.yaml", "--repo", str(EXAMPLES / "acme"),
        "--format", "json",
    )  # fmt: skip
    assert result.code == 0
    (entry,) = result.json()["files"]
    assert entry["codeowners"] == {
        "file": ".github/CODEOWNERS", "line": 5, "pattern": "/plans/shop/events/checkout.yaml",
        "owners": ["@acme/commerce", "@acme/payments"],
    }  # fmt: skip
    assert entry["plan"] == {"id": "shop", "owners": ["@acme/commerce"]}
    assert [e["name"] for e in entry["events"]][:2] == [
        "Checkout Started",
        "Checkout Step Completed",
    ]
    text = run_cli("owners", "trackplan.yaml", "--repo", str(EXAMPLES / "acme")).out
    assert text == (
        "trackplan.yaml\n  CODEOWNERS: @acme/data-platform  (.github/CODEOWNERS:2 trackplan.yaml)\n"
    )


def test_owners_of_a_folder_is_the_line_for_its_files(run_cli: Cli) -> None:
    for folder in ("plans/shop", "plans/shop/"):
        result = run_cli("owners", folder, "--repo", str(EXAMPLES / "acme"), "--format", "json")
        (entry,) = result.json()["files"]
        assert entry["codeowners"]["pattern"] == "/plans/shop/", folder
        assert entry["plan"] == {"id": "shop", "owners": ["@acme/commerce"]}


def test_review_has_a_stakeholder_table(run_cli: Cli) -> None:
    result = run_cli("review", str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme"))
    assert (
        "| `@acme/growth` | CODEOWNERS .github/CODEOWNERS:3 (/plans/segment/); plan 'segment' "
        "— every owner (breaking) | needs approval |" in result.out
    )
    owners = [row.split("|")[1] for row in result.out.splitlines() if row.startswith("| `@")]
    assert owners == [" `@acme/growth` ", " `@acme/commerce` ", " `@acme/payments` "]  # once each


def test_output_formats_match_their_commands(run_cli: Cli) -> None:
    base, head = str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme")
    markdown = run_cli("diff", base, head, "--format", "markdown").out
    assert markdown.startswith("## trackplan diff: 4 breaking changes")
    assert "trackplan:review" not in markdown and "Migration notes" not in markdown
    assert "### Breaking changes" in markdown
    text = run_cli("review", base, head, "--format", "text").out
    assert text.startswith("FAIL: 4 breaking changes, no migration notes")
    assert "|" not in text and "**" not in text and "<!--" not in text
    assert "Stakeholders:\n  @acme/growth: " in text
    assert "\nWhat blocks the merge:\n- No migration notes for 4 breaking changes: " in text
    noted = run_cli("review", base, head, "--format", "text", "--notes",
                    str(EXAMPLES / "pr-description.md")).out  # fmt: skip
    notes = noted.split("\nMigration notes:\n", 1)[1]
    assert "\\x0a" not in notes  # line breaks kept, not escaped
    assert notes.splitlines()[0].startswith("- Web 5.2 sends `Signed Up`")
    assert len(notes.splitlines()) == 5


def test_annotations_of_removals_point_at_lines_head_has(run_cli: Cli, tmp_path: Path) -> None:
    base = tmp_path / "a"
    head = tmp_path / "b"
    for root, body in (
        (
            base,
            "    properties:\n      x: {type: string}\n      y: {type: string}\n  B Viewed: {}\n",
        ),
        (head, "    properties:\n      x: {type: string}\n"),
    ):
        (root / "plans/web").mkdir(parents=True)
        (root / "plans/web/plan.yaml").write_text("plan:\n  id: web\nevents:\n  A Viewed:\n"
                                                  + body)  # fmt: skip
    lines = run_cli("diff", str(base), str(head), "--format", "github").out.splitlines()
    assert lines == [
        "::error file=plans/web/plan.yaml,line=4,col=3,title=property-removed::property 'y' of "
        "'A Viewed' was removed%0AMigration: Stop sending 'y'; update the queries and "
        "destinations that read it.",
        "::error file=plans/web/plan.yaml,line=1,col=1,title=event-removed::event 'B Viewed' "
        "was removed%0AMigration: Stop sending 'B Viewed'; move the dashboards, queries and "
        "destinations that read it.",
    ]  # the event still in HEAD, and the plan: never BASE's line 7 or 8 on HEAD's 6 lines


def test_the_review_leads_with_blockers_and_shows_each_break_s_impact(run_cli: Cli) -> None:
    out = run_cli("review", str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme")).out
    sections = [line for line in out.splitlines() if line.startswith("### ")]
    assert sections[:4] == ["### What blocks the merge", "### Stakeholders", "### Versions",
                            "### Breaking changes"]  # fmt: skip
    assert ("- **Waiting for approval** from `@acme/commerce`, `@acme/growth`, "
            "`@acme/payments` (see Stakeholders).") in out  # fmt: skip
    assert "#### Plan `segment`" in out and "#### Plan `shop`" in out
    assert ("> Impact: sent by 'web'; counted by KPI 'activation/signup\\_to\\_source', "
            "lifecycle stage 'Subscriber' (updated here to the new name: dashboards computing "
            "them must include both names for history)") in out  # fmt: skip
    # A property change of the renamed event still finds what counted it under its old name.
    assert out.count("counted by KPI 'activation/signup\\_to\\_source'") == 2
    footer = out.rstrip().rsplit("\n", 1)[1]
    assert footer.startswith(f"Compared `{EXAMPLES / 'acme-base'}` with `{EXAMPLES / 'acme'}`")
    assert " · trackplan " in footer


def _readme_examples() -> list[tuple[str, list[str]]]:
    """Each `$ trackplan ...` command on the example registries in the README's console
    blocks, with the output lines it shows there (`...` stands for lines left out)."""
    readme = (EXAMPLES.parent / "README.md").read_text(encoding="utf-8")
    found: list[tuple[str, list[str]]] = []
    for block in re.findall(r"```console\n(.*?)```", readme, flags=re.S):
        for chunk in re.split(r"^\$ ", block, flags=re.M)[1:]:
            command, *shown = chunk.rstrip("\n").split("\n")
            if "examples/" in command:
                found.append((command, shown))
    return found


@pytest.mark.parametrize(("command", "shown"), _readme_examples(),
                         ids=[command.split()[1] for command, _ in _readme_examples()])  # fmt: skip
def test_readme_example_output_is_what_the_command_prints(
    command: str, shown: list[str], run_cli: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(EXAMPLES.parent)
    program, *args = shlex.split(command)
    assert program == "trackplan"
    printed = run_cli(*args).out.split("\n")
    at = 0
    for line in shown:  # in order; `...` skips any number of lines
        if line == "...":
            continue
        assert line in printed[at:], f"{command!r} no longer prints {line!r}"
        at = printed.index(line, at) + 1


def test_the_impact_of_a_removal_says_what_happened_to_the_kpis_counting_it(
    run_cli: Cli, tmp_path: Path
) -> None:
    def plan(kpi_events: str, events: str) -> str:
        return ("plan:\n  id: web\n  sources: {web: {platform: web}}\n  objectives:\n"
                "    growth:\n      kpis:\n        views: {events: [" + kpi_events + "]}\n"
                "events:\n" + events)  # fmt: skip

    both = "  A Viewed: {}\n  B Viewed: {}\n"
    dropped = "(dropped from them here: their history changes meaning)"
    kept = "(still named by KPI 'growth/views', which now count nothing)"
    for name, kpi, expected in (("dropped", "B Viewed", dropped),
                                ("kept", "A Viewed, B Viewed", kept)):  # fmt: skip
        base = write_files(tmp_path / name / "base",
                           {"plans/web/plan.yaml": plan("A Viewed, B Viewed", both)})  # fmt: skip
        head = write_files(tmp_path / name / "head",
                           {"plans/web/plan.yaml": plan(kpi, "  B Viewed: {}\n")})  # fmt: skip
        out = run_cli("review", str(base), str(head)).out
        assert f"> Impact: sent by 'web'; counted by KPI 'growth/views' {expected}" in out
