"""Which changes a waiver covers, and whether that waiver is already a reviewed decision.

The judging policy's waivers (BASE's: the base branch tip, as the bot reads it) are accepted.
A waiver only HEAD holds — added, or edited, by the change under review — is pending: it
counts once the owners of waivers.yaml approve the pull request (registry.review), never by
being written. An expired waiver covers nothing.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

from registry.diff.changes import Change
from registry.load.waivers import Waiver
from registry.records import record

ACCEPTED, PENDING = "accepted", "pending"


@record(frozen=True)
class Waived:
    """A change a waiver covers: `accepted` already, or `pending` its file owners' approval."""

    change: Change
    waiver: Waiver
    status: str

    def to_dict(self) -> dict[str, Any]:
        return {"change": self.change.to_dict(), "waiver": self.waiver.to_dict(),
                "status": self.status}  # fmt: skip


def new_waivers(judging: Sequence[Waiver], head: Sequence[Waiver]) -> list[Waiver]:
    """The waivers HEAD holds that the judging side does not (added, or edited: an edit is a
    new decision), whether or not they cover a change of this diff: each needs the owners
    of waivers.yaml, or a waiver could be slipped in ahead of the change it is meant for."""
    known = {w.key for w in judging}
    return [w for w in head if w.key not in known]


def match_waivers(changes: Sequence[Change], judging: Sequence[Waiver],
                  head: Sequence[Waiver], today: date) -> list[Waived]:  # fmt: skip
    """Each change a live waiver covers, with the first such waiver (an accepted one before
    a pending one)."""
    accepted = [w for w in judging if not w.expired(today)]
    known = {w.key for w in judging}
    pending = [w for w in head if w.key not in known and not w.expired(today)]
    found = []
    for change in changes:
        for waivers, status in ((accepted, ACCEPTED), (pending, PENDING)):
            waiver = next((w for w in waivers if w.covers(change)), None)
            if waiver is not None:
                found.append(Waived(change, waiver, status))
                break
    return found
