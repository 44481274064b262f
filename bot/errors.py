"""The failures every part of the bot names: retry later, or stop (given back, over budget)."""

from __future__ import annotations


class TransientError(Exception):
    """A failure worth retrying later: GitHub 5xx, a timeout, a secondary rate limit."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class Cancelled(Exception):
    """The delivery in hand was given back (shutdown) or its lease was lost: stop writing."""


class OverBudget(Cancelled):
    """The delivery in hand ran past its time budget: stop, and fail it for good."""
