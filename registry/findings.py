"""Findings: what validation reports, with the place in the registry it concerns."""

from __future__ import annotations

from typing import Any

from registry.records import record

ERROR = "error"
WARNING = "warning"
LEVELS = (ERROR, WARNING)


@record(frozen=True, order=True)
class Location:
    """A position in a registry file; line and column are 1-based."""

    file: str
    line: int = 1
    column: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}"

    def to_dict(self) -> dict[str, Any]:
        return {"file": self.file, "line": self.line, "column": self.column}


@record(frozen=True)
class Finding:
    """One problem found in a registry: which rule, where, what, and how to fix it."""

    rule: str
    level: str
    location: Location
    message: str
    hint: str = ""
    plan: str | None = None

    def sort_key(self) -> tuple[str, int, int, str, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.rule, self.message)

    def to_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "level": self.level,
            "plan": self.plan,
            "location": self.location.to_dict(),
            "message": self.message,
            "hint": self.hint,
        }


def sort_findings(findings: list[Finding]) -> list[Finding]:
    """Order findings by place, then rule: the same input always prints the same way."""
    unique = {(f.sort_key(), f.level, f.hint): f for f in findings}
    return [unique[k] for k in sorted(unique)]
