"""The durable delivery queue: webhook deliveries are stored first, then worked off."""

from __future__ import annotations

import sqlite3
import threading
import time
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path

QUEUED, PROCESSING, DONE, FAILED, SUPERSEDED = (
    "queued", "processing", "done", "failed", "superseded"
)  # fmt: skip


@dataclass(frozen=True)
class Delivery:
    id: str
    event: str
    key: str | None  # deliveries with one key are processed one at a time
    coalesce: bool  # a newer queued delivery with the same key makes this one moot
    payload: bytes
    attempts: int


class DeliveryQueue(ABC):
    """Where deliveries wait. SQLite is the default; another backend implements this."""

    @abstractmethod
    def put(self, delivery_id: str, event: str, key: str | None, coalesce: bool,
            payload: bytes) -> bool:  # fmt: skip
        """Store a delivery; False when the id is known already (and did not fail)."""

    @abstractmethod
    def claim(self) -> Delivery | None:
        """The next delivery to work on (leased to the caller), or None."""

    @abstractmethod
    def finish(self, delivery_id: str) -> None: ...

    @abstractmethod
    def retry(self, delivery_id: str, delay: float, error: str) -> None: ...

    @abstractmethod
    def fail(self, delivery_id: str, error: str) -> None: ...

    @abstractmethod
    def counts(self) -> dict[str, int]: ...


SCHEMA = """
CREATE TABLE IF NOT EXISTS deliveries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    key TEXT,
    coalesce_ INTEGER NOT NULL DEFAULT 0,
    payload BLOB NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before REAL NOT NULL DEFAULT 0,
    lease_until REAL NOT NULL DEFAULT 0,
    error TEXT,
    received REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS deliveries_status ON deliveries (status, not_before);
CREATE INDEX IF NOT EXISTS deliveries_key ON deliveries (key, status);
"""


class SqliteQueue(DeliveryQueue):
    """SQLite in WAL mode: safe across threads and gunicorn worker processes.

    A claimed delivery is leased; if its process dies, the lease runs out and another
    worker takes it again, so work survives a restart.
    """

    def __init__(self, path: Path, lease_seconds: float = 600.0) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.lease_seconds = lease_seconds
        self._local = threading.local()
        # Threads of one process take turns to write: SQLite's own busy handler sleeps in
        # steps of milliseconds, which would show in the webhook's ack latency.
        self._write = threading.Lock()
        with self._db() as db:
            db.executescript(SCHEMA)

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=NORMAL")
            self._local.db = db
        return db

    def put(self, delivery_id: str, event: str, key: str | None, coalesce: bool,
            payload: bytes) -> bool:  # fmt: skip
        # One statement, so the write lock is held for microseconds: acks stay fast under
        # load. A known id is taken again only when its processing failed (a redelivery).
        with self._write:
            cursor = self._db().execute(
                "INSERT INTO deliveries (id, event, key, coalesce_, payload, status, received)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)"
                " ON CONFLICT(id) DO UPDATE SET status = excluded.status, attempts = 0,"
                " not_before = 0, error = NULL, payload = excluded.payload,"
                " received = excluded.received WHERE deliveries.status = ?",
                (delivery_id, event, key, int(coalesce), payload, QUEUED, time.time(), FAILED),
            )
        return cursor.rowcount == 1

    def claim(self) -> Delivery | None:
        with self._write:
            return self._claim()

    def _claim(self) -> Delivery | None:
        db = self._db()
        now = time.time()
        db.execute("BEGIN IMMEDIATE")
        try:
            # A lease that ran out belongs to a process that died: work it again.
            db.execute(
                "UPDATE deliveries SET status = ? WHERE status = ? AND lease_until < ?",
                (QUEUED, PROCESSING, now),
            )
            row = db.execute(
                "SELECT seq, id, event, key, coalesce_, payload, attempts FROM deliveries d"
                " WHERE status = ? AND not_before <= ? AND (key IS NULL OR NOT EXISTS ("
                "   SELECT 1 FROM deliveries p WHERE p.key = d.key AND p.status = ?))"
                " ORDER BY seq LIMIT 1",
                (QUEUED, now, PROCESSING),
            ).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            seq, delivery_id, event, key, coalesce, payload, attempts = row
            if key is not None and coalesce:
                latest = db.execute(
                    "SELECT seq, id, event, payload, attempts FROM deliveries WHERE key = ? AND"
                    " status = ? AND coalesce_ = 1 ORDER BY seq DESC LIMIT 1",
                    (key, QUEUED),
                ).fetchone()
                if latest is not None and latest[0] != seq:
                    db.execute(
                        "UPDATE deliveries SET status = ? WHERE key = ? AND status = ?"
                        " AND coalesce_ = 1 AND seq < ?",
                        (SUPERSEDED, key, QUEUED, latest[0]),
                    )
                    seq, delivery_id, event, payload, attempts = latest
            db.execute(
                "UPDATE deliveries SET status = ?, lease_until = ?, attempts = attempts + 1"
                " WHERE seq = ?",
                (PROCESSING, now + self.lease_seconds, seq),
            )
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return Delivery(delivery_id, event, key, bool(coalesce), payload, attempts + 1)

    def _set(self, delivery_id: str, status: str, error: str | None, not_before: float = 0) -> None:
        with self._write:
            self._db().execute(
                "UPDATE deliveries SET status = ?, error = ?, not_before = ?, lease_until = 0"
                " WHERE id = ?",
                (status, error, not_before, delivery_id),
            )

    def finish(self, delivery_id: str) -> None:
        self._set(delivery_id, DONE, None)

    def retry(self, delivery_id: str, delay: float, error: str) -> None:
        self._set(delivery_id, QUEUED, error, time.time() + delay)

    def fail(self, delivery_id: str, error: str) -> None:
        self._set(delivery_id, FAILED, error)

    def counts(self) -> dict[str, int]:
        rows = self._db().execute("SELECT status, COUNT(*) FROM deliveries GROUP BY status")
        return {status: count for status, count in rows}
