"""A database of its own on the machine's PostgreSQL (127.0.0.1:5432), dropped afterwards."""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterator

import psycopg

# The server the tests use; its `postgres` database is only used to create and drop ours.
ADMIN_URL = os.environ.get(
    "TRACKPLAN_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)


def url_of(database: str) -> str:
    base, _, _ = ADMIN_URL.rpartition("/")
    return f"{base}/{database}"


@contextlib.contextmanager
def fresh_database(prefix: str = "trackplan_test") -> Iterator[str]:
    """The URL of a new, empty database; it is dropped (connections and all) afterwards."""
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    try:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'CREATE DATABASE "{name}"'.encode())
    except psycopg.OperationalError as exc:
        raise RuntimeError(
            f"these tests need PostgreSQL at {ADMIN_URL} (set TRACKPLAN_TEST_POSTGRES_URL "
            f"to another server): {exc}"
        ) from None
    try:
        yield url_of(name)
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'.encode())


def reset(url: str) -> None:
    """Drop the bot's tables: the next queue opened on `url` starts from nothing."""
    with psycopg.connect(url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS trackplan_deliveries, trackplan_pacing, trackplan_schema")
