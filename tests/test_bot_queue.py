"""The delivery queue: durable, deduplicated, coalesced per pull request, restart-safe."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bot.queue import SqliteQueue, migrate


def test_duplicate_delivery_is_stored_once_but_a_failed_one_can_come_again(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite3")
    assert queue.put("d1", "push", None, False, b"{}")
    assert not queue.put("d1", "push", None, False, b"{}")
    claimed = queue.claim()
    assert claimed is not None and claimed.id == "d1"
    queue.fail("d1", "boom")
    assert queue.put("d1", "push", None, False, b"{}")  # GitHub's redelivery of a failure
    again = queue.claim()
    assert again is not None and again.id == "d1" and again.attempts == 1


def test_burst_for_one_pull_request_is_coalesced_to_the_latest(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite3")
    for i in range(20):
        queue.put(f"sync-{i}", "pull_request", "acme/plans#1", True, f'{{"i": {i}}}'.encode())
    queue.put("other", "pull_request", "acme/plans#2", True, b"{}")
    first = queue.claim()
    assert first is not None and first.id == "sync-19"
    second = queue.claim()
    assert second is not None and second.id == "other"
    assert queue.claim() is None
    assert queue.counts()["superseded"] == 19


def test_one_pull_request_at_a_time(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite3")
    queue.put("a", "pull_request", "acme/plans#1", True, b"{}")
    working = queue.claim()
    assert working is not None
    queue.put("b", "pull_request", "acme/plans#1", True, b"{}")
    assert queue.claim() is None  # #1 is being worked on
    queue.finish("a")
    nxt = queue.claim()
    assert nxt is not None and nxt.id == "b"


def test_retry_waits_and_work_survives_a_restart(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    queue = SqliteQueue(path, lease_seconds=0.2)
    queue.put("a", "push", None, False, b"{}")
    queue.put("b", "push", None, False, b"{}")
    claimed = queue.claim()
    assert claimed is not None and claimed.id == "a"
    queue.retry("a", 60, "GitHub answered 502")
    claimed_b = queue.claim()
    assert claimed_b is not None and claimed_b.id == "b"
    # The process dies while working on b; a new one opens the same database.
    del queue
    time.sleep(0.3)
    reopened = SqliteQueue(path, lease_seconds=0.2)
    assert reopened.claim() is None  # taken back, after a short pause (crash loops back off)
    deadline = time.monotonic() + 5
    while (again := reopened.claim()) is None and time.monotonic() < deadline:
        time.sleep(0.1)
    assert again is not None and again.id == "b" and again.attempts == 2
    assert reopened.claim() is None  # a waits for its retry time


def test_a_delivery_that_kills_its_process_every_time_is_failed_in_the_end(
    tmp_path: Path,
) -> None:
    path = tmp_path / "q.sqlite3"
    queue = SqliteQueue(path, lease_seconds=0.01)
    queue.put("poison", "pull_request", "acme/plans#1", True, b"{}")
    for crash in range(1, 9):
        claimed = queue.claim()
        assert claimed is not None, crash
        time.sleep(0.02)  # its process "dies": the lease runs out unrenewed
        assert queue.claim() is None  # taken back, with a pause that grows each time
        db = sqlite3.connect(path)
        db.execute("UPDATE deliveries SET not_before = 0")  # skip the pause
        db.commit()
        db.close()
    health = queue.health()
    assert health.failed == 1 and health.backlog == 0


def test_a_dead_process_s_delivery_is_taken_back_at_the_next_start(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    # A child process claims a delivery and is killed while working on it.
    code = (
        "import os, sys, signal; from pathlib import Path; from bot.queue import SqliteQueue\n"
        f"q = SqliteQueue(Path({str(path)!r}), lease_seconds=600)\n"
        "assert q.claim() is not None\nos.kill(os.getpid(), signal.SIGKILL)\n"
    )
    queue = SqliteQueue(path, lease_seconds=600)
    queue.put("a", "pull_request", "acme/plans#1", True, b"{}")
    subprocess.run([sys.executable, "-c", code], check=False, cwd=Path(__file__).parent.parent)
    queue.put("b", "pull_request", "acme/plans#1", True, b"{}")
    assert queue.claim() is None  # #1 looks in hand, its lease has 10 minutes to run
    assert queue.recover() == 1  # what the worker does at start: the owner is gone
    claimed = queue.claim()
    assert claimed is not None and claimed.id == "b"  # coalesced with a, at once


def test_a_lease_is_renewed_while_work_runs_and_released_on_shutdown(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite3", lease_seconds=0.3)
    queue.put("a", "push", "acme/plans@release", False, b"{}")
    claimed = queue.claim()
    assert claimed is not None
    for _ in range(4):
        time.sleep(0.15)
        assert queue.renew("a")
    other = SqliteQueue(tmp_path / "q.sqlite3", lease_seconds=0.3)
    assert other.claim() is None  # still ours after 0.6 s: renewed
    queue.release("a")
    again = other.claim()
    assert again is not None and again.id == "a" and again.attempts == 1  # not counted twice


def test_retention_forgets_old_deliveries_and_keeps_the_file_bounded(tmp_path: Path) -> None:
    path = tmp_path / "q.sqlite3"
    queue = SqliteQueue(path)
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
        sizes.append(path.stat().st_size + Path(f"{path}-wal").stat().st_size)
    assert queue.health().counts == {}
    assert sizes[2] <= sizes[0] * 1.2, sizes  # space is reused, not grown


def test_health_reports_backlog_age_and_failures(tmp_path: Path) -> None:
    queue = SqliteQueue(tmp_path / "q.sqlite3")
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
    assert migrate(path) == 2  # once only
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
    assert first.code == 0 and "schema 0 -> 2" in first.out
    again = run_cli("bot", "migrate", "--data-dir", str(data))
    assert again.code == 0 and "up to date" in again.out
    (tmp_path / "file").write_text("not a folder")
    bad = run_cli("bot", "migrate", "--data-dir", str(tmp_path / "file"))
    assert bad.code == 2 and "cannot create or migrate the queue" in bad.err
    assert "Traceback" not in bad.err
