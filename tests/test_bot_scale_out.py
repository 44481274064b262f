"""Several bot hosts on one PostgreSQL queue: two web processes that only acknowledge, two
`trackplan bot worker` processes, a burst of deliveries, and a worker killed mid-job."""

from __future__ import annotations

import itertools
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.config import Config, ConfigError
from bot.queue.identity import this_host
from tests.botkit import ROOT, app_for, deliver, payload, private_key, push_commit
from tests.fake_github import FakeGitHub, Faults
from tests.postgres import ADMIN_URL
from tests.service import Service, WorkerProcess, wait_until
from tests.test_bot_faults import assert_releases_complete, three_plan_repo
from tests.test_bot_release import push_payload

PULLS = (1, 2, 3, 4, 5, 6)
WRITE_SECONDS = 0.25  # the pacing under test: one write per installation every 250 ms
WRITES = ("POST", "PATCH", "PUT", "DELETE")


def in_hand(url: str, event: str = "%") -> list[tuple[str, str]]:
    """(delivery id, owner) of what the workers hold now, as the queue's table says."""
    with psycopg.connect(url, autocommit=True) as db:
        rows = db.execute(
            "SELECT id, owner FROM trackplan_deliveries WHERE status = 'processing'"
            " AND event LIKE %s",
            (event,),
        ).fetchall()
    return [(str(a), str(b)) for a, b in rows]


def test_two_web_and_two_worker_processes_share_the_work_through_a_worker_crash(
    tmp_path: Path, postgres_url: str
) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    for n in PULLS:  # each pull request adds a property to the web plan on its own branch
        text = (repo / "plans/web/plan.yaml").read_text() + f"      ref{n}: {{type: string}}\n"
        git_branch(repo, f"pr-{n}")
        push_commit(repo, f"pr-{n}", "plans/web/plan.yaml", text, f"Add ref{n}")
    with FakeGitHub(repo) as gh:
        for n in PULLS:
            gh.add_pull(n, head=f"pr-{n}")
        gh.inject(Faults(slow=1.0, delay=0.03))  # every call takes a moment: jobs overlap
        shared = {
            "TRACKPLAN_DATABASE_URL": postgres_url,
            "TRACKPLAN_SECONDS_BETWEEN_WRITES": str(WRITE_SECONDS),
            "TRACKPLAN_LEASE_SECONDS": "2",  # a dead worker's job moves on after 2 s
        }
        only_ack = {"TRACKPLAN_WORKERS": "1", "TRACKPLAN_EMBEDDED_WORKER": "0", **shared}
        webs = [Service(gh, tmp_path / f"web-{i}", **only_ack) for i in (1, 2)]
        for web in webs:
            web.start()
        workers = [
            WorkerProcess(
                {**webs[0].env, **shared, "TRACKPLAN_DATA_DIR": str(tmp_path / f"w{i}")},
                tmp_path / f"worker-{i}.log",
            ).start()
            for i in (1, 2)
        ]
        try:
            hosts = itertools.cycle(webs)
            answers: Counter[int] = Counter()
            for n in PULLS:
                opened = payload("pull_request", "opened.payload.json", gh, number=n)
                answers[next(hosts).deliver("pull_request", opened)] += 1
                for push in range(4):  # a burst of pushes to the branch
                    sync = payload("pull_request", "synchronize.payload.json", gh, number=n)
                    answers[next(hosts).deliver("pull_request", sync, f"sync-{n}-{push}")] += 1
                # GitHub retries a delivery it thinks was lost: to the other host, same id
                for web in webs:
                    answers[web.deliver("pull_request", sync, f"sync-{n}-3")] += 1
            for copy in range(2):  # the merge's push, delivered twice under two ids
                answers[next(hosts).deliver("push", push_payload(gh, "Three plans"))] += copy + 1
            assert set(answers) == {202}, answers

            # Kill a worker in the middle of a job it holds.
            pids = {w.pid: w for w in workers}
            holder, held = wait_until_holder(postgres_url, pids)
            killed = pids[holder]
            assert killed.kill(signal.SIGKILL) == -signal.SIGKILL
            owner = dict(in_hand(postgres_url)).get(held, "")
            assert owner.split("/")[1:2] == [str(holder)], "killed mid-job: still its lease"
            # Its lease runs out (2 s) and the other worker takes the job over; then the
            # orchestrator's replacement comes up, and two workers share the rest again.
            time.sleep(3)
            workers.append(WorkerProcess(dict(workers[0].env), tmp_path / "worker-3.log").start())

            def finished() -> bool:
                health = webs[1].health()
                return bool(
                    health["backlog"] == 0
                    and all(gh.comments(n) for n in PULLS)
                    and sum(len(r["assets"]) for r in gh.state.releases) == 12
                )

            took = wait_until(finished, 120, "every review and release is done")
            print(f"all work done {took:.1f} s after the worker was killed")
            health = webs[0].health()
        finally:
            for worker in workers:
                worker.__exit__()
            for web in webs:
                web.__exit__()
        gh.inject(None)

        assert health["failed"] == 0 and health["queue"].get("failed") is None, health
        with psycopg.connect(postgres_url, autocommit=True) as db:
            status, crashes = db.execute(
                "SELECT status, crashes FROM trackplan_deliveries WHERE id = %s", (held,)
            ).fetchone() or ("missing", 0)
        # The killed worker's job was taken back once and finished by the other (or by a
        # newer delivery of its pull request that stood for it).
        assert crashes == 1 and status in ("done", "superseded"), (held, status, crashes)
        for n in PULLS:
            assert len(gh.comments(n)) == 1, n  # one comment per pull request, never two
            runs = Counter(r["name"] for r in gh.check_runs(gh.sha(f"pr-{n}")))
            assert runs == {"trackplan/validate": 1, "trackplan/review": 1}, (n, runs)
            conclusions = {r["name"]: r.get("conclusion") for r in gh.check_runs(gh.sha(f"pr-{n}"))}
            assert conclusions["trackplan/validate"] == "success", (n, conclusions)
        assert_releases_complete(gh, ["segment/v1.0.0", "shop/v1.0.0", "web/v1.0.0"])
        (release_check,) = [
            r for r in gh.check_runs(gh.sha("main")) if r["name"] == "trackplan/release"
        ]
        assert release_check["conclusion"] == "success"

        # The write rate GitHub saw: one installation, every host's writes on one schedule.
        writes = sorted(
            r.at for r in gh.requests if r.method in WRITES and not r.path.startswith("/app/")
        )
        gaps = [b - a for a, b in itertools.pairwise(writes)]
        print(f"{len(writes)} writes, closest two {min(gaps) * 1000:.0f} ms apart "
              f"(pacing {WRITE_SECONDS * 1000:.0f} ms)")  # fmt: skip
        window = 10 * WRITE_SECONDS
        busiest = max(sum(1 for t in writes if start <= t < start + window) for start in writes)
        print(f"at most {busiest} writes in {window:.2f} s (pacing allows 10)")
        assert len(writes) >= 30
        # A window may hold the slots at both of its ends, and a request sent (or seen by
        # the busy fake) late may slip into the next window: 12. Unshared, 15 and more.
        assert busiest <= 10 + 2
        # Scheduling may send a request (or the busy fake see it) a little after its slot
        # starts, never two in one (unshared pacing: 1 ms apart).
        assert min(gaps) >= WRITE_SECONDS * 0.4, sorted(gaps)[:5]
        survivor = next(w for w in workers if w is not killed)
        assert "Traceback" not in survivor.output(), survivor.output()[-3000:]


def wait_until_holder(url: str, pids: dict[int, WorkerProcess]) -> tuple[int, str]:
    """The pid of the worker process releasing the merge (a job of many paced writes,
    seconds long: killed well inside it), and that delivery, once one holds it."""
    host = this_host()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        for delivery, owner in in_hand(url, event="push"):
            owner_host, pid, _ = owner.split("/")
            if owner_host == host and int(pid) in pids:
                return int(pid), delivery
        time.sleep(0.02)
    raise AssertionError("no worker took the release within 60 s")


def git_branch(repo: Path, name: str) -> None:
    from tests.test_snapshot import git

    git(repo, "branch", name, "main")


def test_a_worker_process_stops_cleanly_on_sigterm(tmp_path: Path, postgres_url: str) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as gh:
        env = Service(gh, tmp_path / "data", TRACKPLAN_DATABASE_URL=postgres_url).env
        worker = WorkerProcess(env, tmp_path / "worker.log").start()
        try:
            wait_until(lambda: "working off" in worker.output(), 30, "the worker starts")
        finally:
            code = worker.kill(signal.SIGTERM)
        assert code == 0, worker.output()
        assert "postgresql://postgres@127.0.0.1:5432/" in worker.output()
        assert "SIGTERM, stopping" in worker.output()


def test_worker_and_settings_errors_are_explained(run_cli: Any, monkeypatch: Any) -> None:
    monkeypatch.delenv("TRACKPLAN_GITHUB_APP_ID", raising=False)
    missing = run_cli("bot", "worker")
    assert missing.code == 2 and "TRACKPLAN_GITHUB_APP_ID is not set" in missing.err
    with pytest.raises(ConfigError) as bad:
        Config.from_env({
            "TRACKPLAN_GITHUB_APP_ID": "1", "TRACKPLAN_GITHUB_PRIVATE_KEY": private_key(),
            "TRACKPLAN_WEBHOOK_SECRET": "s", "TRACKPLAN_EMBEDDED_WORKER": "maybe",
            "TRACKPLAN_DATABASE_URL": "redis://:pw@cache/0",
        })  # fmt: skip
    assert "TRACKPLAN_EMBEDDED_WORKER must be 1 or 0, not 'maybe'" in str(bad.value)
    assert "TRACKPLAN_DATABASE_URL must be a postgresql:// URL" in str(bad.value)
    assert "pw@" not in str(bad.value)
    helped = run_cli("bot", "worker", "--help")
    assert helped.code == 0 and "TRACKPLAN_EMBEDDED_WORKER=0" in helped.out


def test_the_compose_example_runs_two_acknowledging_webs_and_two_workers_on_postgres(
    run_cli: Any,
) -> None:
    from ruamel.yaml import YAML

    compose = YAML(typ="safe").load((ROOT / "docker-compose.yml").read_text())
    services = compose["services"]
    webs = [s for s in services.values() if "ports" in s]
    workers = [s for s in services.values() if s.get("command", [""])[0] == "trackplan"]
    assert len(webs) == 2 and len(workers) == 2
    database = services["postgres"]["environment"]
    url = (f"postgresql://{database['POSTGRES_USER']}:{database['POSTGRES_PASSWORD']}"
           f"@postgres:5432/{database['POSTGRES_DB']}")  # fmt: skip
    for service in webs + workers:
        assert service["environment"]["TRACKPLAN_DATABASE_URL"] == url
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["env_file"] == "bot.env"
    assert all(s["environment"]["TRACKPLAN_EMBEDDED_WORKER"] == "0" for s in webs)
    command = workers[0]["command"]
    assert run_cli(*command[1:], "--help").code == 0  # the command the workers run exists
    example = (ROOT / "bot.env.example").read_text()
    for name in ("TRACKPLAN_GITHUB_APP_ID", "TRACKPLAN_GITHUB_PRIVATE_KEY",
                 "TRACKPLAN_WEBHOOK_SECRET"):  # fmt: skip
        assert f"\n{name}=" in example


def test_a_delivery_the_database_cannot_take_gets_503_and_the_next_one_is_stored(
    tmp_path: Path, postgres_url: str
) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    name = postgres_url.rsplit("/", 1)[1]
    with FakeGitHub(repo) as gh:
        app = app_for(gh, tmp_path / "data", database_url=postgres_url)
        client = app.test_client()
        body = push_payload(gh, "Three plans")
        assert deliver(client, "push", body, delivery="before").status_code == 202
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false'.encode())
            admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                          " WHERE datname = %s", (name,))  # fmt: skip
        try:
            down = deliver(client, "push", body, delivery="during")
        finally:
            with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
                admin.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true'.encode())
        assert down.status_code == 503  # not acknowledged: GitHub shows it failed, to redeliver
        assert "redeliver" in down.get_json()["error"]
        assert deliver(client, "push", body, delivery="after").status_code == 202
        assert deliver(client, "push", body, delivery="during").status_code == 202  # redelivered
        assert app.extensions["trackplan"].queue.health().counts == {"queued": 3}
        app.extensions["trackplan"].queue.close()


def test_a_worker_process_works_off_the_sqlite_queue_of_its_host_too(tmp_path: Path) -> None:
    repo = three_plan_repo(tmp_path / "repo")
    data = tmp_path / "data"
    git_branch(repo, "pr-1")
    text = (repo / "plans/web/plan.yaml").read_text() + "      ref1: {type: string}\n"
    push_commit(repo, "pr-1", "plans/web/plan.yaml", text, "Add ref1")
    with FakeGitHub(repo) as gh:
        gh.add_pull(1, head="pr-1")
        app = app_for(gh, data)  # acknowledges only: its worker is not started
        opened = payload("pull_request", "opened.payload.json", gh, number=1)
        assert deliver(app.test_client(), "pull_request", opened).status_code == 202
        env = Service(gh, data).env
        with WorkerProcess(env, tmp_path / "worker.log") as worker:
            wait_until(lambda: gh.comments(1), 30, "the worker process reviews the pull request")
            wait_until(lambda: app.extensions["trackplan"].queue.health().backlog == 0, 10,
                       "the delivery is settled")  # fmt: skip
        assert "queue.sqlite3" in worker.output()
        assert app.extensions["trackplan"].queue.health().counts == {"done": 1}
