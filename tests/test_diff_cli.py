"""`trackplan diff` and `trackplan review` end to end: git revisions, versions, notes, formats."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.review.notes import extract_migration_notes
from tests.conftest import CliResult, write_files
from tests.test_snapshot import git

Cli = Callable[..., CliResult]
PLAN = "plans/web/plan.yaml"
V1 = """plan:
  id: web
events:
  Signup:
    properties:
      type: {type: string, enum: [organic, invite, paid, referral], required: true}
      legacy: {type: boolean}
"""
V2 = """plan:
  id: web
events:
  Signed Up:
    renamed_from: [Signup]
    properties:
      type: {type: string, enum: [organic, invite, paid], required: true}
      method: {type: string}
"""


def repo_with_history(root: Path) -> Path:
    write_files(root, {PLAN: V1})
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "v1")
    git(root, "tag", "web/v1.4.2")
    git(root, "tag", "mobile/v9.0.0")
    write_files(root, {PLAN: V2})
    git(root, "commit", "-q", "-am", "rename Signup")
    return root


def test_diff_between_git_revisions_gives_the_next_version(run_cli: Cli, tmp_path: Path) -> None:
    repo = repo_with_history(tmp_path / "repo")
    result = run_cli("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--format", "json")
    assert result.code == 1  # breaking changes, fail_on defaults to breaking
    data = result.json()
    assert data["plans"]["web"]["current"] == "1.4.2"
    assert data["plans"]["web"]["next"] == "2.0.0"
    assert data["plans"]["web"]["bump"] == "major"
    rules = {(c["rule"], c["location"]["line"], c["location"]["side"]) for c in data["changes"]}
    assert ("event-renamed", 4, "head") in rules
    assert ("enum-value-removed", 7, "head") in rules
    assert ("property-removed", 7, "base") in rules
    assert ("property-added", 8, "head") in rules
    renamed = next(c for c in data["changes"] if c["rule"] == "event-renamed")
    assert renamed["breaks"] == ["producers", "consumers"]
    assert renamed["message"] == "event 'Signup' was renamed to 'Signed Up'"


def test_fail_on_and_text_output(run_cli: Cli, tmp_path: Path) -> None:
    repo = repo_with_history(tmp_path / "repo")
    never = run_cli("diff", "HEAD~1", "HEAD", "--repo", str(repo), "--fail-on", "never")
    assert never.code == 0
    assert f"{PLAN}:4:3: breaking event-renamed event 'Signup' was renamed to 'Signed Up'" in (
        never.out
    )
    assert "web: 1.4.2 -> 2.0.0 (major)" in never.out
    same = run_cli("diff", "HEAD", "HEAD", "--repo", str(repo))
    assert same.code == 0 and same.out == "no changes\n"


def test_a_folder_and_a_revision_can_be_mixed(run_cli: Cli, tmp_path: Path) -> None:
    repo = repo_with_history(tmp_path / "repo")
    folder = write_files(tmp_path / "folder", {PLAN: V1})
    result = run_cli("diff", str(folder), "HEAD", "--repo", str(repo), "--format", "json")
    assert {c["rule"] for c in result.json()["changes"]} >= {"event-renamed"}


def test_unknown_revision_exits_2(run_cli: Cli, tmp_path: Path) -> None:
    repo = repo_with_history(tmp_path / "repo")
    result = run_cli("diff", "nope", "HEAD", "--repo", str(repo))
    assert result.code == 2
    assert "nope: not a revision" in result.err


def test_review_asks_for_migration_notes_then_shows_them(run_cli: Cli, tmp_path: Path) -> None:
    repo = repo_with_history(tmp_path / "repo")
    without = run_cli("review", "HEAD~1", "HEAD", "--repo", str(repo))
    assert without.code == 1
    lines = without.out.splitlines()
    assert lines[0] == "<!-- trackplan:review -->"
    assert lines[3].startswith("❌ **3 breaking changes, no migration notes**")
    assert "| `web` | 1.4.2 | **2.0.0** | major | 3 |" in without.out
    # What blocks the merge comes first, each with its next step.
    blocks = without.out.split("### What blocks the merge\n\n", 1)[1].split("\n\n", 1)[0]
    assert blocks.startswith("- **No migration notes** for 3 breaking changes: add a ")
    assert without.out.index("### What blocks the merge") < without.out.index("### Breaking")
    body = tmp_path / "pr.md"
    body.write_text("Renames Signup.\n\n## Migration notes\n\nShip app 5.2 first.\n\n## Other\nx\n")
    with_notes = run_cli("review", "HEAD~1", "HEAD", "--repo", str(repo), "--notes", str(body))
    assert "### Migration notes\n\nShip app 5.2 first.\n" in with_notes.out
    assert "## Other" not in with_notes.out
    assert "⚠️ **3 breaking changes** — migration notes are in" in with_notes.out


def test_review_links_subjects_to_their_lines(run_cli: Cli, tmp_path: Path) -> None:
    repo = repo_with_history(tmp_path / "repo")
    result = run_cli(
        "review", "HEAD~1", "HEAD", "--repo", str(repo),
        "--link", "https://github.com/acme/plans/blob/HEADSHA/",
        "--base-link", "https://github.com/acme/plans/blob/BASESHA/",
    )  # fmt: skip
    assert f"(https://github.com/acme/plans/blob/HEADSHA/{PLAN}#L4)" in result.out
    assert f"(https://github.com/acme/plans/blob/BASESHA/{PLAN}#L7)" in result.out


def test_rule_ids_link_to_the_rules_docs_that_base_names(run_cli: Cli, tmp_path: Path) -> None:
    default = "https://github.com/trackplan/trackplan/blob/main/docs/rules.md"
    base = write_files(tmp_path / "a", {PLAN: V1})
    head = write_files(tmp_path / "b", {PLAN: V2})
    out = run_cli("review", str(base), str(head)).out
    assert f"[`event-renamed`]({default}#event-renamed)" in out
    assert out.rstrip().endswith(f"[Rules documentation]({default})")  # in the footer
    ours = "https://docs.acme.dev/trackplan-rules"
    (base / "trackplan.yaml").write_text(f"review:\n  rules_url: {ours}\n")
    (head / "trackplan.yaml").write_text("review:\n  rules_url: https://evil.example/\n")
    out = run_cli("review", str(base), str(head)).out
    assert f"[`enum-value-removed`]({ours}#enum-value-removed)" in out
    assert "](https://evil" not in out and default not in out  # BASE's setting, not the PR's
    assert "setting 'review.rules\\_url' changed" in out  # the policy change is reported
    assert f"[`event-renamed`]({ours}#event-renamed)" in run_cli(
        "diff", str(base), str(head), "--format", "markdown").out  # fmt: skip


def test_a_rules_url_that_is_not_a_url_is_a_validation_error(run_cli: Cli, tmp_path: Path) -> None:
    repo = write_files(tmp_path, {PLAN: V1, "trackplan.yaml": "review:\n  rules_url: docs#x\n"})
    result = run_cli("validate", "--repo", str(repo))
    assert result.code == 1
    assert "trackplan.yaml:2:" in result.out and "rules_url" in result.out


def test_review_lists_validation_problems_of_head(run_cli: Cli, tmp_path: Path) -> None:
    base = write_files(tmp_path / "a", {PLAN: V1})
    head = write_files(tmp_path / "b", {PLAN: V1.replace("{type: boolean}", "{type: bool}")})
    result = run_cli("review", str(base), str(head))
    assert result.code == 1
    assert "❌ **The plan files have 1 validation error**" in result.out
    assert "`property-type-unknown`" in result.out


def test_migration_notes_extraction() -> None:
    assert extract_migration_notes("### Migration Notes:\nDo X.\n") == "Do X."
    assert extract_migration_notes("# Title\n## Migration notes\n\n## Next\n") is None
    assert extract_migration_notes(None) is None
    text = "## Migration notes\nStep 1\n### Detail\nmore\n## Done\n"
    assert extract_migration_notes(text) == "Step 1\n### Detail\nmore"


def test_a_plan_whose_file_breaks_is_not_reported_as_removed(run_cli: Cli, tmp_path: Path) -> None:
    base = write_files(tmp_path / "a", {PLAN: V1})
    head = write_files(tmp_path / "b", {PLAN: V1 + "  Broken: {x: [\n"})
    result = run_cli("diff", str(base), str(head), "--format", "json")
    data = result.json()
    assert data["changes"] == [] and data["unreadable_plans"] == ["web"]
    # A CI gate on `diff` must not pass: the input cannot be read (exit 2), reason first.
    text = run_cli("diff", str(base), str(head))
    assert result.code == text.code == 2
    assert text.err.startswith("trackplan: error: plan 'web' is not compared: ")
    assert "plans/web/plan.yaml:" in text.err and "yaml-syntax" in text.err


@pytest.mark.parametrize("side", ["base", "head"])
def test_an_invalid_definition_is_never_compared_as_if_meant(
    run_cli: Cli, tmp_path: Path, side: str
) -> None:
    broken = V1.replace("{type: boolean}", "{type: strng}")
    files = {"base": V1, "head": V1}
    files[side] = broken
    base = write_files(tmp_path / "a", {PLAN: files["base"]})
    head = write_files(tmp_path / "b", {PLAN: files["head"]})
    for command in ("diff", "review"):
        result = run_cli(command, str(base), str(head))
        assert result.code == 1, (command, result.err)
        assert "strng" not in result.out.replace("unknown type 'strng'", "")  # no nonsense
        assert result.err.startswith("trackplan: error: plan 'web' is not compared: ")
        assert "property-type-unknown" in result.err


def test_git_errors_name_the_folder_in_one_line(run_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "plain").mkdir()
    for args in (("diff", "main", "HEAD"), ("log", "web"), ("release", "--dry-run")):
        result = run_cli(*args, "--repo", str(tmp_path / "plain"))
        assert result.code == 2, args
        assert result.err == (
            f"trackplan: error: {tmp_path / 'plain'}: not a git repository "
            "(revisions are read with git)\n"
        ), args


def test_a_review_of_75000_findings_stays_within_github_s_limits(
    run_cli: Cli, tmp_path: Path
) -> None:
    """25,000 badly named events: three findings each, 25,000 added events. The comment
    stays under GitHub's 65,536 characters and leads with the findings grouped by rule."""
    base = write_files(tmp_path / "a", {PLAN: "plan:\n  id: web\n"})
    events = "".join(f"  bad_event_{i}: {{}}\n" for i in range(25_000))
    head = write_files(tmp_path / "b", {PLAN: "plan:\n  id: web\nevents:\n" + events})
    result = run_cli("review", str(base), str(head), "--no-cache")
    assert result.code == 1
    assert len(result.out) < 65_536
    docs = "https://github.com/trackplan/trackplan/blob/main/docs/rules.md"
    assert (f"| [`event-name-case`]({docs}#event-name-case) | error | 25000 | "
            "`plans/web/plan.yaml:4` |") in result.out  # fmt: skip
    assert "…and 24" in result.out  # the rest counted, not listed


def test_a_review_of_50000_breaking_changes_counts_them_by_rule(
    run_cli: Cli, tmp_path: Path
) -> None:
    events = "".join(f"  Thing {i} Viewed: {{sources: [web]}}\n" for i in range(50_000))
    head_plan = "plan:\n  id: web\n  sources: {web: {platform: web}}\nevents:\n"
    base = write_files(tmp_path / "a", {PLAN: head_plan + events})
    head = write_files(tmp_path / "b", {PLAN: head_plan + "  Page Viewed: {}\n"})
    out = run_cli("review", str(base), str(head), "--no-cache").out
    assert len(out) < 65_536
    breaking = out.split("### Breaking changes", 1)[1]
    assert breaking.lstrip().startswith("| Rule | Plan | Changes | First at |")
    assert "#event-removed) | `web` | 50000 | `plans/web/plan.yaml:5` |" in breaking
    assert "> Impact: sent by 'web'" in breaking
    assert re.search(r"…and 49\d\d\d more: the JSON report \(`--format json`", breaking)


def test_a_suggested_rename_shows_inside_the_breaking_removal(run_cli: Cli, tmp_path: Path) -> None:
    body = "events:\n  {}:\n    properties: {{method: {{type: string}}}}\n"
    base = write_files(tmp_path / "a", {PLAN: "plan:\n  id: web\n" + body.format("Signup")})
    head = write_files(tmp_path / "b", {PLAN: "plan:\n  id: web\n" + body.format("Signed Up")})
    out = run_cli("review", str(base), str(head)).out
    breaking = out.split("### Breaking changes", 1)[1].split("<details>", 1)[0]
    assert (
        "> Renamed? 'Signed Up' looks like 'Signup' renamed: add `renamed_from: [Signup]` "
        "to 'Signed Up' (`plans/web/plan.yaml:4`) and this becomes a rename."
    ) in breaking
