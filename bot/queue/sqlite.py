"""The delivery queue on SQLite: one data folder, any number of processes on one host."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from bot.queue.base import (
    DONE,
    FAILED,
    FINISHED,
    MAX_CRASHES,
    NOT_SETTLING,
    PROCESSING,
    QUEUED,
    SUPERSEDED,
    Delivery,
    DeliveryQueue,
    Health,
    NewDelivery,
    Settling,
    burst_goes_on,
    settles_at,
    stored_once,
)
from bot.queue.group import GroupCommit
from bot.queue.identity import owner_is_gone, process_identity

try:
    import fcntl
except ImportError:  # Windows: SQLite's busy handler does the waiting
    fcntl = None  # type: ignore[assignment]

SCHEMA_VERSION = 3
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
CREATE INDEX IF NOT EXISTS deliveries_key ON deliveries (key, status, received);
CREATE TABLE IF NOT EXISTS pacing (key TEXT PRIMARY KEY, next_at REAL NOT NULL);
"""
# Columns added since the first release: migrate() adds what an older file lacks.
ADDED_COLUMNS = {
    "owner": "TEXT",  # host/pid/start-time of the process holding the lease
    "finished": "REAL NOT NULL DEFAULT 0",  # when it reached done, failed or superseded
    "crashes": "INTEGER NOT NULL DEFAULT 0",  # times its process died while working on it
}
BUSY_TIMEOUT_MS = 30_000
# One statement stores a group of deliveries (SQLite's RETURNING: 3.35 or newer); rows of
# at most 100 keep it under old SQLite's 999 parameters.
_PUT_ROWS = 100
_PUT = (
    "INSERT INTO deliveries (id, event, key, coalesce_, payload, status, received) VALUES {rows}"
    " ON CONFLICT(id) DO UPDATE SET status = excluded.status, attempts = 0,"
    " not_before = 0, error = NULL, payload = excluded.payload, finished = 0,"
    " received = excluded.received WHERE deliveries.status = ? RETURNING id"
)
_TAKE_BACK = (
    "UPDATE deliveries SET owner = NULL, lease_until = 0, crashes = crashes + 1,"
    f" status = CASE WHEN crashes + 1 >= {MAX_CRASHES} THEN 'failed' ELSE 'queued' END,"
    f" finished = CASE WHEN crashes + 1 >= {MAX_CRASHES} THEN :now ELSE 0 END,"
    f" error = CASE WHEN crashes + 1 >= {MAX_CRASHES} THEN"
    "   'the process working on it stopped ' || (crashes + 1) || ' times' ELSE error END,"
    " not_before = :now + MIN(600, 1 << MIN(crashes + 1, 10))"
)


def connect(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA synchronous=NORMAL")
    # Checkpoints copy the log into the file: half the cost of an insert when one falls due
    # in the ack path, so the worker runs them (`checkpoint`) instead of every commit.
    db.execute("PRAGMA wal_autocheckpoint=0")
    return db


def migrate(path: Path) -> int:
    """Create or upgrade the queue's database; returns the schema version it had.

    Run before the workers start (gunicorn's `on_starting`, `trackplan bot migrate`), and by
    any process that opens a queue it finds missing or old: switching to WAL needs the
    database to itself, so processes migrate one at a time, each checking again first.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    db = connect(path)
    try:
        current = int(db.execute("PRAGMA user_version").fetchone()[0])
    finally:
        db.close()
    if current >= SCHEMA_VERSION:
        return current  # up to date: no lock taken (nor a lock file needed)
    # Workers booting together (gunicorn started without its config, `trackplan bot worker`
    # beside it) would otherwise switch the file to WAL at once, and one of them fails with
    # 'database is locked': they take the writers' turns.
    lock = _write_lock(path)
    try:
        with lock:
            return _migrate(path)
    finally:
        lock.close()


def _migrate(path: Path) -> int:
    db = connect(path)
    try:
        before = int(db.execute("PRAGMA user_version").fetchone()[0])
        if before >= SCHEMA_VERSION:
            return before
        db.execute("PRAGMA journal_mode=WAL")  # persistent: stored in the file
        db.execute("BEGIN IMMEDIATE")
        try:
            for statement in SCHEMA.split(";"):
                if statement.strip():
                    db.execute(statement)
            have = {row[1] for row in db.execute("PRAGMA table_info(deliveries)")}
            for column, kind in ADDED_COLUMNS.items():
                if column not in have:
                    db.execute(f"ALTER TABLE deliveries ADD COLUMN {column} {kind}")
            # Rows finished before the column existed age from when they arrived.
            db.execute(
                "UPDATE deliveries SET finished = received WHERE finished = 0"
                " AND status IN (?, ?, ?)",
                FINISHED,
            )
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return before
    finally:
        db.close()


class _WriteLock:
    """Every writer of the queue on this host, thread or process, takes its turn here.

    SQLite's own busy handler sleeps in growing steps (1, 2, 5, 10 ... ms) while the write
    it waits for takes microseconds, and an ack waiting in it holds back the other acks of
    its process. Here threads of one process queue on a thread lock (flock would not tell
    them apart) and processes on a flock, tried again every 50 us to 1 ms, for as long as
    SQLite would have waited (then "database is locked", as SQLite says). Without flock
    (Windows, a lock file that cannot be opened) SQLite's busy handler waits instead.
    """

    def __init__(self, path: Path) -> None:
        self._path = path
        self._threads = threading.Lock()
        self._fd: int | None = None
        self._pid = 0  # the process that opened _fd: a forked child opens its own

    def _file(self) -> int | None:
        if self._pid != os.getpid() and self._fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._fd)  # the parent's: its lock must not outlive the parent
            self._fd = None
        if self._fd is None:
            try:  # read-only is enough for flock: a lock file of another user still works
                flags = os.O_RDONLY | os.O_CREAT | getattr(os, "O_NOFOLLOW", 0)
                self._fd = os.open(self._path, flags | getattr(os, "O_CLOEXEC", 0), 0o644)
                self._pid = os.getpid()
            except OSError:
                return None  # tried again at the next write; SQLite waits meanwhile
        return self._fd

    def __enter__(self) -> None:
        self._threads.acquire()
        try:
            fd = self._file()
            if fd is not None and fcntl is not None:
                self._flock(fd)
        except OSError:
            pass  # a filesystem without flock: SQLite's busy handler waits instead
        except BaseException:
            self._threads.release()
            raise

    @staticmethod
    def _flock(fd: int) -> None:
        assert fcntl is not None
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        pause = 0.00005
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if time.monotonic() > deadline:  # a frozen process holds it: give up
                    raise sqlite3.OperationalError("database is locked") from None
                time.sleep(pause)
                pause = min(pause * 2, 0.001)

    def close(self) -> None:
        if self._fd is not None and self._pid == os.getpid():
            with contextlib.suppress(OSError):
                os.close(self._fd)
        self._fd = None

    def __exit__(self, *exc: object) -> None:
        try:
            if self._fd is not None and fcntl is not None and self._pid == os.getpid():
                fcntl.flock(self._fd, fcntl.LOCK_UN)
        except OSError:
            pass
        finally:
            self._threads.release()


def _write_lock(path: Path) -> _WriteLock:
    return _WriteLock(path.with_name(path.name + ".lock"))


class SqliteQueue(DeliveryQueue):
    """SQLite in WAL mode: safe across threads and gunicorn worker processes.

    A claimed delivery is leased for `lease_seconds` and the lease is renewed while the work
    runs; when its process dies the delivery is taken back at the next start on this host,
    or when the short lease runs out, so a crash delays work by seconds, not minutes.
    """

    def __init__(self, path: Path, lease_seconds: float = 30.0, settle_seconds: float = 0.0,
                 max_settle_seconds: float = 2.0) -> None:  # fmt: skip
        self.path = path
        self.lease_seconds = lease_seconds
        # A burst for one key (pushes to a PR, a flood of reviews) is worked on once it has
        # been quiet for `settle_seconds`, or `max_settle_seconds` after it began.
        self.settle_seconds = settle_seconds
        self.max_settle_seconds = max_settle_seconds
        self.owner = process_identity()
        self._local = threading.local()
        # Writers take turns in a lock of our own, not in SQLite's (see _WriteLock).
        self._write = _write_lock(path)
        self._puts: GroupCommit[NewDelivery, bool] = GroupCommit(self.put_many)
        self._settling: Settling = NOT_SETTLING
        if not path.exists() or self._version() < SCHEMA_VERSION:
            migrate(path)  # a plain `create_app()` without gunicorn's on_starting hook

    def _version(self) -> int:
        return int(self._db().execute("PRAGMA user_version").fetchone()[0])

    def _db(self) -> sqlite3.Connection:
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None or getattr(self._local, "pid", None) != os.getpid():
            db = connect(self.path)  # never share a connection across a fork
            self._local.db, self._local.pid = db, os.getpid()
        return db

    def close(self) -> None:
        self._write.close()  # the lock file; a later write opens it again

    def put(self, delivery_id: str, event: str, key: str | None, coalesce: bool,
            payload: bytes) -> bool:  # fmt: skip
        # Acks that arrive together are committed together (bot/queue/group.py). A known id
        # is taken again only when its processing failed (a redelivery).
        return self._puts.submit((delivery_id, event, key, coalesce, payload))

    def put_many(self, deliveries: Sequence[NewDelivery]) -> list[bool]:
        return stored_once(deliveries, self._store)

    def _store(self, deliveries: list[NewDelivery]) -> set[str]:
        # One statement per 100 rows: a statement per row gave the GIL away and back twice
        # per ack.
        now = time.time()
        rows = [(delivery_id, event, key, int(coalesce), payload, QUEUED, now)
                for delivery_id, event, key, coalesce, payload in deliveries]  # fmt: skip
        stored: set[str] = set()
        with self._write:
            db = self._db()
            many = len(rows) > _PUT_ROWS
            if many:
                db.execute("BEGIN IMMEDIATE")
            try:
                for start in range(0, len(rows), _PUT_ROWS):
                    chunk = rows[start : start + _PUT_ROWS]
                    sql = _PUT.format(rows=",".join(["(?, ?, ?, ?, ?, ?, ?)"] * len(chunk)))
                    params = [value for row in chunk for value in row] + [FAILED]
                    stored.update(found[0] for found in db.execute(sql, params).fetchall())
                if many:
                    db.execute("COMMIT")
            except BaseException:
                if many:
                    db.execute("ROLLBACK")
                raise
        return stored

    def claim(self) -> Delivery | None:
        # The search reads a WAL snapshot without the write lock, so acks (inserts) never
        # wait for it; only the short update that takes the delivery is a write.
        self._settling = NOT_SETTLING  # what this claim finds, even if it fails
        self._requeue_expired()
        skip: dict[str, float] = {}  # bursts that go on: when each may settle
        try:
            for _ in range(32):
                found = self._candidate(set(skip))
                if found is None:
                    return None
                row, settles = found
                if settles is not None:
                    skip[row[3]] = settles  # its burst goes on: look past it
                    continue
                claimed = self._take(row)
                if claimed is not None:
                    return claimed
            return None
        finally:
            self._settling = (frozenset(skip), min(skip.values(), default=0.0))

    def settling(self) -> Settling:
        return self._settling

    def _requeue_expired(self) -> None:
        """A lease that ran out belongs to a process that died or hangs: work it again."""
        now = time.time()
        db = self._db()
        expired = db.execute(
            "SELECT 1 FROM deliveries WHERE status = ? AND lease_until < ? LIMIT 1",
            (PROCESSING, now),
        ).fetchone()
        if expired:
            with self._write:
                db.execute(
                    _TAKE_BACK + " WHERE status = 'processing' AND lease_until < :now",
                    {"now": now},
                )

    def _candidate(self, skip: set[str]) -> tuple[tuple[Any, ...], float | None] | None:
        """The oldest ready delivery whose key is not in hand, and when its key's burst may
        settle if it goes on still (None: work on it now)."""
        db = self._db()
        now = time.time()
        exclude = ",".join("?" * len(skip))
        row = db.execute(
            "SELECT seq, id, event, key, coalesce_, payload, attempts, received"
            " FROM deliveries d WHERE status = ? AND not_before <= ? AND (key IS NULL OR"
            " NOT EXISTS (SELECT 1 FROM deliveries p WHERE p.key = d.key AND p.status = ?))"
            + (f" AND (key IS NULL OR key NOT IN ({exclude}))" if skip else "")
            + " ORDER BY seq LIMIT 1",
            (QUEUED, now, PROCESSING, *sorted(skip)),
        ).fetchone()
        if row is None:
            return None
        key, coalesce, received = row[3], row[4], row[7]
        if key is None or not coalesce:
            return row, None
        newest: list[float] = []

        def newest_received() -> float:
            newest.append(float(db.execute(
                "SELECT MAX(received) FROM deliveries WHERE key = ? AND status = ?", (key, QUEUED)
            ).fetchone()[0]))  # fmt: skip
            return newest[0]

        if not burst_goes_on(self.settle_seconds, self.max_settle_seconds, received, now,
                             newest_received):  # fmt: skip
            return row, None
        return row, settles_at(self.settle_seconds, self.max_settle_seconds, received, newest[0])

    def _take(self, row: tuple[Any, ...]) -> Delivery | None:
        """Lease the newest queued delivery of the row's key (or the row itself), the older
        ones superseded; None when another process took it first."""
        seq, delivery_id, event, key, coalesce, payload, attempts, received = row
        if key is not None and coalesce:
            self._supersede_most(key)
        with self._write:
            now = time.time()  # after the wait for the lock: the lease is whole
            db = self._db()
            db.execute("BEGIN IMMEDIATE")
            try:
                if key is not None:
                    busy = db.execute(
                        "SELECT 1 FROM deliveries WHERE key = ? AND status = ? LIMIT 1",
                        (key, PROCESSING),
                    ).fetchone()
                    if busy:
                        db.execute("ROLLBACK")
                        return None
                if key is not None and coalesce:
                    latest = db.execute(
                        "SELECT seq, id, event, payload, attempts, received FROM deliveries"
                        " WHERE key = ? AND status = ? AND coalesce_ = 1 ORDER BY seq DESC"
                        " LIMIT 1",
                        (key, QUEUED),
                    ).fetchone()
                    if latest is not None:
                        # Every older one, ready or waiting to be retried: the newest stands
                        # for them, as old as the oldest (retries give up no later).
                        db.execute(
                            "UPDATE deliveries SET status = ?, finished = ? WHERE key = ?"
                            " AND status = ? AND coalesce_ = 1 AND seq < ?",
                            (SUPERSEDED, now, key, QUEUED, latest[0]),
                        )
                        received = min(received, latest[5])
                        seq, delivery_id, event, payload, attempts = latest[:5]
                taken = db.execute(
                    "UPDATE deliveries SET status = ?, lease_until = ?, owner = ?,"
                    " attempts = attempts + 1, received = ? WHERE seq = ? AND status = ?",
                    (PROCESSING, now + self.lease_seconds, self.owner, received, seq, QUEUED),
                ).rowcount
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
        if not taken:
            return None
        return Delivery(delivery_id, event, key, bool(coalesce), payload, attempts + 1, received)

    def _supersede_most(self, key: str) -> None:
        """Before the take, and holding nothing: mark a long burst's older deliveries
        superseded 500 at a time (thousands in the take's one write held every ack of the
        host back for tens of milliseconds). The take supersedes the rest, whatever arrived
        meanwhile; a failure here leaves nothing in hand."""
        db = self._db()
        newest = db.execute(
            "SELECT MAX(seq) FROM deliveries WHERE key = ? AND status = ? AND coalesce_ = 1",
            (key, QUEUED),
        ).fetchone()[0]
        while newest is not None:
            older = db.execute(
                "SELECT COUNT(*) FROM (SELECT 1 FROM deliveries WHERE key = ? AND status = ?"
                " AND coalesce_ = 1 AND seq < ? LIMIT 501)",
                (key, QUEUED, newest),
            ).fetchone()[0]
            if older <= 500:
                return  # few enough for the take's own write
            with self._write:
                self._db().execute(
                    "UPDATE deliveries SET status = ?, finished = ? WHERE seq IN (SELECT seq"
                    " FROM deliveries WHERE key = ? AND status = ? AND coalesce_ = 1"
                    " AND seq < ? LIMIT 500)",
                    (SUPERSEDED, time.time(), key, QUEUED, newest),
                )

    def renew(self, delivery_id: str) -> bool:
        with self._write:
            cursor = self._db().execute(
                "UPDATE deliveries SET lease_until = ? WHERE id = ? AND status = ? AND owner = ?",
                (time.time() + self.lease_seconds, delivery_id, PROCESSING, self.owner),
            )
        return cursor.rowcount == 1

    def release(self, delivery_id: str) -> None:
        with self._write:
            self._db().execute(
                "UPDATE deliveries SET status = ?, lease_until = 0, owner = NULL,"
                " attempts = MAX(attempts - 1, 0) WHERE id = ? AND status = ? AND owner = ?",
                (QUEUED, delivery_id, PROCESSING, self.owner),
            )

    def recover(self) -> int:
        with self._write:
            db = self._db()
            owners = [row[0] for row in db.execute(
                "SELECT DISTINCT owner FROM deliveries WHERE status = ? AND owner IS NOT NULL",
                (PROCESSING,),
            )]  # fmt: skip
            gone = [owner for owner in owners if owner != self.owner and owner_is_gone(owner)]
            taken = 0
            for owner in gone:
                taken += db.execute(
                    _TAKE_BACK + " WHERE status = 'processing' AND owner = :owner",
                    {"now": time.time(), "owner": owner},
                ).rowcount
        return taken

    def _set(self, delivery_id: str, status: str, error: str | None, not_before: float = 0) -> None:
        """Settle a delivery this process holds; a lease lost meanwhile (taken back, given
        to another process) is left alone: its new holder settles it."""
        finished = time.time() if status in FINISHED else 0
        with self._write:
            self._db().execute(
                "UPDATE deliveries SET status = ?, error = ?, not_before = ?, lease_until = 0,"
                " owner = NULL, finished = ? WHERE id = ? AND status = ? AND owner = ?",
                (status, error, not_before, finished, delivery_id, PROCESSING, self.owner),
            )

    def finish(self, delivery_id: str) -> None:
        self._set(delivery_id, DONE, None)

    def retry(self, delivery_id: str, delay: float, error: str) -> None:
        self._set(delivery_id, QUEUED, error, time.time() + delay)

    def fail(self, delivery_id: str, error: str) -> None:
        self._set(delivery_id, FAILED, error)

    def prune(self, older_than_seconds: float) -> int:
        cutoff = time.time() - older_than_seconds
        with self._write:
            cursor = self._db().execute(
                "DELETE FROM deliveries WHERE status IN (?, ?, ?) AND finished < ?",
                (*FINISHED, cutoff),
            )
        return cursor.rowcount

    def checkpoint(self) -> None:
        self._db().execute("PRAGMA wal_checkpoint(PASSIVE)")

    def latest_payloads(self, event: str) -> list[bytes]:
        rows = self._db().execute(
            "SELECT payload FROM deliveries WHERE seq IN (SELECT MAX(seq) FROM deliveries"
            " WHERE event = ? AND key IS NOT NULL GROUP BY key)",
            (event,),
        )
        return [bytes(row[0]) for row in rows]

    def reserve_write(self, key: str, interval: float) -> float:
        now = time.time()  # one host: its clock is every process's clock
        with self._write:
            row = (
                self._db()
                .execute(
                    "INSERT INTO pacing (key, next_at) VALUES (:key, :now + :interval)"
                    " ON CONFLICT (key) DO UPDATE SET next_at = MAX(next_at, :now) + :interval"
                    " RETURNING next_at - :interval",
                    {"key": key, "now": now, "interval": interval},
                )
                .fetchone()
            )
        return max(0.0, float(row[0]) - now) if row else 0.0

    def health(self) -> Health:
        db = self._db()
        counts = {s: n for s, n in db.execute(
            "SELECT status, COUNT(*) FROM deliveries GROUP BY status")}  # fmt: skip
        oldest = db.execute(
            "SELECT MIN(received) FROM deliveries WHERE status IN (?, ?)", (QUEUED, PROCESSING)
        ).fetchone()[0]
        return Health(
            counts=counts,
            backlog=counts.get(QUEUED, 0) + counts.get(PROCESSING, 0),
            oldest_pending_seconds=round(max(0.0, time.time() - oldest), 1) if oldest else 0.0,
            failed=counts.get(FAILED, 0),
        )
