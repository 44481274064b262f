"""Progress on stderr for long runs: silent for the first seconds, then a line a second."""

from __future__ import annotations

import sys
import time

from registry.text import plural

QUIET_SECONDS = 2.0


class Progress:
    def __init__(self, verb: str, noun: str) -> None:
        self.verb, self.noun = verb, noun
        self.start = time.monotonic()
        self.next = self.start + QUIET_SECONDS
        self.count = 0
        self.shown = False
        self.tty = sys.stderr.isatty()

    def tick(self, count: int) -> None:
        self.count = count
        if time.monotonic() < self.next:  # called every few thousand items
            return
        self.next = time.monotonic() + (1.0 if self.tty else 10.0)
        self._show("\r" if self.tty else "", "" if self.tty else "\n")

    def done(self) -> None:
        if self.shown:
            self._show("\r" if self.tty else "", "\n")

    def _show(self, start: str, end: str) -> None:
        seconds = max(time.monotonic() - self.start, 1e-9)
        rate = self.count / seconds
        sys.stderr.write(f"{start}trackplan: {self.verb} {plural(self.count, self.noun)} "
                         f"({rate:,.0f}/s){end}")  # fmt: skip
        sys.stderr.flush()
        self.shown = True
