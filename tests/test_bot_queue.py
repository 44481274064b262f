"""The delivery queue contract, on both backends (SQLite in a file, PostgreSQL on the
machine's server): durable, deduplicated, coalesced per pull request, restart-safe."""

from __future__ import annotations

import itertools
import json
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from bot.queue.base import DeliveryQueue
from bot.queue.postgres import PostgresQueue
from bot.queue.sqlite import SCHEMA_VERSION, SqliteQueue, migrate


class Backend:
    """Opens queues on one backend's storage; several opened queues are several processes
    (or hosts) sharing it."""

    def __init__(self, name: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
        self.name = name
        self.path = tmp_path / "q.sqlite3"
        self.url = request.getfixturevalue("postgres_url") if name == "postgres" else ""
        self.opened: list[DeliveryQueue] = []

    def open(self, **settings: Any) -> DeliveryQueue:
        queue: DeliveryQueue = (
            PostgresQueue(self.url, **settings) if self.url else SqliteQueue(self.path, **settings)
        )
        self.opened.append(queue)
        return queue

    def open_code(self, lease_seconds: float) -> str:
        """Python that opens the same queue as `q` in another process."""
        if self.url:
            opened = f"PostgresQueue({self.url!r}, lease_seconds={lease_seconds})"
            return f"from bot.queue.postgres import PostgresQueue\nq = {opened}\n"
        opened = f"SqliteQueue(Path({str(self.path)!r}), lease_seconds={lease_seconds})"
        return f"from pathlib import Path; from bot.queue.sqlite import SqliteQueue\nq = {opened}\n"

    def sql(self, statement: str) -> None:
        """Run SQL on the backend's storage as an operator would (tables: see the backend)."""
        if self.url:
            with psycopg.connect(self.url, autocommit=True) as db:
                db.execute(statement.replace("deliveries", "trackplan_deliveries").encode())
        else:
            db = sqlite3.connect(self.path)
            db.execute(statement)
            db.commit()
            db.close()


@pytest.fixture(params=["sqlite", "postgres"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Backend]:
    made = Backend(request.param, tmp_path, request)
    yield made
    for queue in made.opened:
        queue.close()


def test_duplicate_delivery_is_stored_once_but_a_failed_one_can_come_again(
    backend: Backend,
) -> None:
    queue = backend.open()
    assert queue.put("d1", "push", None, False, b"{}")
    assert not queue.put("d1", "push", None, False, b"{}")
    claimed = queue.claim()
    assert claimed is not None and claimed.id == "d1"
    queue.fail("d1", "boom")
    assert queue.put("d1", "push", None, False, b"{}")  # GitHub's redelivery of a failure
    again = queue.claim()
    assert again is not None and again.id == "d1" and again.attempts == 1


def test_burst_for_one_pull_request_is_coalesced_to_the_latest(backend: Backend) -> None:
    queue = backend.open()
    for i in range(20):
        queue.put(f"sync-{i}", "pull_request", "acme/plans#1", True, f'{{"i": {i}}}'.encode())
    queue.put("other", "pull_request", "acme/plans#2", True, b"{}")
    first = queue.claim()
    assert first is not None and first.id == "sync-19"
    second = queue.claim()
    assert second is not None and second.id == "other"
    assert queue.claim() is None
    assert queue.counts()["superseded"] == 19


def test_one_pull_request_at_a_time(backend: Backend) -> None:
    queue = backend.open()
    queue.put("a", "pull_request", "acme/plans#1", True, b"{}")
    working = queue.claim()
    assert working is not None
    queue.put("b", "pull_request", "acme/plans#1", True, b"{}")
    assert queue.claim() is None  # #1 is being worked on
    queue.finish("a")
    nxt = queue.claim()
    assert nxt is not None and nxt.id == "b"


def test_retry_waits_and_work_survives_a_restart(backend: Backend) -> None:
    queue = backend.open(lease_seconds=0.2)
    queue.put("a", "push", None, False, b"{}")
    queue.put("b", "push", None, False, b"{}")
    claimed = queue.claim()
    assert claimed is not None and claimed.id == "a"
    queue.retry("a", 60, "GitHub answered 502")
    claimed_b = queue.claim()
    assert claimed_b is not None and claimed_b.id == "b"
    # The process dies while working on b; a new one opens the same database.
    queue.close()
    time.sleep(0.3)
    reopened = backend.open(lease_seconds=0.2)
    assert reopened.claim() is None  # taken back, after a short pause (crash loops back off)
    deadline = time.monotonic() + 5
    while (again := reopened.claim()) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert again is not None and again.id == "b" and again.attempts == 2
    assert reopened.claim() is None  # a waits for its retry time


def test_a_delivery_that_kills_its_process_every_time_is_failed_in_the_end(
    backend: Backend,
) -> None:
    queue = backend.open(lease_seconds=0.01)
    queue.put("poison", "pull_request", "acme/plans#1", True, b"{}")
    for crash in range(1, 9):
        claimed = queue.claim()
        assert claimed is not None, crash
        time.sleep(0.02)  # its process "dies": the lease runs out unrenewed
        assert queue.claim() is None  # taken back, with a pause that grows each time
        backend.sql("UPDATE deliveries SET not_before = 0")  # skip the pause
    health = queue.health()
    assert health.failed == 1 and health.backlog == 0


def test_a_dead_process_s_delivery_is_taken_back_at_the_next_start(backend: Backend) -> None:
    # A child process claims a delivery and is killed while working on it.
    code = (
        "import os, signal\n" + backend.open_code(lease_seconds=600)
        + "assert q.claim() is not None\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )  # fmt: skip
    queue = backend.open(lease_seconds=600)
    queue.put("a", "pull_request", "acme/plans#1", True, b"{}")
    subprocess.run([sys.executable, "-c", code], check=False, cwd=Path(__file__).parent.parent)
    queue.put("b", "pull_request", "acme/plans#1", True, b"{}")
    assert queue.claim() is None  # #1 looks in hand, its lease has 10 minutes to run
    assert queue.recover() == 1  # what the worker does at start: the owner is gone
    claimed = queue.claim()
    assert claimed is not None and claimed.id == "b"  # coalesced with a, at once


def test_a_lease_is_renewed_while_work_runs_and_released_on_shutdown(backend: Backend) -> None:
    queue = backend.open(lease_seconds=0.3)
    queue.put("a", "push", "acme/plans@release", False, b"{}")
    claimed = queue.claim()
    assert claimed is not None
    for _ in range(4):
        time.sleep(0.15)
        assert queue.renew("a")
    other = backend.open(lease_seconds=0.3)
    assert other.claim() is None  # still ours after 0.6 s: renewed
    queue.release("a")
    again = other.claim()
    assert again is not None and again.id == "a" and again.attempts == 1  # not counted twice


def test_retention_forgets_old_deliveries_and_keeps_storage_bounded(backend: Backend) -> None:
    queue = backend.open()
    payload = b"x" * 20_000
    sizes = []
    for round_ in range(3):
        for i in range(500):
            queue.put(f"{round_}-{i}", "pull_request", f"acme/plans#{i}", True, payload)
        while (claimed := queue.claim()) is not None:
            queue.finish(claimed.id)
        assert queue.prune(7 * 86400) == 0  # recent ones are kept: replays are refused
        assert not queue.put(f"{round_}-0", "pull_request", "acme/plans#0", True, payload)
        assert queue.prune(0) == 500
        queue.checkpoint()  # the worker does this every second
        if backend.name == "sqlite":
            sizes.append(backend.path.stat().st_size + Path(f"{backend.path}-wal").stat().st_size)
    assert queue.health().counts == {}
    if sizes:
        assert sizes[2] <= sizes[0] * 1.2, sizes  # space is reused, not grown


def test_health_reports_backlog_age_and_failures(backend: Backend) -> None:
    queue = backend.open()
    queue.put("a", "push", None, False, b"{}")
    queue.put("b", "push", None, False, b"{}")
    time.sleep(0.2)
    claimed = queue.claim()
    assert claimed is not None
    queue.fail(claimed.id, "gave up")
    health = queue.health()
    assert health.backlog == 1 and health.failed == 1
    assert health.oldest_pending_seconds >= 0.2


def test_an_old_queue_file_is_migrated(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(OLD_SCHEMA)
    db.execute("INSERT INTO deliveries (id, event, payload, status, received) VALUES"
               " ('old', 'push', x'7b7d', 'queued', 1)")  # fmt: skip
    db.commit()
    db.close()
    assert migrate(path) == 0
    assert migrate(path) == 3  # once only
    claimed = SqliteQueue(path).claim()
    assert claimed is not None and claimed.id == "old"


OLD_SCHEMA = """
CREATE TABLE deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, event TEXT NOT NULL,
    key TEXT, coalesce_ INTEGER NOT NULL DEFAULT 0, payload BLOB NOT NULL,
    status TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0, lease_until REAL NOT NULL DEFAULT 0, error TEXT,
    received REAL NOT NULL
);
"""


def test_trackplan_bot_migrate_creates_the_queue_once(tmp_path: Path, run_cli: Any) -> None:
    data = tmp_path / "data"
    first = run_cli("bot", "migrate", "--data-dir", str(data))
    assert first.code == 0 and "schema 0 -> 3" in first.out
    again = run_cli("bot", "migrate", "--data-dir", str(data))
    assert again.code == 0 and "up to date" in again.out
    (tmp_path / "file").write_text("not a folder")
    bad = run_cli("bot", "migrate", "--data-dir", str(tmp_path / "file"))
    assert bad.code == 2 and "cannot create or migrate the queue" in bad.err
    assert "Traceback" not in bad.err


CLAIMER = """
import json, sys, time
{open}
deadline = time.time() + 30
idle = 0
while time.time() < deadline and idle < 20:
    d = q.claim()
    if d is None:
        idle += 1
        time.sleep(0.02)
        continue
    idle = 0
    start = time.time()
    time.sleep(0.005)  # work, while the others claim
    print(json.dumps([d.id, d.key, start, time.time()]), flush=True)
    q.finish(d.id)
"""


def test_processes_claiming_at_once_take_each_delivery_once_and_each_key_alone(
    backend: Backend,
) -> None:
    queue = backend.open()
    for i in range(60):
        queue.put(f"push-{i}", "push", None, False, b"{}")
        queue.put(f"review-{i}", "pull_request_review", f"acme/plans#{i % 4}", False, b"{}")
    code = CLAIMER.format(open=backend.open_code(lease_seconds=30))
    root = Path(__file__).parent.parent
    children = [subprocess.Popen([sys.executable, "-c", code], cwd=root, text=True,
                                 stdout=subprocess.PIPE) for _ in range(3)]  # fmt: skip
    outputs = [child.communicate(timeout=60)[0] for child in children]
    claims = [json.loads(line) for out in outputs for line in out.splitlines()]
    assert all(child.returncode == 0 for child in children)
    assert Counter(c[0] for c in claims) == Counter(
        [f"push-{i}" for i in range(60)] + [f"review-{i}" for i in range(60)]
    )  # every delivery once, none twice
    for key in {c[1] for c in claims if c[1]}:
        spans = sorted((c[2], c[3]) for c in claims if c[1] == key)
        assert all(a[1] <= b[0] for a, b in itertools.pairwise(spans)), key
    assert queue.health().counts == {"done": 120}


PUTTER = """
import json, sys, threading
{open}
proc = sys.argv[1]
stored = {{}}
def put(thread):
    for i in range(40):
        own = f"{{proc}}-{{thread}}-{{i}}"
        stored[own] = q.put(own, "push", None, False, b"{{}}")
        # the same delivery sent by every thread of every process at once: stored once
        stored[f"{{own}}/shared-{{i}}"] = q.put(f"shared-{{i}}", "push", None, False, b"{{}}")
threads = [threading.Thread(target=put, args=(t,)) for t in range(8)]
for t in threads: t.start()
for t in threads: t.join()
print(json.dumps(stored))
"""


def test_threads_of_several_processes_storing_at_once_store_each_delivery_once(
    backend: Backend,
) -> None:
    """Acks of every thread and process at once (SQLite commits them in groups): each new
    delivery is stored and says so, each duplicate is refused, whoever sent it first."""
    queue = backend.open()
    code = PUTTER.format(open=backend.open_code(lease_seconds=30))
    root = Path(__file__).parent.parent
    children = [subprocess.Popen([sys.executable, "-c", code, f"p{n}"], cwd=root, text=True,
                                 stdout=subprocess.PIPE) for n in range(3)]  # fmt: skip
    outputs = [json.loads(child.communicate(timeout=120)[0]) for child in children]
    assert all(child.returncode == 0 for child in children)
    stored = {name: ok for out in outputs for name, ok in out.items()}
    own = {name: ok for name, ok in stored.items() if "/" not in name}
    assert len(own) == 3 * 8 * 40 and all(own.values())
    shared = Counter(name.split("/")[1] for name, ok in stored.items() if "/" in name and ok)
    assert shared == Counter({f"shared-{i}": 1 for i in range(40)})  # once each, of 24 sends
    assert queue.health().counts == {"queued": 3 * 8 * 40 + 40}


PACER = """
import json, time
{open}
slots = []
for _ in range(6):
    wait = q.reserve_write("api#installation-1", 0.1)
    slots.append(time.time() + wait)
    time.sleep(wait)
print(json.dumps(slots))
"""


def test_write_slots_are_shared_by_every_process(backend: Backend) -> None:
    queue = backend.open()
    code = PACER.format(open=backend.open_code(lease_seconds=30))
    root = Path(__file__).parent.parent
    children = [subprocess.Popen([sys.executable, "-c", code], cwd=root, text=True,
                                 stdout=subprocess.PIPE) for _ in range(3)]  # fmt: skip
    slots = sorted(s for child in children for s in json.loads(child.communicate(timeout=60)[0]))
    assert len(slots) == 18
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    # One installation's writes 100 ms apart: seen from the processes, each answer's trip
    # back blurs that by milliseconds (unshared slots would be 0 ms apart).
    assert min(gaps) >= 0.05, gaps
    assert slots[-1] - slots[0] >= 17 * 0.1 - 0.05  # 18 slots in a row
    assert queue.reserve_write("api#installation-2", 0.1) == 0.0  # another one: no wait


def test_latest_payload_of_each_key(backend: Backend) -> None:
    queue = backend.open()
    queue.put("a", "push", "acme/plans@release", False, b'{"n": 1}')
    queue.put("b", "push", "acme/plans@release", False, b'{"n": 2}')
    queue.put("c", "push", "acme/other@release", False, b'{"n": 3}')
    queue.put("d", "pull_request", "acme/plans#1", True, b'{"n": 4}')
    assert sorted(queue.latest_payloads("push")) == [b'{"n": 2}', b'{"n": 3}']


def test_one_key_in_hand_is_kept_by_the_server_whatever_a_process_does(postgres_url: str) -> None:
    queue = PostgresQueue(postgres_url)
    try:
        queue.put("a", "pull_request", "acme/plans#1", True, b"{}")
        queue.put("b", "pull_request_review", "acme/plans#1", False, b"{}")
        assert queue.claim() is not None
        with (
            psycopg.connect(postgres_url, autocommit=True) as db,
            pytest.raises(psycopg.errors.UniqueViolation),
        ):
            db.execute("UPDATE trackplan_deliveries SET status = 'processing' WHERE id = 'b'")
    finally:
        queue.close()


def test_trackplan_bot_migrate_on_postgres_is_idempotent_and_safe_at_once(
    postgres_url: str, run_cli: Any
) -> None:
    cli = [sys.executable, "-m", "trackplan", "bot", "migrate", "--database-url", postgres_url]
    root = Path(__file__).parent.parent
    both = [subprocess.Popen(cli, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                             text=True) for _ in range(2)]  # fmt: skip
    outs = [child.communicate(timeout=60) for child in both]
    assert [child.returncode for child in both] == [0, 0], outs
    again = run_cli("bot", "migrate", "--database-url", postgres_url)
    assert again.code == 0 and "schema 1, up to date" in again.out


def test_trackplan_bot_migrate_explains_a_bad_database_url(run_cli: Any) -> None:
    wrong = run_cli("bot", "migrate", "--database-url", "mysql://root:hunter2@db/x")
    assert wrong.code == 2 and "must be a postgresql:// URL" in wrong.err
    assert "hunter2" not in wrong.err
    away = run_cli("bot", "migrate", "--database-url",
                   "postgresql://bot:hunter2@127.0.0.1:1/trackplan")  # fmt: skip
    assert away.code == 2 and "cannot create or migrate the queue" in away.err
    assert "postgresql://bot:***@127.0.0.1:1/trackplan" in away.err
    assert "hunter2" not in away.err and "Traceback" not in away.err


def test_a_burst_is_worked_on_once_it_is_quiet_or_has_waited_long_enough(
    backend: Backend,
) -> None:
    queue = backend.open(settle_seconds=0.5, max_settle_seconds=1.5)
    queue.put("s-0", "pull_request", "acme/plans#1", True, b"{}")
    queue.put("other", "push", None, False, b"{}")
    first = queue.claim()
    assert first is not None and first.id == "other"  # #1's burst goes on: looked past
    assert queue.claim() is None
    time.sleep(0.55)
    quiet = queue.claim()
    assert quiet is not None and quiet.id == "s-0"
    queue.finish("s-0")
    started = time.monotonic()
    claimed = None
    for i in range(1, 60):  # a flood: a push every 50 ms, never quiet for 0.5 s
        queue.put(f"s-{i}", "pull_request", "acme/plans#1", True, b"{}")
        if claimed is None:
            claimed = queue.claim()
            waited = time.monotonic() - started
        time.sleep(0.05)
    assert claimed is not None and 1.4 <= waited < 2.5, waited  # taken after max_settle


@pytest.mark.parametrize(
    "url, secret",
    [
        ("postgresql://bot@127.0.0.1:1/trackplan?password=hunter2", "hunter2"),
        ("postgresql://bot@127.0.0.1:1/trackplan?password=pw#frag", "frag"),
        ("postgresql://bot:s3cr%t@127.0.0.1:1/trackplan", "s3cr%t"),  # bad percent-encoding
        ("postgresql://bot:hunter2@[::1/trackplan", "hunter2"),  # a broken host
        ("postgresql://bot:pa#ss@127.0.0.1:1/trackplan", "pa#ss"),  # valid to libpq
        ("postgresql://bot:pa/ss@127.0.0.1:1/trackplan", "pa/ss"),  # libpq: host bot, port pa
        ("postgresql://bot:p@ss@127.0.0.1:1/trackplan", "ss@"),  # libpq: password p
    ],
)
def test_a_database_password_never_reaches_the_terminal(
    run_cli: Any, url: str, secret: str
) -> None:
    result = run_cli("bot", "migrate", "--database-url", url)
    assert result.code == 2, result
    assert secret not in result.err + result.out
    assert "Traceback" not in result.err
    assert "not a valid PostgreSQL URL" in result.err or "cannot create" in result.err


def test_masking_a_password_leaves_the_rest_of_a_message_readable() -> None:
    from bot.queue.redact import redacted, scrub

    url = "postgresql://bot:e@db.internal:5433/trackplan"
    assert redacted(url) == "postgresql://bot:***@db.internal:5433/trackplan"
    message = 'connection to server at "db.internal" failed: password "e" was refused'
    assert scrub(message, url) == (
        'connection to server at "db.internal" failed: password "***" was refused'
    )
    assert redacted("postgresql://postgres@127.0.0.1/x") == "postgresql://postgres@127.0.0.1/x"


def _open_at_once(path: str, barrier: Any, results: Any, index: int) -> None:
    """A booting worker: waits for the others, then opens the queue and stores a delivery."""
    try:
        barrier.wait(timeout=60)
        queue = SqliteQueue(Path(path))
        queue.put(f"d-{index}", "ping", None, False, b"{}")
        queue.close()
        results.put((index, "ok"))
    except BaseException as exc:  # reported to the test, which names it
        results.put((index, f"{type(exc).__name__}: {exc}"))


def test_four_workers_booting_at_once_create_the_queue_once(tmp_path: Path) -> None:
    """gunicorn's plain command line boots its workers together, each opening a queue that
    may not exist yet: 20 rounds of 4 processes released at the same instant."""
    import multiprocessing

    context = multiprocessing.get_context("fork")
    for round_ in range(20):
        path = tmp_path / f"round-{round_}" / "queue.sqlite3"
        barrier, results = context.Barrier(4), context.Queue()
        workers = [context.Process(target=_open_at_once, args=(str(path), barrier, results, i))
                   for i in range(4)]  # fmt: skip
        for worker in workers:
            worker.start()
        said = dict(results.get(timeout=120) for _ in workers)
        for worker in workers:
            worker.join(timeout=60)
        assert said == {i: "ok" for i in range(4)}, f"round {round_}: {said}"
        queue = SqliteQueue(path)
        assert queue.counts().get("queued") == 4
        assert sqlite3.connect(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        queue.close()


class CountedQueue(SqliteQueue):
    """The SQLite queue, counting the claims a worker makes."""

    claims = 0

    def claim(self) -> Any:
        self.claims += 1
        return super().claim()


def test_a_worker_waits_out_a_burst_but_wakes_at_once_for_other_work(tmp_path: Path) -> None:
    """While thousands of reviews of one pull request arrive, each ack used to wake the
    worker to claim again (queries and write-lock turns on the acks' cores); now it claims
    again when the burst may settle, and any other delivery still wakes it at once."""
    from bot.queue.worker import Worker

    queue = CountedQueue(tmp_path / "q.sqlite3", settle_seconds=30, max_settle_seconds=60)
    done: list[str] = []
    worker = Worker(queue, lambda d: done.append(d.id) or "done", poll_seconds=60)
    queue.put("review-0", "pull_request_review", "acme/plans#1", True, b"{}")
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while queue.claims == 0:  # the worker starts with a claim: it finds the burst
            assert time.monotonic() < deadline
            time.sleep(0.01)
        for n in range(1, 40):  # the burst goes on: every ack notifies the worker
            queue.put(f"review-{n}", "pull_request_review", "acme/plans#1", True, b"{}")
            worker.notify("acme/plans#1")
            time.sleep(0.01)
        assert queue.claims <= 2, queue.claims  # not once per ack
        queue.put("push-1", "push", None, False, b"{}")  # other work: at once
        worker.notify(None)
        while "push-1" not in done:
            assert time.monotonic() < deadline, done
            time.sleep(0.01)
        assert done == ["push-1"]  # the burst waits to settle (30 s of quiet, or 60 s)
    finally:
        worker.stop(10)


def test_postgres_tells_every_host_which_key_was_stored(postgres_url: str) -> None:
    """A worker waiting out a burst ignores the burst's own notices; a delivery with no key
    (or one too long to send) wakes every worker."""
    from bot.queue.postgres import CHANNEL

    queue = PostgresQueue(postgres_url)
    try:
        with psycopg.connect(postgres_url, autocommit=True) as listener:
            listener.execute(f"LISTEN {CHANNEL}")
            queue.put("review-1", "pull_request_review", "acme/plans#1", True, b"{}")
            queue.put("review-1", "pull_request_review", "acme/plans#1", True, b"{}")  # again
            queue.put("push-1", "push", None, False, b"{}")
            queue.put("long", "pull_request_review", "x/" + "y" * 2000 + "#1", True, b"{}")
            # each notice arrived with its commit, before put returned: a second is plenty
            heard = [n.payload for n in listener.notifies(timeout=1, stop_after=10)]
        assert heard == ["acme/plans#1", "", ""]  # the duplicate was not stored: no notice
    finally:
        queue.close()


def test_deliveries_stored_together_keep_their_order_and_each_id_once(backend: Backend) -> None:
    """What acks arriving together share (one transaction): the newest of a pull request's
    deliveries is the one worked on whatever its id, an id seen twice is stored once, and a
    failed delivery sent again is taken again."""
    queue = backend.open()
    queue.put("failed-1", "push", None, False, b'{"n": 0}')
    taken = queue.claim()
    assert taken is not None
    queue.fail(taken.id, "boom")
    stored = queue.put_many([
        ("f3c1-older", "pull_request", "acme/plans#1", True, b'{"head": "old"}'),
        ("f3c1-older", "pull_request", "acme/plans#1", True, b'{"head": "old"}'),
        ("1a07-newer", "pull_request", "acme/plans#1", True, b'{"head": "new"}'),
        ("failed-1", "push", None, False, b'{"n": 1}'),
    ])  # fmt: skip
    assert stored == [True, False, True, True]
    claimed = [queue.claim(), queue.claim()]
    assert sorted((d.id, d.payload) for d in claimed if d is not None) == [
        ("1a07-newer", b'{"head": "new"}'), ("failed-1", b'{"n": 1}')]  # fmt: skip
    assert queue.health().counts == {"processing": 2, "superseded": 1}


def test_a_worker_whose_claims_fail_waits_before_trying_again(tmp_path: Path) -> None:
    """A claim that fails (a read-only or full disk) after one that found a burst must not
    leave the worker retrying at once, in a loop, with a traceback each time."""
    from bot.queue.worker import Worker

    class Breaking(CountedQueue):
        broken = False

        def _requeue_expired(self) -> None:
            if self.broken:
                raise sqlite3.OperationalError("attempt to write a readonly database")
            super()._requeue_expired()

    queue = Breaking(tmp_path / "q.sqlite3", settle_seconds=0.2, max_settle_seconds=0.4)
    queue.put("review-0", "pull_request_review", "acme/plans#1", True, b"{}")
    worker = Worker(queue, lambda d: "done", poll_seconds=60)
    worker.start()
    try:
        deadline = time.monotonic() + 60
        while queue.claims == 0:  # the first claim finds the burst going on
            assert time.monotonic() < deadline
            time.sleep(0.01)
        queue.broken = True  # the next claim, when the burst may settle, fails
        while queue.claims < 2:
            assert time.monotonic() < deadline
            time.sleep(0.01)
        time.sleep(0.5)
        assert queue.claims == 2  # then it waits a poll (60 s), not a busy loop
    finally:
        worker.stop(10)


def test_the_newest_delivery_of_a_pull_request_stands_for_one_waiting_to_be_retried(
    backend: Backend,
) -> None:
    """An older review that failed and waits for its retry is superseded when a newer one of
    the same pull request is taken: it must not run after the newer one."""
    queue = backend.open()
    queue.put("older", "pull_request", "acme/plans#1", True, b"{}")
    older = queue.claim()
    assert older is not None and older.id == "older"
    queue.retry("older", 60, "GitHub answered 502")
    queue.put("newer", "pull_request", "acme/plans#1", True, b"{}")
    newer = queue.claim()
    assert newer is not None and newer.id == "newer"
    queue.finish("newer")
    assert queue.health().counts == {"done": 1, "superseded": 1}


def test_a_long_burst_is_superseded_whole_and_its_newest_taken(backend: Backend) -> None:
    """SQLite marks a burst's thousands of older deliveries in steps before the take."""
    queue = backend.open()
    queue.put_many([(f"review-{n:04}", "pull_request_review", "acme/plans#1", True, b"{}")
                    for n in range(1234)])  # fmt: skip
    taken = queue.claim()
    assert taken is not None and taken.id == "review-1233"
    assert queue.health().counts == {"processing": 1, "superseded": 1233}
