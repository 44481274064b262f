"""`trackplan log`: a subject's history from git, across renames, with PRs and releases."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import CliResult
from tests.test_release import PLAN, V1, commit, make_history

Cli = Callable[..., CliResult]


def build(run_cli: Cli, root: Path) -> Path:
    repo = make_history(root)
    run_cli("release", "--repo", str(repo))
    commit(repo, "Allow paid sign-ups (#12)", {PLAN: V1.replace("invite]", "invite, paid]")})
    run_cli("release", "--repo", str(repo))
    renamed = V1.replace("invite]", "invite, paid]").replace(
        "  Signup:\n", "  Signed Up:\n    renamed_from: [Signup]\n"
    )
    commit(repo, "Merge pull request #31 from acme/rename-signup", {PLAN: renamed})
    run_cli("release", "--repo", str(repo))
    commit(repo, "Unrelated: another event", {PLAN: renamed + "  Page Viewed: {}\n"})
    return repo


def test_event_history_follows_the_rename(run_cli: Cli, tmp_path: Path) -> None:
    repo = build(run_cli, tmp_path / "repo")
    result = run_cli("log", "web/Signed Up", "--repo", str(repo), "--format", "json")
    assert result.code == 0, result.err
    entries = result.json()["entries"]
    assert [(e["pull_request"], e["tags"]) for e in entries] == [
        (31, ["web/v3.0.0"]), (12, ["web/v2.0.0"]), (None, ["web/v1.0.0"]),
    ]  # fmt: skip
    assert [c["rule"] for c in entries[0]["changes"]] == ["event-renamed"]
    assert [c["rule"] for c in entries[1]["changes"]] == ["enum-value-added"]
    assert entries[1]["changes"][0]["subject"] == "events/Signup/properties/type"


def test_property_history_and_text_output(run_cli: Cli, tmp_path: Path) -> None:
    repo = build(run_cli, tmp_path / "repo")
    text = run_cli("log", "web/Signed Up/type", "--repo", str(repo)).out
    lines = text.splitlines()
    assert "#31" in lines[0] and "#12" in lines[3] and "(web/v2.0.0)" in lines[3]
    assert lines[4] == "    Allow paid sign-ups (#12)"
    assert lines[5] == (
        "    breaking enum-value-added property 'type' of 'Signup' added enum value 'paid'"
    )
    assert "Unrelated" not in text


def test_unknown_plan_exits_2(run_cli: Cli, tmp_path: Path) -> None:
    repo = build(run_cli, tmp_path / "repo")
    result = run_cli("log", "mobile", "--repo", str(repo))
    assert result.code == 2 and "plan 'mobile' is not in the registry" in result.err


@pytest.mark.parametrize("fmt", ["text", "json", "markdown", "github"])
def test_every_command_takes_every_format(fmt: str, run_cli: Cli, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:  # fmt: skip
    repo = build(run_cli, tmp_path / "repo")
    monkeypatch.chdir(tmp_path)
    commands = [
        ("validate", "--repo", str(repo)),
        ("diff", "HEAD~2", "HEAD", "--repo", str(repo), "--fail-on", "never"),
        ("review", "HEAD~2", "HEAD", "--repo", str(repo), "--fail-on", "never"),
        ("owners", "plans/web/plan.yaml", "--repo", str(repo)),
        ("release", "--repo", str(repo), "--dry-run"),
        ("pull", "web@latest", "--from", str(repo)),
        ("log", "web", "--repo", str(repo)),
    ]
    for command in commands:
        result = run_cli(*command, "--format", fmt)
        assert result.code in (0, 1), (command, result.err)
        if fmt != "github":  # no annotations is a valid github output (a clean validate)
            assert result.out.strip(), command
        assert "Traceback" not in result.err


def test_a_subject_no_commit_ever_defined_is_an_error_naming_the_closest(
    run_cli: Any, tmp_path: Path
) -> None:
    repo = make_history(tmp_path / "repo")
    event = run_cli("log", "web/Signupp", "--repo", str(repo))
    assert event.code == 2 and "ever defined event 'Signupp'" in event.err
    assert "did you mean 'Signup'?" in event.err
    prop = run_cli("log", "web/Signup/typo", "--repo", str(repo))
    assert prop.code == 2 and "a property 'typo'; did you mean 'type'?" in prop.err
