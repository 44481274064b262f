"""Webhook intake and the delivery queue, over HTTP: signatures, replays, bursts, failures."""

from __future__ import annotations

import io
import json
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from flask import Flask, jsonify
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.test import EnvironBuilder

from bot.config import Config, ConfigError
from bot.web import webhook
from bot.web.app import create_app
from bot.web.signature import sign
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


def test_every_answer_is_the_json_flask_would_write(gh: FakeGitHub, tmp_path: Path) -> None:
    """POST /webhook is answered in front of Flask's dispatch (bot/web/webhook.py): each
    answer is the status line and the bytes Flask's jsonify gave, and the other methods on
    /webhook are still Flask's."""
    app = app_for(gh, tmp_path / "data", max_body_bytes=65536)
    client = app.test_client()
    review = payload("pull_request_review", "submitted.payload.json", gh)
    answers = [
        (deliver(client, "pull_request", b"{}", secret="forged"), 401,
         {"error": "invalid signature"}),
        (client.post("/webhook", data=b"{}", headers={"X-Hub-Signature-256": sign(SECRET, b"{}")}),
         400, {"error": "missing X-GitHub-Event or X-GitHub-Delivery header"}),
        (deliver(client, "push", b"[1]"), 400, {"error": "the body is not a JSON object"}),
        (deliver(client, "ping", {"zen": "Keep it logically awesome."}), 200,
         {"pong": True, "zen": "Keep it logically awesome."}),
        (deliver(client, "push", {"ref": 7}), 400,
         {"error": "malformed push payload: repository must be a dict (it is missing)"}),
        (deliver(client, "issue_comment", {}), 202, {"ignored": "issue_comment is not handled"}),
        (deliver(client, "pull_request_review", review, delivery="d-1"), 202,
         {"queued": True, "duplicate": False}),
        (deliver(client, "pull_request_review", review, delivery="d-1"), 202,
         {"queued": False, "duplicate": True}),
        (deliver(client, "push", b" " * 65537), 413, None),
    ]  # fmt: skip
    with app.app_context():
        for response, status, fields in answers:
            assert response.status_code == status, (status, response.get_data())
            assert response.status == f"{status} {HTTP_STATUS_CODES[status].upper()}"
            assert response.mimetype == "application/json"
            if fields is not None:
                assert response.get_data() == jsonify(**fields).get_data()
    assert json.loads(answers[-1][0].get_data())["error"].startswith("The data value")
    assert client.get("/webhook").status_code == 405
    assert client.get("/webhook").get_json()["error"].startswith("The method is not allowed")
    assert "POST" in client.options("/webhook").headers["Allow"]


def _wsgi_post(app: Flask, body: bytes, **environ: Any) -> tuple[str, bytes]:
    """POST /webhook to the app as a WSGI server would: the status line and the body."""
    built = EnvironBuilder(path="/webhook", method="POST", data=body, headers={
        "X-GitHub-Event": "issue_comment", "X-GitHub-Delivery": "w-1",
        "X-Hub-Signature-256": sign(SECRET, body)}).get_environ()  # fmt: skip
    built.update(environ)
    started: list[str] = []
    answer = b"".join(app(built, lambda status, headers, *_: started.append(status)))
    return started[0], answer


def test_bodies_up_to_the_limit_are_read_whole_and_a_short_one_is_refused(
    gh: FakeGitHub, tmp_path: Path
) -> None:
    app = app_for(gh, tmp_path / "data", max_body_bytes=16384)
    exact = b'{"pad": "' + b"a" * (16384 - 11) + b'"}'
    assert len(exact) == 16384
    assert _wsgi_post(app, exact)[0] == "202 ACCEPTED"
    # Chunked: no Content-Length, the server marks the end of the body.
    chunked = {"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True,
               "wsgi.input": io.BytesIO(exact)}  # fmt: skip
    assert _wsgi_post(app, exact, **chunked)[0] == "202 ACCEPTED"
    over = exact[:-2] + b'a"}'
    over_chunked = {**chunked, "wsgi.input": io.BytesIO(over)}
    assert _wsgi_post(app, over, **over_chunked)[0] == "413 REQUEST ENTITY TOO LARGE"
    # A client that stops before its Content-Length: refused, and nothing is read past it.
    small = b'{"action": "created"}'
    status, answer = _wsgi_post(app, small, CONTENT_LENGTH=str(len(small) + 10))
    assert status == "400 BAD REQUEST" and b"error" in answer
    stream = io.BytesIO(exact + b"next request")
    assert _wsgi_post(app, exact, **{"wsgi.input": stream})[0] == "202 ACCEPTED"
    assert stream.read() == b"next request"
    assert app.extensions["trackplan"].queue.counts() == {}


def test_a_fault_in_the_webhook_gets_a_500_and_a_logged_traceback(
    gh: FakeGitHub, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:  # fmt: skip
    client = app_for(gh, tmp_path / "data").test_client()

    def broken(*args: Any) -> Any:  # stands for a bug in the intake
        raise RuntimeError("a bug")

    monkeypatch.setattr(webhook, "classify_body", broken)
    with caplog.at_level(logging.ERROR, logger="trackplan"):
        answer = deliver(client, "push", payload("push", "payload.json", gh))
    assert answer.status_code == 500 and "internal error" in answer.get_json()["error"]
    # As Flask logged a fault in a view: its app's logger, the traceback with it.
    logged = [r for r in caplog.records if r.getMessage() == "Exception on /webhook [POST]"]
    assert [r.name for r in logged] == ["trackplan"] and "RuntimeError: a bug" in caplog.text


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
