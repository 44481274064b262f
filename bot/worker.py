"""The worker: drains the delivery queue in a background thread, retrying transient failures."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

from bot.queue import Delivery, DeliveryQueue

log = logging.getLogger("trackplan.bot")


class TransientError(Exception):
    """A failure worth retrying later: GitHub 5xx, a timeout, a secondary rate limit."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


Processor = Callable[[Delivery], str]


class Worker:
    """Claims deliveries one by one and hands them to the processor."""

    def __init__(
        self,
        queue: DeliveryQueue,
        process: Processor,
        *,
        max_attempts: int = 6,
        retry_base_seconds: float = 2.0,
        poll_seconds: float = 0.5,
        settle_seconds: float = 0.05,
    ) -> None:
        self.queue = queue
        self.process = process
        self.max_attempts = max_attempts
        self.retry_base_seconds = retry_base_seconds
        self.poll_seconds = poll_seconds
        # After a wake-up, wait a moment: a burst (20 pushes to one PR) then coalesces into
        # one piece of work, and acks are not slowed by a claim per delivery.
        self.settle_seconds = settle_seconds
        self.wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="trackplan-worker", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self.wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._stop.is_set():
            if not self.run_once():
                if self.wake.wait(self.poll_seconds):
                    self._stop.wait(self.settle_seconds)
                self.wake.clear()

    def run_once(self) -> bool:
        """Work on one delivery if one is ready; False when there was none."""
        try:
            delivery = self.queue.claim()
        except Exception:  # a locked or broken database must not kill the thread
            log.exception("could not read the delivery queue")
            return False
        if delivery is None:
            return False
        started = time.monotonic()
        try:
            outcome = self.process(delivery)
        except TransientError as exc:
            self._retry(delivery, exc, started)
        except Exception as exc:
            self.queue.fail(delivery.id, f"{exc.__class__.__name__}: {exc}")
            log.exception(
                "delivery %s event=%s key=%s outcome=failed attempts=%d ms=%d",
                delivery.id, delivery.event, delivery.key, delivery.attempts, _ms(started),
            )  # fmt: skip
        else:
            self.queue.finish(delivery.id)
            log.info(
                "delivery %s event=%s key=%s outcome=%s attempts=%d ms=%d",
                delivery.id, delivery.event, delivery.key, outcome, delivery.attempts,
                _ms(started),
            )  # fmt: skip
        return True

    def _retry(self, delivery: Delivery, exc: TransientError, started: float) -> None:
        if delivery.attempts >= self.max_attempts:
            self.queue.fail(delivery.id, str(exc))
            outcome = "gave-up"
        else:
            delay = exc.retry_after or self.retry_base_seconds * 2 ** (delivery.attempts - 1)
            self.queue.retry(delivery.id, min(delay, 600.0), str(exc))
            outcome = f"retry-in-{delay:.1f}s"
        log.warning(
            "delivery %s event=%s key=%s outcome=%s attempts=%d ms=%d error=%s",
            delivery.id, delivery.event, delivery.key, outcome, delivery.attempts, _ms(started),
            exc,
        )  # fmt: skip


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
