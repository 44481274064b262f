"""The GitHub Action's entry point with the environment GitHub Actions sets, against the
fake GitHub, fed with GitHub's example payloads."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.botkit import payload, plan_repo
from tests.conftest import CliResult
from tests.fake_github import FakeGitHub
from tests.test_bot_release import push_payload

Cli = Callable[..., CliResult]
TOKEN = "ghs_workflow_token"
ROOT = Path(__file__).resolve().parent.parent


def _environment(monkeypatch: pytest.MonkeyPatch, gh: FakeGitHub, tmp_path: Path, event: str,
                 body: dict[str, Any], **inputs: str) -> None:  # fmt: skip
    body = {k: v for k, v in body.items() if k != "installation"}  # no App in a workflow
    path = tmp_path / f"{event}.json"
    path.write_text(json.dumps(body))
    env = {
        "GITHUB_EVENT_NAME": event, "GITHUB_EVENT_PATH": str(path),
        "GITHUB_REPOSITORY": gh.full_name, "GITHUB_API_URL": gh.url, "GITHUB_TOKEN": TOKEN,
        "RUNNER_TEMP": str(tmp_path), "TRACKPLAN_SECONDS_BETWEEN_REQUESTS": "0",
        "TRACKPLAN_SECONDS_BETWEEN_WRITES": "0",
        **{f"INPUT_{name.upper().replace('_', '-')}": value for name, value in inputs.items()},
    }  # fmt: skip
    for name in (
        "INPUT_FAIL-ON",
        "INPUT_COMMENT",
        "INPUT_RELEASE",
        "INPUT_REPO-PATH",
        "INPUT_COMMENT-AUTHOR",
    ):
        monkeypatch.delenv(name, raising=False)  # inputs of an earlier run
    for name, value in env.items():
        monkeypatch.setenv(name, value)


def test_a_breaking_pull_request_gets_the_review_and_fails_the_job(
    run_cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.tokens.add(TOKEN)
        gh.add_pull(1, head="rename")
        opened = payload("pull_request", "opened.payload.json", gh)
        _environment(monkeypatch, gh, tmp_path, "pull_request", opened, fail_on="breaking")
        result = run_cli("action")
        assert result.code == 1, result.err
        assert "::error title=trackplan::the change fails: trackplan/review" in result.out
        (comment,) = gh.comments(1)
        assert comment["json"]["body"].startswith("<!-- trackplan:review -->")
        runs = {r["name"]: r for r in gh.check_runs(gh.sha("rename"))}
        assert runs["trackplan/review"]["conclusion"] == "failure"
        assert any(a["title"] == "event-renamed" for a in runs["trackplan/review"]["annotations"])
        assert gh.received("POST", "/app/") == []  # the workflow's token, no App
        # Run again (a new push to the branch): the same comment, edited, never repeated.
        assert run_cli("action").code == 1
        assert len(gh.comments(1)) == 1
        # fail-on never passes the job; comment false leaves the comment alone.
        _environment(monkeypatch, gh, tmp_path, "pull_request", opened, fail_on="never",
                     comment="false")  # fmt: skip
        edits = len(gh.received("PATCH", "/repos/acme/plans/issues/comments/"))
        assert run_cli("action").code == 0
        assert len(gh.received("PATCH", "/repos/acme/plans/issues/comments/")) == edits


def test_a_push_to_the_default_branch_releases(
    run_cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.tokens.add(TOKEN)
        _environment(monkeypatch, gh, tmp_path, "push", push_payload(gh, "base"), release="false")
        assert run_cli("action").code == 0 and gh.state.releases == []
        _environment(monkeypatch, gh, tmp_path, "push", push_payload(gh, "base"))
        result = run_cli("action")
        assert result.code == 0, result.err
        tags = sorted(r["tag_name"] for r in gh.state.releases)
        assert tags == ["segment/v1.0.0", "shop/v1.0.0"]
        assert all(len(gh.state.assets[r["id"]]) == 4 for r in gh.state.releases)


def test_bad_inputs_exit_2(run_cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        opened = payload("pull_request", "opened.payload.json", gh)
        _environment(monkeypatch, gh, tmp_path, "pull_request", opened, fail_on="sometimes")
        bad = run_cli("action")
        assert bad.code == 2 and "input fail-on: 'sometimes' is not one of" in bad.err
        monkeypatch.delenv("GITHUB_TOKEN")
        assert "GITHUB_TOKEN is not set" in run_cli("action").err


def test_action_yml_runs_the_entry_point_with_every_input() -> None:
    action = YAML(typ="safe").load((ROOT / "action.yml").read_text())
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert '--no-build-isolation "${{ github.action_path }}"' in steps[1]["run"]  # its version
    [review] = [s for s in steps if s.get("run") == "trackplan action"]
    assert review["if"] == "inputs.mode != 'status'"
    passed = {k.removeprefix("INPUT_").lower() for k in review["env"] if k.startswith("INPUT_")}
    status_only = {"mode", "paths", "lock"}  # the status step's (tested below)
    assert passed == set(action["inputs"]) - {"github-token"} - status_only


def test_a_registry_in_a_folder_of_the_repository(
    run_cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    import shutil

    from tests.botkit import EXAMPLES
    from tests.test_snapshot import git

    root = tmp_path / "repo"
    shutil.copytree(EXAMPLES / "acme-base", root / "analytics")
    (root / "README.md").write_text("an app repository\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "plans in a folder")
    git(root, "checkout", "-q", "-b", "rename")
    shutil.rmtree(root / "analytics/plans")
    shutil.copytree(EXAMPLES / "acme/plans", root / "analytics/plans")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "rename")
    git(root, "checkout", "-q", "main")
    with FakeGitHub(root) as gh:
        gh.tokens.add(TOKEN)
        gh.add_pull(1, head="rename")
        opened = payload("pull_request", "opened.payload.json", gh)
        _environment(monkeypatch, gh, tmp_path, "pull_request", opened, repo_path="analytics")
        assert run_cli("action").code == 1
        (comment,) = gh.comments(1)
        assert "event 'Signup' was renamed to 'Signed Up'" in comment["json"]["body"]
        assert f"/blob/{gh.sha('rename')}/analytics/plans/segment/" in comment["json"]["body"]
        runs = {r["name"]: r for r in gh.check_runs(gh.sha("rename"))}
        paths = {a["path"] for a in runs["trackplan/review"]["annotations"]}
        assert paths and all(p.startswith("analytics/plans/") for p in paths)
        _environment(monkeypatch, gh, tmp_path, "push", push_payload(gh, "base"),
                     repo_path="analytics/")  # fmt: skip
        assert run_cli("action").code == 0
        assert sorted(r["tag_name"] for r in gh.state.releases) == ["segment/v1.0.0",
                                                                    "shop/v1.0.0"]  # fmt: skip
        _environment(monkeypatch, gh, tmp_path, "push", push_payload(gh, "base"),
                     repo_path="../elsewhere")  # fmt: skip
        bad = run_cli("action")
        assert bad.code == 2 and "a folder inside the repository" in bad.err


def test_with_a_personal_token_the_action_edits_its_own_comment_only(
    run_cli: Cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.tokens.add(TOKEN)
        gh.token_logins[TOKEN] = "release-bot"
        gh.add_pull(1, head="rename")
        forged = gh.add_comment(1, "<!-- trackplan:review -->\nAll fine.", "mallory")
        opened = payload("pull_request", "opened.payload.json", gh)
        _environment(monkeypatch, gh, tmp_path, "pull_request", opened, fail_on="never",
                     comment_author="release-bot")  # fmt: skip
        for _ in range(2):
            assert run_cli("action").code == 0
        comments = gh.comments(1)
        assert len(comments) == 2  # mallory's, untouched, and the action's, edited once
        assert {c["json"]["user"]["login"] for c in comments} == {"mallory", "release-bot"}
        assert next(c for c in comments if c["id"] == forged)["json"]["body"].endswith("fine.")
        _environment(monkeypatch, gh, tmp_path, "pull_request", opened,
                     comment_author="not a login!")  # fmt: skip
        assert run_cli("action").code == 2


def test_status_mode_runs_trackplan_status_with_the_inputs_as_arguments(tmp_path: Path) -> None:
    import os
    import subprocess

    steps = YAML(typ="safe").load((ROOT / "action.yml").read_text())["runs"]["steps"]
    [step] = [s for s in steps if s.get("if") == "inputs.mode == 'status'"]
    stub = tmp_path / "bin" / "trackplan"
    stub.parent.mkdir()
    stub.write_text('#!/bin/sh\nfor a in "$@"; do printf "%s\\n" "$a"; done > "$ARGS_OUT"\n')
    stub.chmod(0o755)
    env = {**os.environ, "PATH": f"{stub.parent}{os.pathsep}{os.environ['PATH']}",
           "ARGS_OUT": str(tmp_path / "args"), "INPUT_FAIL-ON": "breaking",
           "INPUT_PATHS": "web  ios", "INPUT_LOCK": "apps/trackplan.lock"}  # fmt: skip
    # An input is data, never shell: `$(...)` in a path stays a path.
    env["INPUT_PATHS"] += " $(touch pwned)"
    done = subprocess.run(["bash", "-e", "-c", step["run"]], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "args").read_text().splitlines() == [
        "status", "web", "ios", "$(touch", "pwned)", "--lock", "apps/trackplan.lock",
        "--format", "github", "--fail-on", "error"]  # fmt: skip
    assert not (tmp_path / "pwned").exists()
