"""The bot's whole lifecycle while GitHub fails: every delivery's work done, exactly once."""

from __future__ import annotations

import hashlib
import shutil
from collections import Counter
from pathlib import Path

import pytest

from tests.botkit import EXAMPLES, app_for, deliver, payload, plan_repo, push_commit, settle
from tests.fake_github import FakeGitHub, Faults
from tests.test_bot_release import push_payload
from tests.test_snapshot import git

# 30 % of calls fail: a third before GitHub applies them, a third after, a third are
# secondary rate limits; some of the rest are slow.
THIRTY_PERCENT = {"fail_before": 0.1, "fail_after": 0.1, "rate_limit": 0.1, "slow": 0.05,
                  "delay": 0.05}  # fmt: skip
THIRD_PLAN = (
    "plan:\n  id: web\nevents:\n  Page Viewed:\n    properties:\n      path: {type: string}\n"
)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_pull_request_is_reviewed_once_while_30_percent_of_calls_fail(
    tmp_path: Path, seed: int
) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data")
        gh.inject(Faults(seed=seed, **THIRTY_PERCENT))
        client = app.test_client()
        deliver(client, "pull_request", payload("pull_request", "opened.payload.json", gh))
        settle(app)
        deliver(client, "pull_request", payload("pull_request", "synchronize.payload.json", gh))
        settle(app)
        faults = gh.faults
        gh.inject(None)

        assert faults is not None and sum(faults.injected.values()) >= 5, faults.injected
        (comment,) = gh.comments(1)  # never a second comment, whatever was lost
        assert "event 'Signup' was renamed to 'Signed Up'" in comment["json"]["body"]
        runs = gh.check_runs(gh.sha("rename"))
        assert Counter(r["name"] for r in runs) == {"trackplan/validate": 1, "trackplan/review": 1}
        by_name = {r["name"]: r for r in runs}
        assert by_name["trackplan/validate"]["conclusion"] == "success"
        assert by_name["trackplan/review"]["conclusion"] == "failure"  # no notes, no approvals
        assert app.extensions["trackplan"].queue.health().failed == 0


def three_plan_repo(root: Path) -> Path:
    shutil.copytree(EXAMPLES / "acme", root)
    (root / "plans/web").mkdir()
    (root / "plans/web/plan.yaml").write_text(THIRD_PLAN)
    git(root, "init", "-q", "-b", "main")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "Three plans")
    return root


def assert_releases_complete(gh: FakeGitHub, tags: list[str]) -> None:
    assert sorted(r["tag_name"] for r in gh.state.releases) == sorted(tags)  # no duplicates
    assert sorted(git(gh.repo, "tag", "-l").split()) == sorted(tags)
    for release in gh.state.releases:
        assets = gh.state.assets[release["id"]]
        assert len(release["assets"]) == len(assets) == 4, release["tag_name"]
        sums = dict(
            reversed(line.split("  ")) for line in assets["SHA256SUMS"].decode().splitlines()
        )
        for name, data in assets.items():
            if name != "SHA256SUMS":
                assert hashlib.sha256(data).hexdigest() == sums[name], (release["tag_name"], name)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_a_three_plan_release_completes_once_while_30_percent_of_calls_fail(
    tmp_path: Path, seed: int
) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        gh.inject(Faults(seed=seed, **THIRTY_PERCENT))
        client = app.test_client()
        body = push_payload(gh, "Three plans")
        deliver(client, "push", body, delivery="push-1")
        deliver(client, "push", body, delivery="push-1-again")  # sent twice
        settle(app)
        gh.inject(None)
        assert_releases_complete(gh, ["segment/v1.0.0", "shop/v1.0.0", "web/v1.0.0"])
        (check,) = [r for r in gh.check_runs(gh.sha("main")) if r["name"] == "trackplan/release"]
        assert check["conclusion"] == "success"


def test_an_incomplete_release_is_completed_by_the_reconcile_pass(tmp_path: Path) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        deliver(client, "push", push_payload(gh, "Three plans"), delivery="push-1")
        settle(app)
        # Damage what GitHub holds: one release gone (tag kept), one asset gone, one asset
        # replaced by other bytes of the same size.
        shop = next(r for r in gh.state.releases if r["tag_name"] == "shop/v1.0.0")
        gh.state.releases.remove(shop)
        web = next(r for r in gh.state.releases if r["tag_name"] == "web/v1.0.0")
        dropped = web["assets"].pop(0)
        del gh.state.assets[web["id"]][dropped["name"]]
        segment = next(r for r in gh.state.releases if r["tag_name"] == "segment/v1.0.0")
        plan_asset = next(a for a in segment["assets"] if a["name"].endswith(".plan.json"))
        plan_asset["digest"] = "sha256:" + "0" * 64
        before = len(gh.requests)

        processor = app.extensions["trackplan"].worker.process.__self__
        processor.reconcile_all()  # what the worker runs every TRACKPLAN_RECONCILE_MINUTES
        processor.reconcile_all()  # twice in one period: queued once
        assert app.extensions["trackplan"].queue.counts().get("queued") == 1
        settle(app)
        assert len(gh.requests) > before
        assert_releases_complete(gh, ["segment/v1.0.0", "shop/v1.0.0", "web/v1.0.0"])
        fixed = next(r for r in gh.state.releases if r["tag_name"] == "segment/v1.0.0")
        digest = next(a for a in fixed["assets"] if a["name"].endswith(".plan.json"))["digest"]
        assert digest != "sha256:" + "0" * 64


def test_a_delayed_push_never_releases_an_older_commit_over_a_newer_one(tmp_path: Path) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        older = push_payload(gh, "Three plans")
        push_commit(repo, "main", "plans/web/events/more.yaml",
                    "events:\n  Page Left: {}\n", "Add Page Left")  # fmt: skip
        newer = push_payload(gh, "Add Page Left")
        deliver(client, "push", older, delivery="older")  # worked off first, late
        deliver(client, "push", newer, delivery="newer")
        settle(app)
        tip = gh.sha("main")
        web = git(repo, "rev-list", "-n", "1", "web/v1.0.0").strip()
        assert web == tip  # released as main is now, not as the older push saw it
        assert sorted(r["tag_name"] for r in gh.state.releases) == [
            "segment/v1.0.0", "shop/v1.0.0", "web/v1.0.0"]  # fmt: skip
