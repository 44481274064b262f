"""Webhook intake and the delivery queue, over HTTP: signatures, replays, bursts, failures."""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest

from bot.config import Config, ConfigError
from bot.web.app import create_app
from tests.botkit import (
    PAYLOADS,
    SECRET,
    app_for,
    config,
    deliver,
    drain,
    payload,
    private_key,
)
from tests.fake_github import FakeGitHub

OPENED = "opened.payload.json"


def test_forged_and_missing_signatures_are_refused_before_parsing(
    gh: FakeGitHub, tmp_path: Path
) -> None:
    client = app_for(gh, tmp_path / "data").test_client()
    body = json.dumps(payload("pull_request", OPENED, gh)).encode()
    forged = deliver(client, "pull_request", body, secret="not-the-secret")
    assert forged.status_code == 401
    missing = client.post("/webhook", data=b"{not json", headers={"X-GitHub-Event": "push"})
    assert missing.status_code == 401
    assert gh.requests == []


def test_bad_json_ping_unhandled_and_too_large(gh: FakeGitHub, tmp_path: Path) -> None:
    app = app_for(gh, tmp_path / "data", max_body_bytes=16384)
    client = app.test_client()
    assert deliver(client, "push", b"{not json").status_code == 400
    ping = deliver(client, "ping", json.loads((PAYLOADS / "ping" / "payload.json").read_text()))
    assert ping.status_code == 200 and ping.get_json()["pong"] is True
    closed = deliver(client, "issue_comment", {"action": "created"})
    assert closed.status_code == 202 and "ignored" in closed.get_json()
    huge = deliver(client, "push", b'{"x": "' + b"a" * 20000 + b'"}')
    assert huge.status_code == 413
    assert app.extensions["trackplan"].queue.counts() == {}


def test_every_example_payload_gets_a_2xx(gh: FakeGitHub, tmp_path: Path) -> None:
    client = app_for(gh, tmp_path / "data").test_client()
    files = sorted(p for p in PAYLOADS.rglob("*.json"))
    assert len(files) > 50
    for path in files:
        event = path.parent.name
        response = deliver(client, event, path.read_bytes())
        assert 200 <= response.status_code < 300, (path, response.status_code)


def test_json_only_the_standard_library_reads_is_still_accepted(
    gh: FakeGitHub, tmp_path: Path
) -> None:
    """The fast JSON parser refuses a BOM, NaN and lone surrogate escapes, and reads integers
    past 64 bits as floats; such signed bodies were accepted before it and still are, stored
    as before."""
    app = app_for(gh, tmp_path / "data")
    client = app.test_client()
    plain = json.dumps(payload("pull_request", OPENED, gh)).encode()
    odd = {
        "bom": b"\xef\xbb\xbf" + plain,
        "nan": plain[:-1] + b', "score": NaN}',
        "surrogate": plain[:-1] + b', "title_x": "\\ud800"}',
        # orjson reads integers past 64 bits as floats; json keeps them exact.
        "big id": json.dumps({**json.loads(plain), "installation": {"id": 2**64}}).encode(),
    }
    for name, body in odd.items():
        answer = deliver(client, "pull_request", body, delivery=f"odd-{name}")
        assert (answer.status_code, answer.get_json()) == (
            202,
            {"queued": True, "duplicate": False},
        ), name
    stored = app.extensions["trackplan"].queue.latest_payloads("pull_request")
    assert [json.loads(p)["pull_request"] for p in stored] == [{"number": 1}]
    assert json.loads(stored[0])["installation"] == {"id": 2**64}  # the last one, exact
    assert deliver(client, "pull_request", b'{"a": "\xff"}').status_code == 400  # not UTF-8


def test_a_replayed_delivery_is_processed_once(gh: FakeGitHub, tmp_path: Path) -> None:
    app = app_for(gh, tmp_path / "data")
    client = app.test_client()
    body = payload("pull_request", OPENED, gh)
    first = deliver(client, "pull_request", body, delivery="d-1")
    again = deliver(client, "pull_request", body, delivery="d-1")
    assert first.get_json() == {"queued": True, "duplicate": False}
    assert again.get_json() == {"queued": False, "duplicate": True}
    assert drain(app) == 1
    assert len(gh.comments(1)) == 1


def test_a_burst_of_synchronize_deliveries_is_coalesced(gh: FakeGitHub, tmp_path: Path) -> None:
    app = app_for(gh, tmp_path / "data")
    client = app.test_client()
    sync = payload("pull_request", "synchronize.payload.json", gh)
    for i in range(20):
        assert deliver(client, "pull_request", sync, delivery=f"sync-{i}").status_code == 202
    assert drain(app) == 1  # only the latest head matters
    assert len(gh.comments(1)) == 1
    assert len(gh.received("POST", "/repos/acme/plans/check-runs")) == 2
    assert app.extensions["trackplan"].queue.counts() == {"done": 1, "superseded": 19}


@pytest.mark.parametrize("failure", ["502", "secondary-rate-limit"])
def test_github_failures_are_retried_with_backoff(
    failure: str, gh: FakeGitHub, tmp_path: Path
) -> None:
    app = app_for(gh, tmp_path / "data", retry_base_seconds=0.05)
    deliver(app.test_client(), "pull_request", payload("pull_request", OPENED, gh))
    if failure == "502":
        gh.fail_next(3, status=502)
    else:
        gh.rate_limit_next(2)  # 403 with Retry-After, as GitHub answers
    deadline = time.monotonic() + 20
    while not gh.comments(1) and time.monotonic() < deadline:
        drain(app)
        time.sleep(0.05)
    assert len(gh.comments(1)) == 1
    assert app.extensions["trackplan"].queue.counts() == {"done": 1}


@pytest.mark.parametrize("primary", [False, True], ids=["Retry-After", "x-ratelimit-reset"])
def test_a_long_rate_limit_wait_goes_back_to_the_queue(
    primary: bool, gh: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="trackplan.bot")
    app = app_for(gh, tmp_path / "data", max_wait_seconds=5)
    deliver(app.test_client(), "pull_request", payload("pull_request", OPENED, gh), "d-rl")
    gh.rate_limit_next(1, wait=600, primary=primary)
    started = time.monotonic()
    assert drain(app) == 1
    assert time.monotonic() - started < 5  # no thread sleeps through GitHub's wait
    assert gh.comments(1) == []
    (line,) = [r.getMessage() for r in caplog.records if "outcome=retry-in-" in r.getMessage()]
    waited = float(line.split("outcome=retry-in-")[1].split("s ")[0])
    assert 590 <= waited <= 602, line  # the delivery waits as long as GitHub asked
    assert app.extensions["trackplan"].queue.health().backlog == 1


def test_work_queued_before_a_restart_is_done_after_it(gh: FakeGitHub, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = app_for(gh, data)
    deliver(first.test_client(), "pull_request", payload("pull_request", OPENED, gh))
    del first  # the process stops before its worker ran
    second = create_app(config(gh, data, start_worker=True))
    deadline = time.monotonic() + 20
    while not gh.comments(1) and time.monotonic() < deadline:
        time.sleep(0.05)
    second.extensions["trackplan"].worker.stop()
    assert len(gh.comments(1)) == 1


def test_logs_one_line_per_outcome_and_no_secrets(
    gh: FakeGitHub, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="trackplan.bot")
    app = app_for(gh, tmp_path / "data")
    deliver(app.test_client(), "pull_request", payload("pull_request", OPENED, gh), "d-9")
    drain(app)
    lines = [r.getMessage() for r in caplog.records]
    assert any(line.startswith("delivery d-9 event=pull_request") and "outcome=reviewed" in line
               for line in lines)  # fmt: skip
    text = "\n".join(lines)
    assert SECRET not in text and "PRIVATE KEY" not in text and "ghs_" not in text


def test_startup_errors_name_every_bad_setting(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as missing:
        Config.from_env({})
    message = str(missing.value)
    for name in ("TRACKPLAN_GITHUB_APP_ID", "TRACKPLAN_GITHUB_PRIVATE_KEY",
                 "TRACKPLAN_WEBHOOK_SECRET"):  # fmt: skip
        assert name in message
    with pytest.raises(ConfigError, match="is not a PEM private key"):
        Config.from_env({"TRACKPLAN_GITHUB_APP_ID": "12", "TRACKPLAN_WEBHOOK_SECRET": "x",
                         "TRACKPLAN_GITHUB_PRIVATE_KEY": "hello"})  # fmt: skip
    key_file = tmp_path / "key.pem"
    key_file.write_text(private_key())
    config_ok = Config.from_env({
        "TRACKPLAN_GITHUB_APP_ID": "12", "TRACKPLAN_WEBHOOK_SECRET": "x",
        "TRACKPLAN_GITHUB_PRIVATE_KEY_PATH": str(key_file),
        "TRACKPLAN_GITHUB_API_URL": "http://127.0.0.1:9/api/v3/",
        "TRACKPLAN_DATA_DIR": str(tmp_path / "d"),
    })  # fmt: skip
    assert config_ok.api_url == "http://127.0.0.1:9/api/v3" and config_ok.app_id == 12
    assert "x" not in repr(config_ok).split("webhook_secret")[0][-3:]
    assert "PRIVATE" not in repr(config_ok)


def test_healthz(gh: FakeGitHub, tmp_path: Path) -> None:
    response = app_for(gh, tmp_path / "data").test_client().get("/healthz")
    assert response.status_code == 200 and response.get_json()["status"] == "ok"


def test_the_app_manifest_asks_for_what_the_bot_handles(run_cli: Any, tmp_path: Path) -> None:
    from bot.web.intake import PayloadError, classify

    result = run_cli("app-manifest", "--webhook-url", "https://bot.example.com/webhook")
    assert result.code == 0
    manifest = result.json()
    assert manifest["hook_attributes"] == {"url": "https://bot.example.com/webhook",
                                           "active": True}  # fmt: skip
    assert manifest["default_permissions"] == {"contents": "write", "pull_requests": "write",
                                               "checks": "write", "metadata": "read",
                                               "members": "read"}  # fmt: skip
    # Every event it subscribes to is one the intake works on, and no other is.
    for event in manifest["default_events"]:
        with pytest.raises(PayloadError):  # read as work: its fields are checked
            classify(event, {})
    assert classify("issues", {}).reason == "issues is not handled"
    assert set(manifest["default_events"]) == {"pull_request", "pull_request_review", "push"}
    page = tmp_path / "create-app.html"
    made = run_cli("app-manifest", "--webhook-url", "https://bot.example.com/webhook",
                   "--org", "acme", "--html", str(page))  # fmt: skip
    assert made.code == 0
    html = page.read_text()
    assert 'action="https://github.com/organizations/acme/settings/apps/new"' in html
    assert "&#34;default_events&#34;" in html  # the JSON, escaped into the form
    bad = run_cli("app-manifest", "--webhook-url", "bot.example.com")
    assert bad.code == 2 and "the URL GitHub posts events to" in bad.err
