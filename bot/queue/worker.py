"""The worker: drains the delivery queue in a background thread, retrying transient failures."""

from __future__ import annotations

import logging
import random
import threading
import time
import weakref
from collections.abc import Callable
from typing import Any

from bot.errors import Cancelled, OverBudget, TransientError
from bot.queue.base import Delivery, DeliveryQueue
from registry.records import record

log = logging.getLogger("trackplan.bot")

_cancel = threading.local()


def raise_if_cancelled() -> None:
    """Handlers (and the domain's checkpoints) call this between steps: a delivery given
    back must not write any more, since another process may be working on it now, and one
    past its time budget stops."""
    event: threading.Event | None = getattr(_cancel, "event", None)
    if event is not None and event.is_set():
        raise Cancelled("the delivery was given back to the queue")
    deadline: float | None = getattr(_cancel, "deadline", None)
    if deadline is not None and time.monotonic() > deadline:
        raise OverBudget("the delivery ran past its time budget")


Processor = Callable[[Delivery], str]
GiveUp = Callable[[Delivery, str], None]


@record(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, for hours: GitHub never redelivers what we acked."""

    base_seconds: float = 2.0
    max_delay_seconds: float = 1800.0
    give_up_after_seconds: float = 12 * 3600.0

    def delay(self, attempts: int, retry_after: float | None, rng: random.Random) -> float:
        backoff = min(self.max_delay_seconds, self.base_seconds * 2 ** min(attempts - 1, 30))
        backoff *= rng.uniform(0.5, 1.0)  # "equal jitter": retries of many PRs spread out
        return float(max(backoff, min(retry_after or 0.0, self.max_delay_seconds)))

    def gives_up(self, delivery: Delivery, delay: float, now: float) -> bool:
        return now + delay - delivery.received > self.give_up_after_seconds


_running: weakref.WeakSet[Worker] = weakref.WeakSet()


def stop_all(timeout: float) -> None:
    """Stop every worker of this process (gunicorn's worker_exit, SIGTERM): each finishes its
    delivery within `timeout` seconds or gives it back to the queue."""
    workers = list(_running)
    deadline = time.monotonic() + timeout
    for worker in workers:
        worker.stop(max(0.0, deadline - time.monotonic()))


class Worker:
    """Claims deliveries one by one and hands them to the processor."""

    def __init__(
        self,
        queue: DeliveryQueue,
        process: Processor,
        *,
        retry: RetryPolicy | None = None,
        give_up: GiveUp | None = None,
        poll_seconds: float = 0.5,
        settle_seconds: float = 0.05,
        retention_seconds: float = 7 * 86400.0,
        prune_every_seconds: float = 3600.0,
        periodic: Callable[[], None] | None = None,
        periodic_seconds: float = 3600.0,
        seed: int | None = None,
        max_seconds: float = 1800.0,
    ) -> None:
        self.queue = queue
        self.process = process
        self.retry = retry or RetryPolicy()
        self.give_up = give_up
        self.poll_seconds = poll_seconds
        # After a wake-up, wait a moment: a burst (20 pushes to one PR) then coalesces into
        # one piece of work, and acks are not slowed by a claim per delivery.
        self.settle_seconds = settle_seconds
        self.retention_seconds = retention_seconds
        self.prune_every_seconds = prune_every_seconds
        # One delivery's time budget: past it, it stops at its next step and fails for good
        # (a retry would take as long): no input can keep a worker from the others' work.
        self.max_seconds = max_seconds
        self.wake = threading.Event()
        self._settling: frozenset[str] = frozenset()  # bursts the last claim looked past
        self._rng = random.Random(seed)
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._current: Delivery | None = None
        self._cancelled = threading.Event()
        # Chores run from the worker's own loop: (every how many seconds, what, next due).
        self._chores: list[list[Any]] = [
            [prune_every_seconds, self._prune, 0.0],
            [1.0, queue.checkpoint, 0.0],
        ]
        if periodic is not None and periodic_seconds > 0:
            self._chores.append([periodic_seconds, periodic, time.monotonic() + 5.0])

    def start(self) -> None:
        if self._thread is None:
            self._stop.clear()
            taken = self.queue.recover()
            if taken:
                log.warning("took back %d deliveries from processes that stopped", taken)
            self.queue.subscribe(self.notify)  # another host's ack wakes this worker at once
            self._thread = threading.Thread(target=self._run, name="trackplan-worker", daemon=True)
            self._thread.start()
            _running.add(self)

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the delivery in hand within `timeout`, or give it back to the queue."""
        self._stop.set()
        self.wake.set()
        thread, self._thread = self._thread, None
        _running.discard(self)
        if thread is None:
            return
        self.queue.unsubscribe()
        thread.join(timeout)
        current = self._current
        if thread.is_alive() and current is not None:
            self._cancelled.set()  # the thread stops at its next step, before any write
            self.queue.release(current.id)
            log.warning("delivery %s event=%s key=%s outcome=returned-on-shutdown",
                        current.id, current.event, current.key)  # fmt: skip

    def _run(self) -> None:
        _cancel.event = self._cancelled
        while not self._stop.is_set():
            self._run_chores()
            try:
                worked = self.run_once()
                if worked:
                    self._settling = frozenset()  # found again by the next claim
            except Exception:  # a locked or full database: never let the thread die
                log.exception("the queue worker failed; it goes on in a moment")
                self._stop.wait(self.poll_seconds * 4)
                continue
            if not worked:
                # A burst that goes on (thousands of reviews of one pull request) is not
                # claimed again before it may settle: each try costs queries and the write
                # lock's turns, on the cores the acks need. Other keys' deliveries still wake
                # the worker at once (`notify`).
                keys, settles = self.queue.settling()
                self._settling = keys
                wait = self.poll_seconds
                if keys:  # not sooner than a wake-up's own settling pause
                    wait = min(wait, max(self.settle_seconds, settles - time.time()))
                if self.wake.wait(wait):
                    self._stop.wait(self.settle_seconds)
                self.wake.clear()

    def notify(self, key: str | None) -> None:
        """This process stored a delivery for `key`: wake the worker, unless that key's burst
        is one it waits out already."""
        if key is None or key not in self._settling:
            self.wake.set()

    def _run_chores(self) -> None:
        now = time.monotonic()
        for chore in self._chores:
            every, run, due = chore
            if now >= due:
                chore[2] = now + every
                try:
                    run()
                except Exception:  # a chore must never stop the queue being worked off
                    log.exception("periodic task %s failed", getattr(run, "__name__", run))

    def _prune(self) -> None:
        pruned = self.queue.prune(self.retention_seconds)
        if pruned:
            log.info("pruned %d finished deliveries older than %.0f days", pruned,
                     self.retention_seconds / 86400)  # fmt: skip

    def run_once(self) -> bool:
        """Work on one delivery if one is ready; False when there was none."""
        try:
            delivery = self.queue.claim()
        except Exception:  # a locked or broken database must not kill the thread
            log.exception("could not read the delivery queue")
            return False
        if delivery is None:
            return False
        self._current = delivery
        self._cancelled.clear()
        # The thread working on it (tests drive run_once too) checks this delivery's cancel
        # event and deadline until it is done, then whatever it checked before.
        before = getattr(_cancel, "event", None)
        _cancel.event = self._cancelled
        _cancel.deadline = time.monotonic() + self.max_seconds
        heartbeat = _Heartbeat(self.queue, delivery.id, self.queue_lease() / 3, self._cancelled,
                               _cancel.deadline + OVERRUN_GRACE_SECONDS)  # fmt: skip
        started = time.monotonic()
        try:
            outcome = self.process(delivery)
        except Cancelled as exc:
            if isinstance(exc, OverBudget):
                log.error("delivery %s event=%s key=%s outcome=over-budget ms=%d",
                          delivery.id, delivery.event, delivery.key, _ms(started))  # fmt: skip
                self._give_up(delivery, f"it took longer than {self.max_seconds:g} s, the most "
                              "one delivery may take (TRACKPLAN_MAX_DELIVERY_SECONDS)")  # fmt: skip
            else:
                log.warning("delivery %s event=%s key=%s outcome=given-back attempts=%d ms=%d",
                            delivery.id, delivery.event, delivery.key, delivery.attempts,
                            _ms(started))  # fmt: skip
        except TransientError as exc:
            self._retry(delivery, exc, started)
        except Exception as exc:
            log.exception(
                "delivery %s event=%s key=%s outcome=failed attempts=%d ms=%d",
                delivery.id, delivery.event, delivery.key, delivery.attempts, _ms(started),
            )  # fmt: skip
            self._give_up(delivery, f"{exc.__class__.__name__}: {exc}")
        else:
            self.queue.finish(delivery.id)
            log.info(
                "delivery %s event=%s key=%s outcome=%s attempts=%d ms=%d",
                delivery.id, delivery.event, delivery.key, outcome, delivery.attempts,
                _ms(started),
            )  # fmt: skip
        finally:
            heartbeat.stop()
            self._current = None
            _cancel.deadline = None
            _cancel.event = before
        return True

    def queue_lease(self) -> float:
        lease: float = getattr(self.queue, "lease_seconds", 30.0)
        return lease

    def _retry(self, delivery: Delivery, exc: TransientError, started: float) -> None:
        delay = self.retry.delay(delivery.attempts, exc.retry_after, self._rng)
        if self.retry.gives_up(delivery, delay, time.time()):
            log.error(
                "delivery %s event=%s key=%s outcome=gave-up attempts=%d ms=%d error=%s",
                delivery.id, delivery.event, delivery.key, delivery.attempts, _ms(started), exc,
            )  # fmt: skip
            self._give_up(delivery, str(exc))
            return
        self.queue.retry(delivery.id, delay, str(exc))
        log.warning(
            "delivery %s event=%s key=%s outcome=retry-in-%.1fs attempts=%d ms=%d error=%s",
            delivery.id, delivery.event, delivery.key, delay, delivery.attempts, _ms(started),
            exc,
        )  # fmt: skip

    def _give_up(self, delivery: Delivery, error: str) -> None:
        self.queue.fail(delivery.id, error)
        if self.give_up is None:
            return
        try:
            self.give_up(delivery, error)
        except Exception as exc:  # GitHub may be why we gave up: say so in the log only
            log.warning("delivery %s: could not report the failure on GitHub: %s",
                        delivery.id, exc)  # fmt: skip


# How long a delivery over its budget may take to reach its next checkpoint.
OVERRUN_GRACE_SECONDS = 60.0


class _Heartbeat:
    """Renews a delivery's lease while it is worked on, so a short lease never runs out on
    a long but live job, and a dead process's lease runs out quickly. Past `renew_until`
    (its time budget and a grace to reach a checkpoint) the work is stuck where it cannot
    check in: the lease is left to run out, so the queue takes the delivery back and, after
    a few take-backs, fails it."""

    def __init__(self, queue: DeliveryQueue, delivery_id: str, every: float,
                 lost: threading.Event, renew_until: float = float("inf")) -> None:  # fmt: skip
        self._queue, self._id, self._every = queue, delivery_id, max(every, 0.05)
        self._lost = lost
        self._renew_until = renew_until
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._run, name="trackplan-lease", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._done.wait(self._every):
            if time.monotonic() > self._renew_until:
                log.error("delivery %s did not stop: its lease is no longer renewed", self._id)
                return
            try:
                if not self._queue.renew(self._id):
                    log.warning("lost the lease of delivery %s: stopping its work", self._id)
                    self._lost.set()
                    return
            except Exception:
                log.exception("could not renew the lease of delivery %s", self._id)

    def stop(self) -> None:
        self._done.set()
        self._thread.join(5)


def _ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
