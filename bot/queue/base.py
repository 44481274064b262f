"""The delivery queue's contract: webhook deliveries are stored first, then worked off
(SQLite in one data folder, or PostgreSQL shared by any number of hosts)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence

from registry.records import record

QUEUED, PROCESSING, DONE, FAILED, SUPERSEDED = (
    "queued", "processing", "done", "failed", "superseded"
)  # fmt: skip
FINISHED = (DONE, FAILED, SUPERSEDED)


@record(frozen=True)
class Delivery:
    id: str
    event: str
    key: str | None  # deliveries with one key are processed one at a time
    coalesce: bool  # a newer queued delivery with the same key makes this one moot
    payload: bytes
    attempts: int
    received: float = 0.0  # when it was first stored (seconds since the epoch)


@record(frozen=True)
class Health:
    """What `/healthz` reports about the queue."""

    counts: dict[str, int]
    backlog: int  # queued or in hand
    oldest_pending_seconds: float  # age of the oldest delivery not yet finished
    failed: int  # given up (kept until retention removes them)


class DeliveryQueue(ABC):
    """Where deliveries wait. SQLite is the default; another backend implements this."""

    @abstractmethod
    def put(self, delivery_id: str, event: str, key: str | None, coalesce: bool,
            payload: bytes) -> bool:  # fmt: skip
        """Store a delivery; False when the id is known already (and did not fail)."""

    @abstractmethod
    def put_many(self, deliveries: Sequence[NewDelivery]) -> list[bool]:
        """Store deliveries (id, event, key, coalesce, payload) in one transaction, in this
        order: whether each was stored (not a known id, nor one seen earlier in the list).
        Acks that arrive together are stored so (bot/queue/group.py)."""

    @abstractmethod
    def claim(self) -> Delivery | None:
        """The next delivery to work on (leased to this process), or None."""

    def settling(self) -> Settling:
        """The bursts this queue's last claim looked past because they go on: their keys,
        and the earliest time (time.time()) one of them may settle. Until then, claiming
        again for their sake only costs queries (bot/queue/worker.py waits)."""
        return NOT_SETTLING

    @abstractmethod
    def renew(self, delivery_id: str) -> bool:
        """Extend the lease of a delivery in hand; False when it is no longer ours."""

    @abstractmethod
    def release(self, delivery_id: str) -> None:
        """Give a delivery in hand back to the queue at once (graceful shutdown)."""

    @abstractmethod
    def recover(self) -> int:
        """Take back deliveries leased by processes of this host that no longer exist."""

    @abstractmethod
    def finish(self, delivery_id: str) -> None: ...

    @abstractmethod
    def retry(self, delivery_id: str, delay: float, error: str) -> None: ...

    @abstractmethod
    def fail(self, delivery_id: str, error: str) -> None: ...

    @abstractmethod
    def prune(self, older_than_seconds: float) -> int:
        """Forget finished deliveries older than this (payload and id); returns how many."""

    @abstractmethod
    def health(self) -> Health: ...

    @abstractmethod
    def checkpoint(self) -> None:
        """Housekeeping the worker runs every second (SQLite: move the log into the file)."""

    @abstractmethod
    def latest_payloads(self, event: str) -> list[bytes]:
        """The newest stored payload of each key for one event (repositories seen lately)."""

    @abstractmethod
    def reserve_write(self, key: str, interval: float) -> float:
        """Take the next slot for a GitHub write of `key` (an installation), `interval`
        seconds after the one before, shared by every process of the backend; returns the
        seconds to wait until the slot starts."""

    def subscribe(self, stored: Callable[[str | None], None]) -> None:
        """Call `stored(key)` whenever a delivery is stored by any process (where the
        backend can tell); the worker polls as well, so a backend may do nothing here."""
        return None

    def unsubscribe(self) -> None:
        """Stop setting the event given to `subscribe`."""
        return None

    def close(self) -> None:
        """Let go of connections (a worker process that stops)."""
        return None

    def counts(self) -> dict[str, int]:
        return self.health().counts


# A delivery whose process died while working on it is taken back with a growing delay
# (2, 4, 8 ... s) and failed after this many attempts: one that crashes its process every
# time must not crash every restart or block its pull request for good.
MAX_CRASHES = 8


Settling = tuple[frozenset[str], float]
NewDelivery = tuple[str, str, str | None, bool, bytes]  # id, event, key, coalesce, payload
NOT_SETTLING: Settling = (frozenset(), 0.0)


def stored_once(deliveries: Sequence[NewDelivery],
                store: Callable[[list[NewDelivery]], set[str]]) -> list[bool]:  # fmt: skip
    """`put_many`'s answers: `store` writes the first delivery of each id, in order, and
    returns the ids it stored (a known id that did not fail is not)."""
    first: dict[str, int] = {}
    for index, delivery in enumerate(deliveries):
        first.setdefault(delivery[0], index)
    stored = store([deliveries[index] for index in first.values()])
    return [first[d[0]] == index and d[0] in stored for index, d in enumerate(deliveries)]


def settles_at(settle: float, max_settle: float, received: float, newest: float) -> float:
    """When a burst that began at `received` and last grew at `newest` is worked on, unless
    it grows again: quiet for `settle` seconds, or `max_settle` after it began."""
    return min(received + max_settle, newest + settle)


def burst_goes_on(settle: float, max_settle: float, received: float, now: float,
                  newest: Callable[[], float]) -> bool:  # fmt: skip
    """Whether a coalescing key's burst, whose oldest queued delivery arrived at `received`,
    is still to be waited for: its newest (asked only when it matters) arrived less than
    `settle` seconds ago, and the oldest has not waited `max_settle` yet."""
    if settle <= 0 or received <= now - max_settle:
        return False  # no settling, or waited long enough: a flood must not starve it
    return newest() > now - settle
