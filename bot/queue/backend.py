"""Which delivery queue the bot uses: SQLite in its data folder, or PostgreSQL when
TRACKPLAN_DATABASE_URL names one (several hosts)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from bot.config import Config
from bot.queue.base import DeliveryQueue
from bot.queue.redact import redacted, scrub
from bot.queue.sqlite import SqliteQueue
from registry.records import record


class BackendError(Exception):
    """The queue's database cannot be reached, created or migrated; the message says which."""


@record(frozen=True)
class Migration:
    where: str  # the file, or the URL without its password
    before: int
    after: int


def queue_path(settings: Config) -> Path:
    return settings.data_dir / "queue.sqlite3"


def where(settings: Config) -> str:
    if settings.database_url:
        return redacted(settings.database_url)
    return str(queue_path(settings))


def open_queue(settings: Config) -> DeliveryQueue:
    if settings.database_url:
        from bot.queue.postgres import PostgresQueue

        return PostgresQueue(settings.database_url, lease_seconds=settings.lease_seconds,
                             settle_seconds=settings.settle_seconds)  # fmt: skip
    return SqliteQueue(queue_path(settings), lease_seconds=settings.lease_seconds,
                       settle_seconds=settings.settle_seconds)  # fmt: skip


def migrate(settings: Config) -> Migration:
    """Create or upgrade the queue's schema (idempotent; safe from several hosts at once)."""
    if settings.database_url:
        import psycopg

        from bot.queue import postgres

        try:
            before = postgres.migrate(settings.database_url)
        except psycopg.Error as exc:
            text = str(exc).strip() or exc.__class__.__name__
            message = scrub(text.splitlines()[0], settings.database_url)
            raise BackendError(f"{where(settings)}: cannot create or migrate the queue: "
                               f"{message}") from None  # fmt: skip
        return Migration(where(settings), before, max(before, postgres.SCHEMA_VERSION))
    from bot.queue import sqlite

    path = queue_path(settings)
    try:
        before = sqlite.migrate(path)
    except (OSError, sqlite3.Error) as exc:
        raise BackendError(f"{path}: cannot create or migrate the queue: {exc}") from None
    return Migration(str(path), before, max(before, sqlite.SCHEMA_VERSION))
