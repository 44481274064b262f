"""Semantic changes between two registries: the record, its audiences and its level."""

from __future__ import annotations

from typing import Any

from registry.escape import pointer_name, pointer_token
from registry.findings import Location
from registry.records import record

PRODUCERS = "producers"
CONSUMERS = "consumers"

ERROR = "error"  # only a policy gives it: a change the registry forbids
BREAKING = "breaking"
WARNING = "warning"
INFO = "info"
CHANGE_LEVELS = (ERROR, BREAKING, WARNING, INFO)
SEVERE = (ERROR, BREAKING)  # levels that need every affected owner, and a major version

MAJOR, MINOR, PATCH, NONE = "major", "minor", "patch", "none"
BUMP_ORDER = (NONE, PATCH, MINOR, MAJOR)

# Which audiences a compatibility mode protects (DESIGN.md §4).
PROTECTED: dict[str, frozenset[str]] = {
    "backward": frozenset({PRODUCERS}),
    "forward": frozenset({CONSUMERS}),
    "full": frozenset({PRODUCERS, CONSUMERS}),
    "none": frozenset(),
}


def level_for(breaks: tuple[str, ...], compatibility: str) -> str:
    """breaking when it breaks a protected audience, warning when it breaks another, else info."""
    if set(breaks) & PROTECTED.get(compatibility, PROTECTED["full"]):
        return BREAKING
    return WARNING if breaks else INFO


def subject_of(*segments: str) -> str:
    """A change's subject: its path segments joined by `/`, each escaped as in a JSON pointer
    (RFC 6901: `~` as `~0`, `/` as `~1`), so a name that holds a slash reads back whole."""
    return "/".join(pointer_token(s) for s in segments)


def path_of(subject: str) -> tuple[str, ...]:
    """The segments of a subject, unescaped: `path_of(subject_of(*s)) == s`."""
    return tuple(pointer_name(s) for s in subject.split("/"))


def swap_audiences(breaks: tuple[str, ...]) -> tuple[str, ...]:
    """Producers <-> consumers: what a change breaks when base and head trade places."""
    swapped = {swap for b in breaks for swap in (PRODUCERS, CONSUMERS) if swap != b}
    return tuple(a for a in (PRODUCERS, CONSUMERS) if a in swapped)


@record(frozen=True)
class Change:
    """One semantic change (DESIGN.md §4): the contract other tools read as JSON."""

    rule: str
    level: str
    plan: str
    subject: str
    message: str
    old: Any
    new: Any
    breaks: tuple[str, ...]
    location: Location
    migration: str
    bump: str
    in_base: bool = False  # the location is in the base files (a removal)

    @property
    def path(self) -> tuple[str, ...]:
        """The subject's segments, names whole (`("events", "A/B", "properties", "x")`)."""
        return path_of(self.subject)

    def sort_key(self) -> tuple[int, str, str, str, str]:
        return (CHANGE_LEVELS.index(self.level), self.plan, self.subject, self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "plan": self.plan,
            "subject": self.subject,
            "path": list(self.path),
            "message": self.message,
            "old": self.old,
            "new": self.new,
            "breaks": list(self.breaks),
            "location": {**self.location.to_dict(), "side": "base" if self.in_base else "head"},
            "migration": self.migration,
        }
