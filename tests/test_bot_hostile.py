"""Nothing in a pull request or a signed body keeps the bot silent or makes it answer 500."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import pytest
from flask import Response

from tests.botkit import app_for, deliver, drain, payload, plan_repo, push_commit, settle
from tests.fake_github import FakeGitHub
from tests.test_bot_approvals import make_repo

OPENED = "opened.payload.json"


def shaped(gh: FakeGitHub, **changes: Any) -> bytes:
    return json.dumps(payload("pull_request", OPENED, gh, **changes)).encode()


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("100,000-deep JSON", "not a JSON object"),
        ("action is a list", "action must be a str"),
        ("repository is a string", "repository must be a dict"),
        ("pull_request is a list", "pull_request must be a dict"),
        ("number is text", "pull_request.number must be a int"),
        ("full_name has no owner", "repository.full_name must be OWNER/NAME"),
    ],
)
def test_malformed_signed_bodies_get_400_with_the_reason(
    gh: FakeGitHub, tmp_path: Path, case: str, reason: str
) -> None:
    bodies = {
        "100,000-deep JSON": b'{"a": ' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "action is a list": shaped(gh, action=["opened"]),
        "repository is a string": shaped(gh, repository="a/b"),
        "pull_request is a list": shaped(gh, pull_request=[1]),
        "number is text": shaped(gh, pull_request={"number": "1"}),
        "full_name has no owner": shaped(gh, repository={"full_name": "plans"}),
    }
    app = app_for(gh, tmp_path / "data")
    response = deliver(app.test_client(), "pull_request", bodies[case])
    assert response.status_code == 400, response.get_json()
    assert reason in response.get_json()["error"]
    assert app.extensions["trackplan"].queue.counts() == {}


def reviewed(gh: FakeGitHub, tmp_path: Path, head: str) -> tuple[str, dict[str, Any]]:
    app = app_for(gh, tmp_path / "data")
    deliver(app.test_client(), "pull_request", payload("pull_request", OPENED, gh))
    settle(app)
    (comment,) = gh.comments(1)
    runs = {r["name"]: r for r in gh.check_runs(gh.sha(head))}
    assert set(runs) == {"trackplan/validate", "trackplan/review"}
    return comment["json"]["body"], runs


def test_hostile_plan_content_still_gets_a_comment_and_both_checks(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    hostile = (
        "plan:\n  id: web\nidentify:\n  traits:\n    age: {type: 5}\nevents:\n  Big Number:\n"
        "    properties:\n      n: {type: integer, maximum: " + "9" * 5000 + "}\n"
    )
    push_commit(repo, "rename", "plans/web/plan.yaml", hostile, "Hostile plan")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        body, runs = reviewed(gh, tmp_path, "rename")
    assert "yaml-number-too-large" in body
    validate = runs["trackplan/validate"]
    assert validate["conclusion"] == "failure"
    assert any(a["title"] == "yaml-number-too-large" and a["start_line"] == 9
               for a in validate["annotations"])  # fmt: skip


def test_owners_github_refuses_are_named_and_the_review_still_lands(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    owned = (Path(repo) / "plans/web/plan.yaml").read_text().replace(
        '"@acme/payments"', '"@acme/payments", "@stranger", "@acme/ghosts"')  # fmt: skip
    push_commit(repo, "main", "plans/web/plan.yaml", owned, "More owners")
    push_commit(repo, "rename", "plans/web/plan.yaml",
                owned.replace("  Signup:\n", "  Signed Up:\n    renamed_from: [Signup]\n"),
                "Rename")  # fmt: skip
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        gh.state.teams = {"acme/growth": ["gina"], "acme/payments": ["paula"]}
        gh.state.collaborators = {"gina", "paula"}
        body, runs = reviewed(gh, tmp_path, "rename")
        asked = gh.state.requested[1]
    assert "could not request a review from `@stranger`: GitHub answered 422" in body
    assert "team `@acme/ghosts` does not exist" in body
    assert sorted(asked["teams"]) == ["growth", "payments"]  # the others were still asked
    assert "@stranger" in runs["trackplan/review"]["output"]["summary"]
    assert runs["trackplan/review"]["conclusion"] == "failure"


def test_a_codeowners_typo_on_the_base_branch_does_not_silence_the_bot(tmp_path: Path) -> None:
    repo = make_repo(tmp_path / "repo")
    push_commit(repo, "main", ".github/CODEOWNERS", "/plans/ @acme/growht\n", "Typo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        gh.state.teams = {"acme/growth": ["gina"]}
        body, runs = reviewed(gh, tmp_path, "rename")
    assert "team `@acme/growht` does not exist" in body
    assert runs["trackplan/review"]["conclusion"] == "failure"


def test_plan_changes_past_github_s_3000_file_list_are_reviewed(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.git("checkout", "-q", "rename")
        for i in range(3100):
            path = repo / "assets" / f"{i:04}.txt"
            path.parent.mkdir(exist_ok=True)
            path.write_text(f"{i}\n")
        gh.git("add", "-A")
        gh.git("commit", "-q", "-m", "3,100 files that sort before plans/")
        gh.git("checkout", "-q", "main")
        gh.add_pull(1, head="rename")
        body, _ = reviewed(gh, tmp_path, "rename")
        assert "event 'Signup' was renamed to 'Signed Up'" in body
        assert gh.received("GET", "/repos/acme/plans/pulls/1/files") == []


def test_a_delivery_given_up_says_so_on_the_commit(
    gh: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="trackplan.bot")
    views = gh.app.view_functions
    key = next(k for k in views if k.startswith("POST") and k.endswith("/comments"))
    views[key] = lambda **_: Response('{"message": "Server Error"}', status=502)
    app = app_for(gh, tmp_path / "data", give_up_after_seconds=1.0)
    client = app.test_client()
    deliver(client, "pull_request", payload("pull_request", OPENED, gh), delivery="lost-1")
    settle(app)
    runs = {r["name"]: r for r in gh.check_runs(gh.sha("rename"))}
    # The comment never landed, but the checks did (one failed step silences nothing) ...
    assert gh.comments(1) == []
    assert {"trackplan/validate", "trackplan/review"} <= set(runs)
    # ... and giving up is visible: a failing check, /healthz and an error log line.
    bot = runs["trackplan/bot"]
    assert bot["conclusion"] == "failure" and "lost-1" in bot["output"]["summary"]
    assert client.get("/healthz").get_json()["failed"] == 1
    assert any("delivery lost-1" in r.getMessage() and "outcome=gave-up" in r.getMessage()
               and r.levelno == logging.ERROR for r in caplog.records)  # fmt: skip
    assert drain(app) == 0


def test_a_comment_carrying_the_marker_by_someone_else_is_never_edited(tmp_path: Path) -> None:
    from registry.review.comment import MARKER

    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        forged = f"{MARKER}\n## trackplan review\n\n✅ **No breaking changes** — ship it."
        human = gh.add_comment(1, forged, "mallory")
        app = app_for(gh, tmp_path / "data")
        for _ in range(2):  # the second review edits the bot's own comment again
            deliver(app.test_client(), "pull_request", payload("pull_request", OPENED, gh))
            drain(app)
        comments = gh.comments(1)
    assert len(comments) == 2
    mine = next(c for c in comments if c["id"] == human)
    assert mine["json"]["body"] == forged  # untouched
    (bot,) = [c for c in comments if c["id"] != human]
    assert bot["json"]["user"]["login"] == "trackplan[bot]"
    assert "breaking change" in bot["json"]["body"]
    assert not gh.received("PATCH", f"/repos/{gh.full_name}/issues/comments/{human}")


def test_a_delivery_over_its_time_budget_fails_and_the_next_one_runs(tmp_path: Path) -> None:
    """Whatever makes one delivery's work endless, it stops at its next step once over
    TRACKPLAN_MAX_DELIVERY_SECONDS, fails for good with the reason, and the worker goes on."""
    from bot.queue.base import Delivery
    from bot.queue.sqlite import SqliteQueue
    from bot.queue.worker import Worker, raise_if_cancelled

    queue = SqliteQueue(tmp_path / "q.sqlite3", lease_seconds=30, settle_seconds=0)
    queue.put("stuck", "pull_request", "acme/a#1", True, b"{}")
    queue.put("next", "pull_request", "acme/b#1", True, b"{}")
    done: list[str] = []
    failures: list[tuple[str, str]] = []

    def process(delivery: Delivery) -> str:
        while delivery.id == "stuck":  # endless work, checking in between steps
            raise_if_cancelled()
        done.append(delivery.id)
        return "reviewed"

    worker = Worker(queue, process, give_up=lambda d, why: failures.append((d.id, why)),
                    max_seconds=0.5)  # fmt: skip
    assert worker.run_once() and worker.run_once()
    assert done == ["next"]
    assert failures and failures[0][0] == "stuck"
    assert "TRACKPLAN_MAX_DELIVERY_SECONDS" in failures[0][1]
    assert queue.counts().get("failed") == 1 and queue.counts().get("done") == 1


def test_a_registry_larger_than_a_review_may_read_gets_a_verdict(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    push_commit(repo, "rename", "plans/shop/events/huge.yaml",
                "# " + "x" * (3 << 20) + "\n", "A 3 MiB file")  # fmt: skip
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data", max_registry_bytes=2 << 20)
        deliver(app.test_client(), "pull_request", payload("pull_request", OPENED, gh))
        drain(app)
        (comment,) = gh.comments(1)
        runs = {r["name"]: r for r in gh.check_runs(gh.sha("rename"))}
        blobs = gh.received("GET", f"/repos/{gh.full_name}/git/blobs")
        tarballs = gh.received("GET", f"/repos/{gh.full_name}/tarball")
    assert "over the 2 MiB one review may read" in comment["json"]["body"]
    assert runs["trackplan/review"]["conclusion"] == "failure"
    assert not blobs and not tarballs  # nothing of it was fetched


def test_a_review_past_its_budget_stops_in_the_middle_and_says_so(tmp_path: Path) -> None:
    """The domain checks in between its steps: a review over TRACKPLAN_MAX_DELIVERY_SECONDS
    stops while loading the plans, writes nothing more, and the commit says why."""
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data", max_delivery_seconds=1e-9)
        deliver(app.test_client(), "pull_request", payload("pull_request", OPENED, gh))
        drain(app)
        comments = gh.comments(1)
        runs = gh.check_runs(gh.sha("rename"))
        counts = app.extensions["trackplan"].queue.counts()
    assert comments == []  # stopped before the comment
    (bot,) = [r for r in runs if r["name"] not in ("trackplan/validate", "trackplan/review")]
    assert bot["conclusion"] == "failure"
    assert "TRACKPLAN_MAX_DELIVERY_SECONDS" in bot["output"]["summary"].replace("\\", "")
    assert counts.get("failed") == 1
