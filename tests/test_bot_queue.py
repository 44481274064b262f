"""The delivery queue: durable, deduplicated, coalesced per pull request, restart-safe."""

from __future__ import annotations

import time
from pathlib import Path

from bot.queue import SqliteQueue


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
    again = reopened.claim()
    assert again is not None and again.id == "b" and again.attempts == 2
    assert reopened.claim() is None  # a waits for its retry time
