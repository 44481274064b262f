"""The bot's doors: bodies checked as they are read, no static folder, timeouts (issue 22)."""

from __future__ import annotations

import socket
import tracemalloc
from pathlib import Path

from tests.botkit import SECRET, app_for, deliver
from tests.fake_github import FakeGitHub

FORGED = "sha256=" + "0" * 64


def test_a_forged_25_mb_body_is_refused_without_being_held_whole(
    gh: FakeGitHub, tmp_path: Path
) -> None:
    app = app_for(gh, tmp_path / "data")
    client = app.test_client()
    body = b'{"zen": "' + b"x" * (24 << 20) + b'"}'
    tracemalloc.start()
    try:
        for _ in range(3):
            before = tracemalloc.get_traced_memory()[0]
            tracemalloc.reset_peak()
            response = client.post("/webhook", data=body, headers={
                "X-GitHub-Event": "ping", "X-GitHub-Delivery": "d1",
                "X-Hub-Signature-256": FORGED, "Content-Type": "application/json"})  # fmt: skip
            assert response.status_code == 401
            grown = tracemalloc.get_traced_memory()[1] - before
            assert grown < 8 << 20, grown  # spooled past 1 MiB: never the whole 24 MiB
    finally:
        tracemalloc.stop()
    # A signed delivery still goes through.
    response = deliver(client, "ping", {"zen": "ok", "hook_id": 1})
    assert response.status_code == 200 and response.get_json()["pong"] is True


def test_an_unsigned_body_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """Over a real socket: the 401 comes back while most of the body was never sent."""
    from werkzeug.serving import make_server

    with FakeGitHub(_empty_repo(tmp_path)) as gh:
        app = app_for(gh, tmp_path / "data")
        server = make_server("127.0.0.1", 0, app, threaded=True)
        import threading

        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            with socket.create_connection(("127.0.0.1", server.port), timeout=60) as conn:
                conn.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Type: "
                             b"application/json\r\nX-GitHub-Event: ping\r\nX-GitHub-Delivery: "
                             b"d\r\nContent-Length: 26214400\r\n\r\n{\"zen\": \"")  # fmt: skip
                answer = conn.recv(4096)
            assert answer.startswith(b"HTTP/1.1 401"), answer[:100]
        finally:
            server.shutdown()


def test_no_static_folder_serves_the_working_directory(gh: FakeGitHub, tmp_path: Path) -> None:
    import os

    (tmp_path / "static").mkdir()
    (tmp_path / "static" / "secret.txt").write_text("TRACKPLAN_WEBHOOK_SECRET=" + SECRET)
    old = os.getcwd()
    os.chdir(tmp_path)
    try:
        app = app_for(gh, tmp_path / "data")
        response = app.test_client().get("/static/secret.txt")
    finally:
        os.chdir(old)
    assert response.status_code == 404
    assert SECRET not in response.get_data(as_text=True)
    assert deliver(app.test_client(), "ping", {"zen": "z"}).status_code == 200


def _empty_repo(tmp_path: Path) -> Path:
    from tests.botkit import plan_repo

    return plan_repo(tmp_path / "repo")


def test_serve_drops_a_half_sent_request_and_keeps_answering(
    run_cli: object, tmp_path: Path
) -> None:
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.test_read_api import released_repo

    repo = released_repo(run_cli, tmp_path / "repo")  # type: ignore[arg-type]
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRACKPLAN_")}
    env["TRACKPLAN_SERVE_READ_TIMEOUT"] = "1"
    proc = subprocess.Popen([sys.executable, "-m", "registry", "serve", "--registry", str(repo),
                             "--port", str(port)], env=env, stderr=subprocess.PIPE)  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=5):
                    break
            except OSError:
                assert time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        with socket.create_connection(("127.0.0.1", port), timeout=60) as slow:
            slow.sendall(b"GET /v1/plans HTTP/1.1\r\nHost: x\r\n")  # and never the rest
            assert slow.recv(100) == b""  # the server gave up on it and closed
        url = f"http://127.0.0.1:{port}/v1/plans"
        with urllib.request.urlopen(url, timeout=60) as answer:
            assert answer.status == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
