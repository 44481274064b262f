"""Migration notes: the `Migration notes` section of a pull request description."""

from __future__ import annotations

import re

_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
_TITLE = re.compile(r"migration\s+notes?\s*:?", re.IGNORECASE)


def extract_migration_notes(text: str | None) -> str | None:
    """The text under a `Migration notes` heading (up to the next heading of the same or a
    higher level), or None when there is no such heading or it is empty."""
    if not text:
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        found = _HEADING.match(line)
        if found and _TITLE.fullmatch(found[2].strip("*_ ")):
            level = len(found[1])
            body = []
            for rest in lines[index + 1 :]:
                nxt = _HEADING.match(rest)
                if nxt and len(nxt[1]) <= level:
                    break
                body.append(rest)
            notes = "\n".join(body).strip()
            return notes or None
    return None


def notes_from_file_text(text: str) -> str | None:
    """`--notes FILE`: its `Migration notes` section if it has one, else the whole file."""
    return extract_migration_notes(text) or (text.strip() or None)
