"""What every handler shares: the bot's state, the repository gateway, publishing steps."""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from bot.config import Config
from bot.errors import TransientError
from bot.github.api import GitHub, RepoGateway
from bot.queue.base import DeliveryQueue
from bot.queue.worker import raise_if_cancelled
from registry.load.cache import ParseCache
from registry.load.settings import Receiver
from registry.review.notices import Notice
from registry.review.verdict import Verdict

log = logging.getLogger("trackplan.bot")
T = TypeVar("T")
RELEASE_CHECK = "trackplan/release"
BOT_CHECK = "trackplan/bot"
NOTIFY = "notify"  # an event of our own: one notice to one receiver (queued, retried)
RECONCILE = "reconcile"  # an event of our own: check and complete a repository's releases


class Steps:
    """Runs publishing steps so that the failure of one never silences the rest. Afterwards
    a transient failure retries the delivery (every step is idempotent); a permanent one
    fails it, once every other step has had its turn."""

    def __init__(self) -> None:
        self.failed: list[TransientError] = []
        self.broken: list[tuple[str, Exception]] = []

    def run(self, name: str, step: Callable[[], T]) -> T | None:
        raise_if_cancelled()  # given back to the queue: another process may hold it now
        try:
            return step()
        except TransientError as exc:
            log.warning("step %s failed, the others go on: %s", name, exc)
            self.failed.append(exc)
        except Exception as exc:
            log.exception("step %s failed for good, the others go on", name)
            self.broken.append((name, exc))
        return None

    def raise_if_failed(self) -> None:
        if self.failed:
            waits = [e.retry_after for e in self.failed if e.retry_after is not None]
            raise TransientError(
                "; ".join(str(e) for e in self.failed), max(waits) if waits else None
            )
        if self.broken:
            name, exc = self.broken[0]
            raise RuntimeError(f"{name}: {exc.__class__.__name__}: {exc}") from exc


class Fingerprints:
    """Release fingerprints checked byte for byte already, one per line in the data folder."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def has(self, value: str) -> bool:
        try:
            return value in self.path.read_text().split()
        except OSError:
            return False

    def add(self, value: str) -> None:
        if not self.has(value):
            self.path.parent.mkdir(parents=True, exist_ok=True)
            with self.path.open("a") as handle:  # O_APPEND: whole lines from any process
                handle.write(value + "\n")


class Handler:
    """The state the event handlers share (one instance serves every delivery)."""

    def __init__(self, config: Config, queue: DeliveryQueue | None = None) -> None:
        self.config = config
        self.queue = queue
        self.github = GitHub(config, queue)
        self.parse = ParseCache(config.data_dir / "cache")
        self.verified = Fingerprints(config.data_dir / "verified-releases.txt")
        # What the last review published: check name -> conclusion, and its verdict (the
        # GitHub Action sets its job status from them; a crash leaves no verdict).
        self.outcome: dict[str, str] = {}
        self.last_verdict: Verdict | None = None

    def _repo(self, payload: dict[str, Any]) -> RepoGateway:
        installation = (payload.get("installation") or {}).get("id")
        full_name = payload["repository"]["full_name"]
        return self.github.repo(full_name, int(installation) if installation else None)

    def notify(self, receivers: Sequence[Receiver], notice: Notice) -> None:
        raise NotImplementedError  # bot.handlers.notify.Notices
