"""Waivers (waivers.yaml): known changes a team accepted on purpose, each with its reason.

A waiver names a diff rule and a subject (`PLAN`, `PLAN/EVENT` or `PLAN/EVENT/PROPERTY`, a
nested property's path joined by `.`; identify and group traits and common properties as
`PLAN/$identify/TRAIT`, `PLAN/$group/TRAIT`, `PLAN/$common/PROPERTY`) and covers that rule's
changes at the subject or inside it. It says why, until when, and who accepted it. A waiver
the base branch holds is a reviewed decision; one a pull request adds counts only once the
owners of waivers.yaml approve that pull request (registry.review.waived), so a waiver is
never a way around review. An expired waiver covers nothing and fails validation.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from registry.load.model import property_names
from registry.load.snapshot import WAIVERS_FILE
from registry.records import record

if TYPE_CHECKING:
    from datetime import date

    from registry.diff.changes import Change

# How a change's section outside events is written in a subject.
SECTION_NAMES = {"identify": "$identify", "group": "$group", "common": "$common"}


@record(frozen=True)
class Waiver:
    """One entry of waivers.yaml."""

    rule: str
    subject: str
    reason: str
    expires: date
    accepted_by: str
    line: int = 0
    index: int = 0  # its place in the list

    @property
    def key(self) -> tuple[str, str, str, date, str]:
        """What makes two waivers the same decision (a moved entry is the same; an edited
        reason, date or acceptance is a new one, reviewed again)."""
        return (self.rule, self.subject, self.reason, self.expires, self.accepted_by)

    def expired(self, today: date) -> bool:
        """Past its `expires` day (the waiver holds through that day)."""
        return self.expires < today

    def covers(self, change: Change) -> bool:
        return change.rule == self.rule and self.subject in change_subjects(change)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "subject": self.subject,
            "reason": self.reason,
            "expires": self.expires.isoformat(),
            "accepted_by": self.accepted_by,
            "location": {"file": WAIVERS_FILE, "line": self.line},
        }


def escape_name(name: str) -> str:
    """A name as a waiver subject writes it: `~` as `~0`, `/` as `~1` (as a change's
    subject does), and `.` as `~2` (it joins nested property names)."""
    return name.replace("~", "~0").replace("/", "~1").replace(".", "~2")


def change_subjects(change: Change) -> list[str]:
    """Every waiver subject that covers `change`: its plan, its event, then each enclosing
    property path (`shop`, `shop/Order Completed`, `shop/Order Completed/cart`,
    `shop/Order Completed/cart.sku`), each name escaped (`escape_name`) so that an event
    named `A/B` and property `B` of event `A` never share a subject."""
    if not change.plan:
        return []
    out = [change.plan]
    segments = change.path
    if not segments:
        return out
    if segments[0] == "events" and len(segments) > 1:
        owner, rest = escape_name(segments[1]), segments[2:]
    elif segments[0] in SECTION_NAMES:  # common/properties/x, identify/traits/x
        owner, rest = SECTION_NAMES[segments[0]], segments[1:]
    else:
        return out
    out.append(f"{change.plan}/{owner}")
    names = [escape_name(n) for n in property_names(rest)]
    for depth in range(1, len(names) + 1):
        out.append(f"{change.plan}/{owner}/" + ".".join(names[:depth]))
    return out


DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z")


def calendar_date(value: Any) -> date | None:
    """`YYYY-MM-DD` as a date; None for anything else (Python also reads `20990101`)."""
    if not isinstance(value, str) or not DATE.match(value):
        return None
    from datetime import date  # only a registry with waivers reads dates

    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def waivers_from_data(data: Any, locate: Callable[[tuple[Any, ...]], int]) -> tuple[Waiver, ...]:
    """The waivers of a waivers.yaml already checked against its schema."""
    entries = data.get("waivers") if isinstance(data, dict) else None
    return tuple(_waivers(entries if isinstance(entries, list) else [], locate))


def _waivers(entries: list[Any], locate: Callable[[tuple[Any, ...]], int]) -> Iterator[Waiver]:
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        expires = calendar_date(entry.get("expires"))
        if expires is None:
            continue  # the schema, or the loader, reports it
        yield Waiver(
            str(entry.get("rule", "")),
            str(entry.get("subject", "")),
            str(entry.get("reason", "")),
            expires,
            str(entry.get("accepted_by", "")),
            locate(("waivers", index)),
            index,
        )
