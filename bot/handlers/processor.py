"""The delivery router: each stored delivery goes to its event's handler."""

from __future__ import annotations

import json
import logging
from typing import Any

from bot.handlers.base import BOT_CHECK, NOTIFY, RECONCILE
from bot.handlers.pull_request import PullRequests
from bot.handlers.push import Pushes
from bot.queue.base import Delivery
from bot.queue.worker import raise_if_cancelled
from registry.escape import md_code, md_text
from registry.progress import checkpoints
from registry.text import plural

log = logging.getLogger("trackplan.bot")


class Processor(PullRequests, Pushes):
    """Routes a stored delivery to its handler; returns a one-word outcome for the log."""

    def process(self, delivery: Delivery) -> str:
        # The domain's long work (loading, checks, the diff) checks in between its steps: a
        # delivery past its time budget or given back stops there, not only before a write.
        with checkpoints(raise_if_cancelled):
            return self._process(delivery)

    def _process(self, delivery: Delivery) -> str:
        payload: dict[str, Any] = json.loads(delivery.payload)
        if delivery.event in ("pull_request", "pull_request_review"):
            return self.pull_request(payload)
        if delivery.event == "push":
            return self.push(payload)
        if delivery.event == RECONCILE:
            return self.reconcile(payload)
        if delivery.event == NOTIFY:
            return self.send_notice(payload, delivery.id)
        return "ignored"

    def give_up(self, delivery: Delivery, error: str) -> None:
        """Say on the commit that the bot could not finish: a silent gate is worse than none."""
        payload: dict[str, Any] = json.loads(delivery.payload)
        repo = self._repo(payload)
        if delivery.event == "push":
            sha = str(payload["after"])
        elif delivery.event in ("pull_request", "pull_request_review"):
            sha = repo.pull(int(payload["pull_request"]["number"])).head_sha  # as it is now
        else:
            return
        hours = self.config.give_up_after_seconds / 3600
        summary = (
            f"trackplan could not finish its work on this {delivery.event} delivery "
            f"({md_code(delivery.id)}) after {plural(delivery.attempts, 'attempt')}: "
            f"{md_text(error)}\n\n"
            f"It retried for up to {hours:g} hours. Push a new commit, or redeliver the "
            "webhook from the App's settings, to try again."
        )
        repo.check_run(sha, BOT_CHECK, "failure", "trackplan could not finish",
                                         summary)  # fmt: skip
