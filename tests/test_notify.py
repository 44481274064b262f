"""Notifications through the bot's queue to a local HTTP receiver: shape, signature, retry
after a 500, nothing sent twice on redelivery, never in the way of a review or a release."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.botkit import app_for, deliver, payload, plan_repo, push_commit
from tests.fake_github import FakeGitHub
from tests.test_bot_release import push_payload
from tests.test_snapshot import git

SECRET = "s3cret"
NOTIFY = """
notify:
  - kind: slack
    url_env: TRACKPLAN_NOTIFY_ACME_TEST_SLACK_URL
    on: [release]
  - kind: webhook
    url_env: TRACKPLAN_NOTIFY_ACME_TEST_HOOK_URL
    secret_env: TRACKPLAN_NOTIFY_ACME_TEST_HOOK_SECRET
"""


class Receiver:
    """Records every POST; answers the statuses queued in `fail` first, then 200."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail: list[int] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status = owner.fail.pop(0) if owner.fail else 200
                owner.received.append({"path": self.path, "headers": dict(self.headers),
                                       "body": body, "status": status})  # fmt: skip
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def ok(self, path: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["path"] == path and r["status"] == 200]


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    found = Receiver()
    monkeypatch.setenv("TRACKPLAN_NOTIFY_ACME_TEST_SLACK_URL", f"{found.url}/slack")
    monkeypatch.setenv("TRACKPLAN_NOTIFY_ACME_TEST_HOOK_URL", f"{found.url}/hook")
    monkeypatch.setenv("TRACKPLAN_NOTIFY_ACME_TEST_HOOK_SECRET", SECRET)
    yield found
    found.server.shutdown()


def _repo(tmp_path: Path) -> Path:
    repo = plan_repo(tmp_path / "repo")
    settings = (repo / "trackplan.yaml").read_text() + NOTIFY
    push_commit(repo, "main", "trackplan.yaml", settings, "notify")
    return repo


def _run_all(app: Any, timeout: float = 30.0) -> None:
    """Work off the queue, waiting out retry backoff, until nothing is left to do."""
    import time

    worker = app.extensions["trackplan"].worker
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not worker.run_once():
            health = app.extensions["trackplan"].queue.health()
            if health.backlog == 0:
                return
            time.sleep(0.05)


def test_releases_are_announced_signed_retried_and_never_twice(
    receiver: Receiver, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        receiver.fail = [500]  # the first notice fails: it is retried, the release is not
        deliver(client, "push", push_payload(gh, "notify"), delivery="push-1")
        _run_all(app)
        assert sorted(r["tag_name"] for r in gh.state.releases) == ["segment/v1.0.0",
                                                                    "shop/v1.0.0"]  # fmt: skip
        slack = receiver.ok("/slack")
        hook = receiver.ok("/hook")
        assert len(slack) == 2 and len(hook) == 2
        assert receiver.received[0]["status"] == 500  # and then it was sent again
        texts = sorted(json.loads(r["body"])["text"] for r in slack)
        assert texts[0].startswith("trackplan: segment 1.0.0 was released in acme/plans")
        for request in hook:
            expected = hmac.new(SECRET.encode(), request["body"], hashlib.sha256).hexdigest()
            assert request["headers"]["X-Trackplan-Signature-256"] == f"sha256={expected}"
            assert request["headers"]["X-Trackplan-Event"] == "release"
        data = sorted((json.loads(r["body"]) for r in hook), key=lambda d: d["plan"])
        assert data[1] == {"event": "release", "repository": "acme/plans", "plan": "shop",
                           "version": "1.0.0", "breaking": [],
                           "url": data[1]["url"]}  # fmt: skip
        assert data[1]["url"].endswith("/releases/tag/shop/v1.0.0")
        # GitHub redelivers the push, and sends it again: nothing is announced twice.
        deliver(client, "push", push_payload(gh, "notify"), delivery="push-1")
        deliver(client, "push", push_payload(gh, "notify"), delivery="push-2")
        _run_all(app)
        assert len(receiver.ok("/slack")) == 2 and len(receiver.ok("/hook")) == 2


def test_a_breaking_pull_request_is_announced_once_with_its_owners(
    receiver: Receiver, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data")
        client = app.test_client()
        opened = payload("pull_request", "opened.payload.json", gh)
        deliver(client, "pull_request", opened)
        deliver(client, "pull_request", opened)  # sent again with a new delivery id
        deliver(client, "pull_request", payload("pull_request", "synchronize.payload.json", gh))
        _run_all(app)
        assert receiver.ok("/slack") == []  # this receiver wants releases only
        (hook,) = receiver.ok("/hook")
        notice = json.loads(hook["body"])
        assert notice["event"] == "breaking-pull-request" and notice["number"] == 1
        assert "event 'Signup' was renamed to 'Signed Up'" in notice["breaking"]
        assert "@acme/growth" in notice["owners"]
        assert notice["consumers"] == []  # the plans name none
        assert len(gh.comments(1)) == 1  # the review itself as ever


def test_a_breaking_pull_request_is_routed_to_the_consumers_it_breaks(
    receiver: Receiver, tmp_path: Path
) -> None:
    repo = _repo(tmp_path)
    plan = (repo / "plans/segment/plan.yaml").read_text()
    git(repo, "checkout", "-q", "rename")
    head_plan = (repo / "plans/segment/plan.yaml").read_text()
    git(repo, "checkout", "-q", "main")
    readers = ("  consumers:\n    - {name: Activation dashboard, kind: dashboard, owner: "
               "'@acme/growth-analytics'}\n")  # fmt: skip
    assert "\n  id: segment\n" in plan
    push_commit(repo, "rename", "plans/segment/plan.yaml",
                head_plan.replace("\n  id: segment\n", "\n  id: segment\n" + readers, 1),
                "Name the plan's readers")  # fmt: skip
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data")
        deliver(app.test_client(), "pull_request", payload("pull_request", "opened.payload.json",
                                                           gh))  # fmt: skip
        _run_all(app)
        (hook,) = receiver.ok("/hook")
        notice = json.loads(hook["body"])
        assert notice["consumers"] == ["Activation dashboard (@acme/growth-analytics)"]
        # Under all-owners (the default) the dashboard's owner must approve as well.
        body = gh.comments(1)[0]["json"]["body"]
        assert ("| `@acme/growth-analytics` | consumers of plan 'segment' — every owner "
                "(breaking) |") in body  # fmt: skip


def test_a_receiver_that_refuses_never_blocks_the_review(
    receiver: Receiver, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    receiver.fail = [404] * 5  # refused for good: dropped after one try, not retried
    repo = _repo(tmp_path)
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data")
        deliver(app.test_client(), "pull_request",
                payload("pull_request", "opened.payload.json", gh))  # fmt: skip
        _run_all(app)
        assert [r["status"] for r in receiver.received] == [404]
        runs = {r["name"]: r["conclusion"] for r in gh.check_runs(gh.sha("rename"))}
        assert runs["trackplan/review"] == "failure" and "trackplan/bot" not in runs
        assert len(gh.comments(1)) == 1
    # Without its signing secret a webhook gets nothing: no unsigned notice goes out.
    monkeypatch.delenv("TRACKPLAN_NOTIFY_ACME_TEST_HOOK_SECRET")
    receiver.received.clear()
    repo = _repo(tmp_path / "again")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        app = app_for(gh, tmp_path / "data-again")
        deliver(app.test_client(), "pull_request",
                payload("pull_request", "opened.payload.json", gh))  # fmt: skip
        _run_all(app)
        assert receiver.received == [] and len(gh.comments(1)) == 1


def test_unsigned_webhooks_and_plain_http_elsewhere_are_refused() -> None:
    from bot.handlers.notify import NotifyRefused, send
    from registry.load.settings import Receiver
    from registry.review.notices import release_notice

    notice = release_notice("acme/plans", "web", "1.0.0", "https://x/releases", [])
    url, plain, bad = "TRACKPLAN_NOTIFY_URL", "TRACKPLAN_NOTIFY_PLAIN", "TRACKPLAN_NOTIFY_BAD"
    env = {url: "https://hooks.example.com/x", plain: "http://hooks.example.com/x"}
    with pytest.raises(NotifyRefused, match="a webhook needs secret_env"):
        send(Receiver("webhook", url), notice, "d", env)
    with pytest.raises(NotifyRefused, match="is not set to an https URL"):
        send(Receiver("slack", plain), notice, "d", env)
    with pytest.raises(NotifyRefused, match="does not hold a valid URL") as refused:
        send(Receiver("slack", bad), notice, "d", {bad: "https://h/SECRET TOKEN\n"})
    assert "SECRET" not in str(refused.value)  # the URL is a secret: never repeated


def test_a_registry_cannot_name_the_bots_own_secrets(run_cli: Any, tmp_path: Path) -> None:
    from bot.handlers.notify import NotifyRefused, send
    from registry.load.settings import Receiver
    from registry.review.notices import release_notice
    from tests.conftest import write_files

    notice = release_notice("acme/plans", "web", "1.0.0", "https://x/releases", [])
    env = {"TRACKPLAN_WEBHOOK_SECRET": "s3cret", "TRACKPLAN_NOTIFY_URL": "https://h.example/x"}
    for receiver in (Receiver("webhook", "TRACKPLAN_NOTIFY_URL", "TRACKPLAN_WEBHOOK_SECRET"),
                     Receiver("slack", "TRACKPLAN_GITHUB_PRIVATE_KEY")):  # fmt: skip
        with pytest.raises(NotifyRefused, match="is not a TRACKPLAN_NOTIFY_\\* variable"):
            send(receiver, notice, "d", env)
    settings = (
        "notify:\n  - kind: webhook\n    url_env: TRACKPLAN_NOTIFY_URL\n"
        "    secret_env: TRACKPLAN_WEBHOOK_SECRET\n"
    )
    repo = write_files(
        tmp_path / "r", {"trackplan.yaml": settings, "plans/web/plan.yaml": "plan: {id: web}\n"}
    )
    result = run_cli("validate", "--repo", str(repo))
    assert result.code == 1 and "trackplan.yaml:4:" in result.out


@pytest.mark.parametrize("seed", [1, 2])
def test_releases_under_failing_github_calls_are_announced_once_each(
    receiver: Receiver, tmp_path: Path, seed: int
) -> None:
    """30 % of GitHub calls fail, half of them after the write was applied (a 502 from a
    proxy): the release is finished over retries, and announced once, when it is complete."""
    from tests.fake_github import Faults

    repo = _repo(tmp_path)
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data")
        gh.inject(Faults(fail_before=0.15, fail_after=0.15, seed=seed))
        deliver(app.test_client(), "push", push_payload(gh, "notify"), delivery="push-1")
        _run_all(app, timeout=60)
        gh.inject(None)
        assert sorted(r["tag_name"] for r in gh.state.releases) == ["segment/v1.0.0",
                                                                    "shop/v1.0.0"]  # fmt: skip
        assert all(len(gh.state.assets[r["id"]]) == 4 for r in gh.state.releases)
        announced = sorted(json.loads(r["body"])["plan"] for r in receiver.ok("/hook"))
        assert announced == ["segment", "shop"]


def test_on_a_bot_serving_many_owners_each_names_only_its_own_variables() -> None:
    from bot.handlers.notify import NotifyRefused, notify_scope, send
    from registry.load.settings import Receiver
    from registry.review.notices import release_notice

    assert notify_scope("acme/plans") == "TRACKPLAN_NOTIFY_ACME_"
    assert notify_scope("big-co/plans") == "TRACKPLAN_NOTIFY_BIG_CO_"
    notice = release_notice("acme/plans", "web", "1.0.0", "https://x/releases", [])
    env = {"TRACKPLAN_NOTIFY_OTHER_URL": "https://other.example/x",
           "TRACKPLAN_NOTIFY_OTHER_SECRET": "theirs"}  # fmt: skip
    for receiver in (Receiver("slack", "TRACKPLAN_NOTIFY_OTHER_URL"),
                     Receiver("webhook", "TRACKPLAN_NOTIFY_ACME_URL",
                              "TRACKPLAN_NOTIFY_OTHER_SECRET")):  # fmt: skip
        with pytest.raises(NotifyRefused, match="is not a TRACKPLAN_NOTIFY_ACME_\\* variable"):
            send(receiver, notice, "d", env, notify_scope("acme/plans"))
