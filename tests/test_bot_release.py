"""The bot on a push to the default branch: tags and GitHub releases, exactly once."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
from flask import Response

from tests.botkit import app_for, deliver, drain, payload, push_commit
from tests.fake_github import FakeGitHub
from tests.test_bot_approvals import BASE_PLAN, PLAN, make_repo
from tests.test_snapshot import git

NOTES = "## Migration notes\n\nSend both names from app 5.2 on.\n"


def push_payload(gh: FakeGitHub, message: str) -> dict[str, Any]:
    """GitHub's example push, made a push of the fake's main branch."""
    data = payload("push", "payload.json", gh, ref="refs/heads/main", after=gh.sha("main"),
                   deleted=False)  # fmt: skip
    data["head_commit"] = {**(data.get("head_commit") or {}), "message": message}
    return data


def merge(repo: Path, branch: str, message: str) -> None:
    git(repo, "merge", "-q", "--no-ff", "-m", message, branch)


def _failing_releases(gh: FakeGitHub, fails: Callable[[], bool], status: int,
                      message: str) -> None:  # fmt: skip
    """The fake's "create a release" answers `status` whenever `fails()` says so."""
    views = gh.app.view_functions
    key = next(k for k in views if k.startswith("POST") and k.endswith("/releases"))
    create_release = views[key]

    def release() -> Any:
        if fails():
            return Response(json.dumps({"message": message}), status=status)
        return create_release()

    views[key] = release


def test_merging_a_pr_releases_once_even_when_the_push_comes_twice(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        # The first push of main releases web 1.0.0.
        deliver(client, "push", push_payload(gh, "base"), delivery="p-0")
        drain(app)
        assert [r["tag_name"] for r in gh.state.releases] == ["web/v1.0.0"]

        gh.add_pull(7, head="rename", author="alice", body=NOTES)
        gh.add_review(7, "gina", "APPROVED", gh.sha("rename"))
        gh.add_review(7, "paula", "APPROVED", gh.sha("rename"))
        merge(repo, "rename", "Merge pull request #7 from acme/rename")
        body = push_payload(gh, "Merge pull request #7 from acme/rename")
        deliver(client, "push", body, delivery="p-1")
        deliver(client, "push", body, delivery="p-1")  # GitHub redelivers
        deliver(client, "push", body, delivery="p-2")  # or sends it again with a new id
        drain(app)

        assert [r["tag_name"] for r in gh.state.releases] == ["web/v1.0.0", "web/v2.0.0"]
        release = gh.state.releases[1]
        assert release["name"] == "web v2.0.0"
        assert "pull request #7 by `@alice`" in release["body"]
        assert "Approved by `@gina`, `@paula`." in release["body"]
        assert "Send both names from app 5.2 on." in release["body"]
        assets = gh.state.assets[release["id"]]
        assert sorted(assets) == ["SHA256SUMS", "web-2.0.0.changelog.md", "web-2.0.0.plan.json",
                                  "web-2.0.0.schema.json"]  # fmt: skip
        schema = json.loads(assets["web-2.0.0.schema.json"])
        ok = {"event": "Signed Up", "properties": {"type": "organic"}}
        assert jsonschema.Draft202012Validator(schema).is_valid(ok)
        assert len(gh.received("POST", "/repos/acme/plans/git/refs")) == 2
        tag = git(repo, "tag", "-l", "--format=%(contents)", "web/v2.0.0")
        assert tag.startswith("# web 2.0.0") and "Approved by `@gina`, `@paula`." in tag


def test_a_plan_failing_validation_is_not_released(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    push_commit(repo, "main", PLAN, BASE_PLAN + "      bad: {type: strng}\n", "broken")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        deliver(app.test_client(), "push", push_payload(gh, "broken"))
        drain(app)
        assert gh.state.releases == []
        (check,) = [r for r in gh.check_runs(gh.sha("main")) if r["name"] == "trackplan/release"]
        assert check["conclusion"] == "failure"
        assert "property-type-unknown" not in check["output"]["summary"]
        assert "`web`: 1 validation error" in check["output"]["summary"]


def test_a_release_interrupted_after_the_tag_is_finished(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        # No delivery-level retries: the next push must finish what this one left.
        app = app_for(gh, tmp_path / "data", give_up_after_seconds=0, request_backoff_seconds=0)
        client = app.test_client()
        # Tag object and ref succeed, then GitHub fails on the release itself, three times
        # (every try of the step).
        calls = {"n": 0}

        def fails() -> bool:
            calls["n"] += 1
            return calls["n"] <= 3

        _failing_releases(gh, fails, 502, "Server Error")
        deliver(client, "push", push_payload(gh, "base"), delivery="p-0")
        drain(app)
        assert gh.state.releases == []  # failed after the tag was made
        assert git(repo, "tag", "-l") == "web/v1.0.0\n"
        deliver(client, "push", push_payload(gh, "base"), delivery="p-0-again")
        drain(app)
        assert [r["tag_name"] for r in gh.state.releases] == ["web/v1.0.0"]
        assert len(gh.state.assets[gh.state.releases[0]["id"]]) == 4


def test_a_release_the_repair_cannot_complete_is_never_called_released(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data", give_up_after_seconds=0, request_backoff_seconds=0)
        client = app.test_client()
        # GitHub refuses the release itself (a 422 is no transient fault): the tag is made.
        refuse = {"on": True}
        _failing_releases(gh, lambda: refuse["on"], 422, "Validation Failed")
        deliver(client, "push", push_payload(gh, "base"), delivery="p-0")
        drain(app)
        assert git(repo, "tag", "-l") == "web/v1.0.0\n" and gh.state.releases == []
        # The same commit pushed again: the plan is released already (tagged at this
        # commit), so only the repair pass tries to complete it, and fails again.
        deliver(client, "push", push_payload(gh, "base"), delivery="p-1")
        drain(app)
        checks = [r for r in gh.check_runs(gh.sha("main")) if r["name"] == "trackplan/release"]
        assert checks and all(c["output"]["title"] != "Released" for c in checks), checks
        assert checks[-1]["conclusion"] == "failure"
        assert "`web/v1.0.0`" in checks[-1]["output"]["summary"]
        refuse["on"] = False  # GitHub accepts it: the next push completes and says so
        deliver(client, "push", push_payload(gh, "base"), delivery="p-2")
        drain(app)
        assert [r["tag_name"] for r in gh.state.releases] == ["web/v1.0.0"]
        checks = [r for r in gh.check_runs(gh.sha("main")) if r["name"] == "trackplan/release"]
        assert checks[-1]["conclusion"] == "success"
        assert checks[-1]["output"]["title"] == "Released"


def test_a_tag_on_another_branch_is_neither_released_nor_a_base(tmp_path: Path) -> None:
    """Anyone who may push can tag a pull request's unreviewed commit `web/v1.1.0`: the bot
    publishes no release for it (no GitHub release, no artifacts), and the default branch's
    next push is diffed against its own latest release, not the stray tag's plan."""
    repo = make_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        deliver(client, "push", push_payload(gh, "base"), delivery="p-0")
        drain(app)
        assert [r["tag_name"] for r in gh.state.releases] == ["web/v1.0.0"]
        stray = BASE_PLAN + "  Backdoor Added:\n    properties:\n      x: {type: string}\n"
        git(repo, "branch", "evil")
        sha = push_commit(repo, "evil", PLAN, stray, "unreviewed")
        git(repo, "tag", "-a", "-m", "not reviewed", "web/v1.1.0", sha)
        push_commit(repo, "main", "README.md", "hi\n", "docs")
        deliver(client, "push", push_payload(gh, "docs"), delivery="p-1")
        drain(app)
        processor = app.extensions["trackplan"].worker.process.__self__
        processor.reconcile_all()  # the periodic pass completes releases: not this one
        drain(app)
        assert [r["tag_name"] for r in gh.state.releases] == ["web/v1.0.0"]
        assert not [t for t in git(repo, "tag").split() if t.startswith("web/v2")]
        # main's next minor release would be that very tag: refused, saying how to go on,
        # never released over it.
        grown = BASE_PLAN + "  Cart Viewed:\n    properties:\n      y: {type: string}\n"
        tip = push_commit(repo, "main", PLAN, grown, "Add Cart Viewed")
        deliver(client, "push", push_payload(gh, "Add Cart Viewed"), delivery="p-2")
        drain(app)
        assert [r["tag_name"] for r in gh.state.releases] == ["web/v1.0.0"]
        (check,) = [r for r in gh.check_runs(tip) if r["name"] == "trackplan/release"]
        assert check["conclusion"] == "failure"
        assert "tag web/v1.1.0 exists at commit" in check["output"]["summary"]
