"""The bot under gunicorn through crashes, deploys, respawns, slow clients and big bodies."""

from __future__ import annotations

import signal
import socket
import threading
import time
from collections import Counter
from pathlib import Path

import pytest

from tests.botkit import payload, plan_repo
from tests.fake_github import FakeGitHub, Faults
from tests.service import Service, wait_until
from tests.test_bot_faults import assert_releases_complete, three_plan_repo
from tests.test_bot_release import push_payload

SLOW = Faults(slow=1.0, delay=0.15)  # every GitHub call takes 0.15 s: work takes seconds


def stop_midway(service: Service, sig: int) -> None:
    if sig == signal.SIGKILL:
        service.kill(signal.SIGKILL)  # a crash: master and workers at once
    else:
        assert service.stop() == 0  # a deploy: SIGTERM, graceful


def queue_env(backend: str, request: pytest.FixtureRequest) -> dict[str, str]:
    """gunicorn as the Dockerfile runs it, on SQLite in the data folder or on PostgreSQL."""
    if backend == "sqlite":
        return {}
    return {"TRACKPLAN_DATABASE_URL": request.getfixturevalue("postgres_url")}


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_review_interrupted_by_a_stop_finishes_after_the_restart(
    tmp_path: Path, sig: int, backend: str, request: pytest.FixtureRequest
) -> None:
    repo = plan_repo(tmp_path / "repo")
    data = tmp_path / "data"
    queue = queue_env(backend, request)
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        gh.inject(SLOW)
        service = Service(gh, data, TRACKPLAN_GRACEFUL_SECONDS="4", **queue).start()
        assert (
            service.deliver("pull_request", payload("pull_request", "opened.payload.json", gh))
            == 202
        )
        wait_until(
            lambda: len(gh.received("GET", "/repos/acme/plans/git/")) >= 3, 20, "work starts"
        )
        assert gh.comments(1) == []
        stop_midway(service, sig)
        gh.inject(None)
        with Service(gh, data, **queue):
            took = wait_until(
                lambda: gh.comments(1) and len(gh.check_runs(gh.sha("rename"))) >= 2, 30,
                "the review finishes after the restart",
            )  # fmt: skip
        print(f"review finished {took:.1f} s after the restart")
        assert len(gh.comments(1)) == 1
        runs = Counter(r["name"] for r in gh.check_runs(gh.sha("rename")))
        assert runs == {"trackplan/validate": 1, "trackplan/review": 1}


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM], ids=["SIGKILL", "SIGTERM"])
def test_a_three_plan_release_interrupted_by_a_stop_finishes_after_the_restart(
    tmp_path: Path, sig: int
) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    data = tmp_path / "data"
    with FakeGitHub(repo) as gh:
        gh.inject(SLOW)
        service = Service(gh, data, TRACKPLAN_GRACEFUL_SECONDS="4").start()
        assert service.deliver("push", push_payload(gh, "Three plans")) == 202
        wait_until(lambda: gh.received("POST", "/repos/acme/plans/git/refs"), 30, "a tag is made")
        stop_midway(service, sig)
        assert len(gh.state.releases) < 3  # stopped midway
        gh.inject(None)
        with Service(gh, data):
            took = wait_until(
                lambda: sum(len(r["assets"]) for r in gh.state.releases) == 12, 30,
                "every release complete after the restart",
            )  # fmt: skip
        print(f"release finished {took:.1f} s after the restart")
        assert_releases_complete(gh, ["segment/v1.0.0", "shop/v1.0.0", "web/v1.0.0"])


def test_workers_boot_and_respawn_while_deliveries_flood_in(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="rename")
        body = payload("pull_request", "synchronize.payload.json", gh)
        service = Service(gh, tmp_path / "data", TRACKPLAN_WORKERS="3").start()
        codes: Counter[int | str] = Counter()
        stop = threading.Event()

        def flood() -> None:
            while not stop.is_set():
                try:
                    codes[service.deliver("pull_request", body)] += 1
                except OSError as exc:  # a worker killed under this very request
                    codes[exc.__class__.__name__] += 1

        clients = [threading.Thread(target=flood) for _ in range(4)]
        for client in clients:
            client.start()
        try:
            for _ in range(3):
                time.sleep(1.0)
                for pid in service.workers():  # every worker dies; gunicorn boots new ones
                    service.kill_worker(pid)
                time.sleep(0.5)
                assert service.proc is not None and service.proc.poll() is None
            assert service.proc is not None
            service.proc.send_signal(signal.SIGHUP)  # reload: all workers replaced at once
            time.sleep(2.0)
        finally:
            stop.set()
            for client in clients:
                client.join(15)
        assert service.proc.poll() is None, service.output()[-3000:]
        assert service.health()["status"] == "ok"
        assert service.deliver("pull_request", body) == 202
        service.stop()
        output = service.output()
    assert codes[202] > 100, codes
    assert set(codes) <= {202, "ConnectionResetError", "RemoteDisconnected", "URLError"}, codes
    assert "Worker failed to boot" not in output and "database is locked" not in output


def slow_client(port: int, stop: threading.Event) -> None:
    """Sends a request one byte a second, again and again, as a slowloris does."""
    request = b"POST /webhook HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n" + b"x" * 100
    while not stop.is_set():
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
                for byte in request:
                    if stop.wait(1.0):
                        return
                    sock.sendall(bytes([byte]))
        except OSError:
            time.sleep(0.1)  # dropped by the server: connect again


def test_64_slow_clients_cannot_starve_real_deliveries(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh, Service(gh, tmp_path / "data") as service:
        stop = threading.Event()
        clients = [threading.Thread(target=slow_client, args=(service.port, stop))
                   for _ in range(64)]  # fmt: skip
        for client in clients:
            client.start()
        try:
            time.sleep(2.0)  # every slow client is connected and trickling
            body = payload("push", "payload.json", gh, ref="refs/heads/other")
            # GitHub gives up after 10 s: each of these must be answered before that.
            answers = [service.deliver("push", body, timeout=10.0) for _ in range(20)]
            time.sleep(6.0)  # past the read deadline: trickling clients were cut off
            answers += [service.deliver("push", body, timeout=10.0) for _ in range(10)]
        finally:
            stop.set()
            for client in clients:
                client.join(5)
        assert answers == [202] * 30


def test_a_chunked_body_over_the_limit_gets_413(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh, Service(gh, tmp_path / "data") as service:
        with socket.create_connection(("127.0.0.1", service.port), timeout=30) as sock:
            # A signature header (unsigned bodies are refused before any byte is read): the
            # body is then read, and refused once past the limit, before the MAC is known.
            sock.sendall(b"POST /webhook HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
                         b"X-GitHub-Event: push\r\nX-GitHub-Delivery: big\r\n"
                         b"X-Hub-Signature-256: sha256=" + b"0" * 64 + b"\r\n\r\n")  # fmt: skip
            chunk = b"x" * (1024 * 1024)
            try:
                for _ in range(30):  # 30 MiB: over GitHub's (and the bot's) 25 MB cap
                    sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
                sock.sendall(b"0\r\n\r\n")
            except OSError:
                pass  # the server may answer and close before the body is all sent
            answer = sock.recv(200)
        assert answer.startswith(b"HTTP/1.1 413"), answer
        assert service.health()["backlog"] == 0
