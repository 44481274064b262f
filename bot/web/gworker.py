"""gunicorn's gthread worker with a deadline on reading each request: slow clients cannot
hold the threads that GitHub's deliveries need."""

from __future__ import annotations

import os
import socket
import time
from typing import Any

from gunicorn.http.errors import NoMoreData
from gunicorn.workers.gthread import ThreadWorker

# A request must arrive whole within this many seconds of its first byte. GitHub sends a
# delivery at once and gives up after 10 s; one byte a second is not a webhook.
DEFAULT_REQUEST_SECONDS = 5.0


def request_seconds() -> float:
    text = os.environ.get("TRACKPLAN_REQUEST_SECONDS", "")
    try:
        return float(text) if text else DEFAULT_REQUEST_SECONDS
    except ValueError:
        return DEFAULT_REQUEST_SECONDS


class DeadlineSocket:
    """A client socket whose reads fail once the current request's deadline has passed."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock
        self.deadline = float("inf")

    def recv(self, size: int, *flags: int) -> bytes:
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise NoMoreData(b"")
        blocking = self._sock.getblocking()
        if blocking:
            self._sock.settimeout(remaining)
        try:
            return self._sock.recv(size, *flags)
        except TimeoutError:
            raise NoMoreData(b"") from None  # gunicorn closes it quietly
        finally:
            if blocking:
                self._sock.settimeout(None)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._sock, name)


class DeadlineThreadWorker(ThreadWorker):  # type: ignore[misc]
    """`worker_class = "bot.web.gworker.DeadlineThreadWorker"` in bot/web/gunicorn.conf.py."""

    def enqueue_req(self, conn: Any) -> None:
        if not self.cfg.is_ssl and not isinstance(conn.sock, DeadlineSocket):
            conn.sock = DeadlineSocket(conn.sock)
        super().enqueue_req(conn)

    def handle(self, conn: Any) -> Any:
        if isinstance(conn.sock, DeadlineSocket):
            conn.sock.deadline = time.monotonic() + request_seconds()
        return super().handle(conn)
