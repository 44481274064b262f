"""The delivery queue on PostgreSQL: one queue shared by any number of hosts."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from psycopg import errors
from psycopg_pool import ConnectionPool

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
from bot.queue.redact import scrub

log = logging.getLogger("trackplan.bot")

SCHEMA_VERSION = 1
# The server's clock, never a host's: leases and pacing slots are compared across hosts.
NOW = "extract(epoch from clock_timestamp())::double precision"
CHANNEL = "trackplan_deliveries"  # NOTIFY on every stored delivery: idle workers wake at once
# One lock id for migrations: two hosts starting at once migrate one after the other.
MIGRATION_LOCK = 0x7472_6163_6B70  # "trackp"
# Every connection gives up on a server that vanished without a word (a failover to another
# address, a dead host): connecting in 5 s, a silent peer noticed by keepalives and unacked
# data by the TCP user timeout, instead of the kernel's minutes.
LINK: dict[str, Any] = {
    "connect_timeout": 5, "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
    "keepalives_count": 3, "tcp_user_timeout": 15_000,
}  # fmt: skip
# Queue statements never wait long for a lock (a claim of the same key held by a process that
# was stopped mid-transaction): an ack fails with 503 instead of hanging.
POOLED: dict[str, Any] = {**LINK, "autocommit": True, "options": "-c lock_timeout=3000"}
MIGRATIONS = {
    1: f"""
CREATE TABLE trackplan_deliveries (
    seq BIGSERIAL PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    key TEXT,
    coalesce_ BOOLEAN NOT NULL DEFAULT FALSE,
    payload BYTEA NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    not_before DOUBLE PRECISION NOT NULL DEFAULT 0,
    lease_until DOUBLE PRECISION NOT NULL DEFAULT 0,
    owner TEXT,
    error TEXT,
    received DOUBLE PRECISION NOT NULL,
    finished DOUBLE PRECISION NOT NULL DEFAULT 0,
    crashes INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX trackplan_deliveries_ready ON trackplan_deliveries (status, not_before, seq);
CREATE INDEX trackplan_deliveries_key ON trackplan_deliveries (key, status, received);
-- The rule "one pull request at a time", kept by the server whatever a process does.
CREATE UNIQUE INDEX trackplan_deliveries_one_per_key ON trackplan_deliveries (key)
    WHERE status = '{PROCESSING}';
-- GitHub write pacing shared by every host: the next free slot per installation.
CREATE TABLE trackplan_pacing (
    key TEXT PRIMARY KEY,
    next_at DOUBLE PRECISION NOT NULL
);
""",
}
_TAKE_BACK = (
    "UPDATE trackplan_deliveries SET owner = NULL, lease_until = 0, crashes = crashes + 1,"
    f" status = CASE WHEN crashes + 1 >= {MAX_CRASHES} THEN '{FAILED}' ELSE '{QUEUED}' END,"
    f" finished = CASE WHEN crashes + 1 >= {MAX_CRASHES} THEN {NOW} ELSE 0 END,"
    f" error = CASE WHEN crashes + 1 >= {MAX_CRASHES} THEN"
    "   'the process working on it stopped ' || (crashes + 1) || ' times' ELSE error END,"
    f" not_before = {NOW} + LEAST(600, 1 << LEAST(crashes + 1, 10))"
)
_COLUMNS = "seq, id, event, key, coalesce_, payload, attempts, received"


def _insert_order(row: tuple[Any, ...]) -> tuple[bool, str]:
    """Keyed rows first, as they came (a stable sort); rows without a key by id."""
    return (row[2] is None, row[0] if row[2] is None else "")


def migrate(url: str) -> int:
    """Create or upgrade the queue's tables; returns the schema version they had."""
    with psycopg.connect(url, autocommit=True, **LINK) as db, db.transaction():
        db.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        db.execute("CREATE TABLE IF NOT EXISTS trackplan_schema (version INTEGER NOT NULL)")
        row = db.execute("SELECT version FROM trackplan_schema").fetchone()
        before = int(row[0]) if row else 0
        for version in range(before + 1, SCHEMA_VERSION + 1):
            db.execute(MIGRATIONS[version].encode())
        if row is None:
            db.execute("INSERT INTO trackplan_schema (version) VALUES (%s)", (SCHEMA_VERSION,))
        elif before < SCHEMA_VERSION:
            db.execute("UPDATE trackplan_schema SET version = %s", (SCHEMA_VERSION,))
        return before


def schema_version(url: str) -> int:
    with psycopg.connect(url, autocommit=True, **LINK) as db:
        exists = db.execute("SELECT to_regclass('trackplan_schema')").fetchone()
        if exists is None or exists[0] is None:
            return 0
        row = db.execute("SELECT version FROM trackplan_schema").fetchone()
        return int(row[0]) if row else 0


class PostgresQueue(DeliveryQueue):
    """Deliveries in one PostgreSQL table, shared by every web and worker process.

    Same contract as the SQLite queue: a claimed delivery is leased and the lease renewed
    while it runs; one delivery per key is in hand at a time (a unique index says so); a
    burst for one key is coalesced to its newest delivery. Times are the server's clock.
    """

    def __init__(self, url: str, lease_seconds: float = 30.0, settle_seconds: float = 0.0,
                 max_settle_seconds: float = 2.0, pool_size: int = 8) -> None:  # fmt: skip
        self.url = url
        self.lease_seconds = lease_seconds
        self.settle_seconds = settle_seconds
        self.max_settle_seconds = max_settle_seconds
        self._settling: Settling = NOT_SETTLING
        self._puts: GroupCommit[NewDelivery, bool] = GroupCommit(self.put_many)
        self.pool_size = pool_size
        self.owner = process_identity()
        self._pool: ConnectionPool[Any] | None = None
        self._pool_pid = 0
        self._pool_lock = threading.Lock()
        self._listening = threading.Event()
        self._closed = False
        if schema_version(url) < SCHEMA_VERSION:
            migrate(url)  # a plain `create_app()` without `trackplan bot migrate` first

    def _connections(self) -> ConnectionPool[Any]:
        with self._pool_lock:
            if self._closed:
                raise RuntimeError("the delivery queue is closed")
            if self._pool is None or self._pool_pid != os.getpid():
                # Never share connections across a fork (gunicorn's workers): a new pool.
                # An ack waits at most 5 s for a connection: GitHub gives up after 10. Each
                # is checked as it is handed out (one empty round trip): after a restart or
                # failover of the server the pool's connections are all dead at once.
                self._pool = ConnectionPool(
                    self.url, min_size=1, max_size=self.pool_size, timeout=5,
                    kwargs=POOLED, open=True, name="trackplan-queue",
                    check=ConnectionPool.check_connection,
                    # Reconnection backs off 1, 2, 4 ... s; starting over every 10 s keeps
                    # the wait after the server is back to seconds, not minutes.
                    reconnect_timeout=10,
                )  # fmt: skip
                self.owner = process_identity()
                self._pool_pid = os.getpid()
            return self._pool

    def _run(self, sql: str, params: Any = None) -> tuple[list[tuple[Any, ...]], int]:
        """One statement on a pooled connection: the rows it returned and the rows it hit."""
        with self._connections().connection() as db:
            cursor = db.execute(sql.encode(), params)
            rows = cursor.fetchall() if cursor.description is not None else []
            return rows, cursor.rowcount

    def put(self, delivery_id: str, event: str, key: str | None, coalesce: bool,
            payload: bytes) -> bool:  # fmt: skip
        # Acks that arrive together are committed together (bot/queue/group.py): one round
        # trip and one commit for the group. A known id is taken again only when its
        # processing failed (a redelivery).
        return self._puts.submit((delivery_id, event, key, coalesce, payload))

    def put_many(self, deliveries: Sequence[NewDelivery]) -> list[bool]:
        return stored_once(deliveries, self._store)

    def _store(self, deliveries: list[NewDelivery]) -> set[str]:
        # The transaction holds each key's lock until it commits, as a claim does: a claim
        # coalescing the key's burst never misses a delivery that took its number but has
        # not committed yet. A stored delivery wakes the idle workers of every host.
        # In arrival order (a key's newest delivery must get its highest number: claims keep
        # that one), except deliveries without a key, in id order: two groups that both
        # hold such a redelivered id wait for each other in one order, never in a circle
        # (a keyed one is serialised by its key's lock first).
        unique = sorted(deliveries, key=_insert_order)
        keys = sorted({row[2] for row in unique if row[2] is not None})
        values = ", ".join(["(%s, %s, %s, %s::boolean, %s::bytea, %s::int)"] * len(unique))
        # One statement, one round trip: the keys' locks (in lock-id order, whatever the
        # keys: two groups never wait in a circle), then the rows, then a notice per key.
        rows, _ = self._run(
            "WITH locks AS (SELECT pg_advisory_xact_lock(lock) FROM (SELECT DISTINCT"
            "  hashtextextended(k, 0) AS lock FROM unnest(%s::text[]) AS k ORDER BY lock)"
            "  AS ordered),"
            " stored AS (INSERT INTO trackplan_deliveries"
            "  (id, event, key, coalesce_, payload, status, received)"
            f" SELECT id, event, key, coalesce_, payload, '{QUEUED}', {NOW}"
            f"  FROM (VALUES {values}) AS given (id, event, key, coalesce_, payload, n)"
            "  CROSS JOIN (SELECT count(*) FROM locks) AS held ORDER BY n"
            "  ON CONFLICT (id) DO UPDATE SET status = excluded.status, attempts = 0,"
            "  not_before = 0, error = NULL, payload = excluded.payload, finished = 0,"
            "  received = excluded.received"
            f"  WHERE trackplan_deliveries.status = '{FAILED}' RETURNING id, key)"
            # The idle workers of every host learn each stored key (one with no key, or too
            # long to send, wakes them all): a burst they wait out does not wake them.
            f" SELECT id, pg_notify('{CHANNEL}', CASE WHEN key IS NULL OR"
            "  octet_length(key) > 1000 THEN '' ELSE key END) FROM stored",
            [keys, *(value for n, row in enumerate(unique) for value in (*row, n))],
        )  # fmt: skip
        return {row[0] for row in rows}

    def claim(self) -> Delivery | None:
        self._settling = NOT_SETTLING  # what this claim finds, even if it fails
        with self._connections().connection() as db:
            db.execute(
                (_TAKE_BACK + f" WHERE status = %s AND lease_until < {NOW}").encode(),
                (PROCESSING,),
            )
            skip: dict[str, float] = {}  # bursts that go on: when each may settle
            try:
                return self._claim(db, skip)
            finally:
                self._settling = (frozenset(skip), min(skip.values(), default=0.0))

    def settling(self) -> Settling:
        return self._settling

    def _claim(self, db: psycopg.Connection[Any], skip: dict[str, float]) -> Delivery | None:
        for _ in range(32):
            row = db.execute(
                f"SELECT {_COLUMNS}, {NOW},"
                " (SELECT MAX(q.received) FROM trackplan_deliveries q WHERE q.key = d.key"
                "  AND q.status = %(queued)s)"
                " FROM trackplan_deliveries d WHERE status = %(queued)s"
                f" AND not_before <= {NOW} AND (key IS NULL OR (NOT EXISTS (SELECT 1"
                "  FROM trackplan_deliveries p WHERE p.key = d.key"
                "  AND p.status = %(processing)s) AND NOT key = ANY(%(skip)s::text[])))"
                " ORDER BY seq LIMIT 1".encode(),
                {"queued": QUEUED, "processing": PROCESSING, "skip": sorted(skip)},
            ).fetchone()
            if row is None:
                return None
            settles = self._settles(row)
            if settles is not None:
                skip[row[3]] = settles  # its burst goes on: look past it
                continue
            claimed = self._take(db, row[:8])
            if claimed is not None:
                return claimed
        return None

    def _settles(self, row: tuple[Any, ...]) -> float | None:
        """When the row's burst may settle, if it goes on still (None: work on it now)."""
        key, coalesce, received, now, newest = row[3], row[4], row[7], row[8], row[9]
        if key is None or not coalesce:
            return None
        if not burst_goes_on(self.settle_seconds, self.max_settle_seconds, received, now,
                             lambda: float(newest)):  # fmt: skip
            return None
        # In this host's time: the database's clock may be another's.
        return time.time() + settles_at(self.settle_seconds, self.max_settle_seconds, received,
                                        float(newest)) - float(now)  # fmt: skip

    def _take(self, db: psycopg.Connection[Any], row: tuple[Any, ...]) -> Delivery | None:
        """Lease the newest queued delivery of the row's key (or the row itself); None when
        another process took it or its key first."""
        seq, delivery_id, event, key, coalesce, payload, attempts, received = row
        try:
            with db.transaction():
                if key is not None:
                    # Processes taking the same key queue here for microseconds; the loser
                    # then sees the winner's delivery in hand.
                    db.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (key,))
                    busy = db.execute(
                        "SELECT 1 FROM trackplan_deliveries WHERE key = %s AND status = %s",
                        (key, PROCESSING),
                    ).fetchone()
                    if busy:
                        return None
                if key is not None and coalesce:
                    latest = db.execute(
                        "SELECT seq, id, event, payload, attempts, received"
                        " FROM trackplan_deliveries WHERE key = %s AND status = %s"
                        " AND coalesce_ ORDER BY seq DESC LIMIT 1",
                        (key, QUEUED),
                    ).fetchone()
                    if latest is not None:  # every older one, ready or waiting for a retry
                        db.execute(
                            f"UPDATE trackplan_deliveries SET status = %s, finished = {NOW}"
                            " WHERE key = %s AND status = %s AND coalesce_ AND seq < %s".encode(),
                            (SUPERSEDED, key, QUEUED, latest[0]),
                        )
                        # The newest stands for the older ones, and is as old as the oldest.
                        received = min(received, latest[5])
                        seq, delivery_id, event, payload, attempts = latest[:5]
                taken = db.execute(
                    f"UPDATE trackplan_deliveries SET status = %s, lease_until = {NOW} + %s,"
                    " owner = %s, attempts = attempts + 1, received = %s"
                    " WHERE seq = %s AND status = %s".encode(),
                    (PROCESSING, self.lease_seconds, self.owner, received, seq, QUEUED),
                ).rowcount
        except errors.UniqueViolation:
            return None  # the key is in hand elsewhere after all: the index said no
        if not taken:
            return None
        return Delivery(delivery_id, event, key, bool(coalesce), bytes(payload), attempts + 1,
                        received)  # fmt: skip

    def renew(self, delivery_id: str) -> bool:
        _, hit = self._run(
            f"UPDATE trackplan_deliveries SET lease_until = {NOW} + %s"
            " WHERE id = %s AND status = %s AND owner = %s",
            (self.lease_seconds, delivery_id, PROCESSING, self.owner),
        )
        return hit == 1

    def release(self, delivery_id: str) -> None:
        self._run(
            "UPDATE trackplan_deliveries SET status = %s, lease_until = 0, owner = NULL,"
            " attempts = GREATEST(attempts - 1, 0) WHERE id = %s AND status = %s AND owner = %s",
            (QUEUED, delivery_id, PROCESSING, self.owner),
        )

    def recover(self) -> int:
        rows, _ = self._run(
            "SELECT DISTINCT owner FROM trackplan_deliveries"
            " WHERE status = %s AND owner IS NOT NULL", (PROCESSING,),
        )  # fmt: skip
        owners = [row[0] for row in rows]
        gone = [owner for owner in owners if owner != self.owner and owner_is_gone(owner)]
        taken = 0
        for owner in gone:  # only this host's processes: another host's lease runs out
            taken += self._run(
                _TAKE_BACK + " WHERE status = %s AND owner = %s", (PROCESSING, owner)
            )[1]
        return taken

    def _set(self, delivery_id: str, status: str, error: str | None, delay: float = 0) -> None:
        """Settle a delivery this process holds; a lease lost meanwhile is left alone."""
        finished = NOW if status in FINISHED else "0"
        not_before = f"{NOW} + %(delay)s" if status == QUEUED else "0"
        self._run(
            f"UPDATE trackplan_deliveries SET status = %(status)s, error = %(error)s,"
            f" not_before = {not_before}, lease_until = 0, owner = NULL, finished = {finished}"
            " WHERE id = %(id)s AND status = %(processing)s AND owner = %(owner)s",
            {"status": status, "error": error, "delay": delay, "id": delivery_id,
             "processing": PROCESSING, "owner": self.owner},
        )  # fmt: skip

    def finish(self, delivery_id: str) -> None:
        self._set(delivery_id, DONE, None)

    def retry(self, delivery_id: str, delay: float, error: str) -> None:
        self._set(delivery_id, QUEUED, error, delay)

    def fail(self, delivery_id: str, error: str) -> None:
        self._set(delivery_id, FAILED, error)

    def prune(self, older_than_seconds: float) -> int:
        return self._run(
            f"DELETE FROM trackplan_deliveries WHERE status = ANY(%s) AND finished < {NOW} - %s",
            (list(FINISHED), older_than_seconds),
        )[1]

    def checkpoint(self) -> None:
        """Nothing to do: the server's autovacuum keeps the table in shape."""

    def latest_payloads(self, event: str) -> list[bytes]:
        rows, _ = self._run(
            "SELECT DISTINCT ON (key) payload FROM trackplan_deliveries"
            " WHERE event = %s AND key IS NOT NULL ORDER BY key, seq DESC",
            (event,),
        )
        return [bytes(row[0]) for row in rows]

    def health(self) -> Health:
        with self._connections().connection() as db:
            counts = {s: int(n) for s, n in db.execute(
                "SELECT status, COUNT(*) FROM trackplan_deliveries GROUP BY status")}  # fmt: skip
            oldest = db.execute(
                f"SELECT {NOW} - MIN(received) FROM trackplan_deliveries"
                " WHERE status = ANY(%s)".encode(),
                ([QUEUED, PROCESSING],),
            ).fetchone()[0]
        return Health(
            counts=counts,
            backlog=counts.get(QUEUED, 0) + counts.get(PROCESSING, 0),
            oldest_pending_seconds=round(max(0.0, oldest), 1) if oldest else 0.0,
            failed=counts.get(FAILED, 0),
        )

    def reserve_write(self, key: str, interval: float) -> float:
        # The next free slot of this key, taken in one statement: hosts never share a slot.
        rows, _ = self._run(
            "INSERT INTO trackplan_pacing AS p (key, next_at)"
            f" VALUES (%(key)s, {NOW} + %(interval)s) ON CONFLICT (key) DO UPDATE"
            f" SET next_at = GREATEST(p.next_at, {NOW}) + %(interval)s"
            f" RETURNING p.next_at - %(interval)s - {NOW}",
            {"key": key, "interval": interval},
        )
        return max(0.0, float(rows[0][0])) if rows else 0.0

    def subscribe(self, stored: Callable[[str | None], None]) -> None:
        if self._listening.is_set():
            return
        self._listening.set()
        threading.Thread(target=self._listen, args=(stored,), name="trackplan-listen",
                         daemon=True).start()  # fmt: skip

    def unsubscribe(self) -> None:
        self._listening.clear()

    def _listen(self, stored: Callable[[str | None], None]) -> None:
        """Tell the worker of every stored delivery; polling covers a lost connection."""
        while self._listening.is_set():
            try:
                with psycopg.connect(self.url, autocommit=True, **LINK) as db:
                    db.execute(f"LISTEN {CHANNEL}")
                    while self._listening.is_set():
                        for notice in db.notifies(timeout=1.0, stop_after=1):
                            stored(notice.payload or None)
            except psycopg.Error as exc:
                log.warning("listening for new deliveries failed (%s); polling meanwhile",
                            scrub(str(exc), self.url))  # fmt: skip
                threading.Event().wait(5)

    def close(self) -> None:
        self.unsubscribe()
        with self._pool_lock:
            self._closed = True
            if self._pool is not None and self._pool_pid == os.getpid():
                self._pool.close()
            self._pool = None
