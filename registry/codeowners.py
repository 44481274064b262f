"""CODEOWNERS with GitHub's semantics: gitignore-like patterns, last match wins.

GitHub does not support `!` negation, `[ ]` ranges (brackets match literally) or `\\#`
escapes; a pattern with no owners clears ownership; `docs/*` matches files directly in
docs/ only. Lines GitHub would reject are kept as `problems` (line, message) instead of
being silently dropped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property

OWNER = re.compile(
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?"  # @user or @org/team
    r"|[^@\s]+@[^@\s]+\.[^@\s]+"  # an email address
)


@dataclass(frozen=True)
class OwnerRule:
    """One CODEOWNERS line: its pattern, its owners (maybe none) and where it stands."""

    pattern: str
    owners: tuple[str, ...]
    line: int

    @cached_property
    def regex(self) -> re.Pattern[str]:
        return pattern_regex(self.pattern)

    def matches(self, path: str) -> bool:
        return bool(self.regex.match(path.lstrip("/")))


@dataclass
class CodeOwners:
    rules: list[OwnerRule] = field(default_factory=list)
    problems: list[tuple[int, str]] = field(default_factory=list)

    @classmethod
    def from_text(cls, text: str) -> CodeOwners:
        """Parse a CODEOWNERS file; invalid lines become `problems`, not rules."""
        owners = cls()
        for number, raw in enumerate(text.splitlines(), 1):
            owners._parse_line(number, raw)
        return owners

    def _parse_line(self, number: int, raw: str) -> None:
        line = raw.strip()
        if not line or line.startswith("#"):
            return
        # " #" starts an inline comment (a '#' inside a pattern or an owner does not).
        line = re.split(r"\s#", line, maxsplit=1)[0].strip()
        pattern, *names = line.split()
        if pattern.startswith("!"):
            self.problems.append((number, f"negation '{pattern}' is not supported by GitHub"))
            return
        if pattern.startswith("\\#"):
            self.problems.append((number, f"escaped '#' in '{pattern}' is not supported by GitHub"))
            return
        bad = [n for n in names if not OWNER.fullmatch(n)]
        if bad:
            self.problems.append(
                (number, f"'{bad[0]}' is not an owner: use @user, @org/team or an email address")
            )
            return
        self.rules.append(OwnerRule(pattern, tuple(names), number))

    def rule_for(self, path: str) -> OwnerRule | None:
        """The last rule whose pattern matches `path` (GitHub: the last match wins)."""
        for rule in reversed(self.rules):
            if rule.matches(path):
                return rule
        return None

    def owners_for(self, path: str) -> tuple[str, ...]:
        """The owners of `path` (empty when no line matches or the line names no owner)."""
        rule = self.rule_for(path)
        return rule.owners if rule is not None else ()


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A regex for repository paths (no leading slash) that `pattern` matches."""
    directory_only = pattern.endswith("/")
    body = pattern.strip("/")
    # A slash at the start or in the middle anchors the pattern at the repository root.
    anchored = pattern.startswith("/") or "/" in body
    segments = body.split("/") if body else []
    parts: list[str] = []
    for index, segment in enumerate(segments):
        last = index == len(segments) - 1
        if segment == "**":
            parts.append(".*" if last else "(?:.*/)?")
            continue
        parts.append(_segment(segment) + ("" if last else "/"))
    regex = "".join(parts)
    if not anchored and not regex.startswith("(?:.*/)?"):
        regex = "(?:.*/)?" + regex
    last_segment = segments[-1] if segments else ""
    if directory_only:
        regex += "/.*"  # a directory: everything below it
    elif last_segment != "**" and not _has_wildcard(last_segment):
        regex += "(?:/.*)?"  # a file, or a directory and everything below it
    # A wildcard in the last segment matches at that level only: `docs/*` is not recursive.
    return re.compile(regex + r"\Z")


def _has_wildcard(segment: str) -> bool:
    return "*" in segment or "?" in segment


def _segment(segment: str) -> str:
    out = []
    for char in segment:
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        else:
            out.append(re.escape(char))  # brackets too: GitHub matches them literally
    return "".join(out)
