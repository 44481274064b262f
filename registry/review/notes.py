"""Migration notes: the `Migration notes` section of a pull request description."""

from __future__ import annotations

import re

# The description is the pull request's: only patterns that cannot backtrack run on it (a
# lazy group before optional closing marks took cubic time on a long line of spaces).
_HASHES = re.compile(r"(#{1,6})(?:[ \t]|$)")
_TITLE = re.compile(r"migration[ \t]+notes?[ \t]*:?", re.IGNORECASE)


class _Heading:
    """An ATX heading line: its level and its text without the closing #s."""

    def __init__(self, level: int, text: str) -> None:
        self.level, self.text = level, text


def _heading(line: str) -> _Heading | None:
    found = _HASHES.match(line)
    if found is None:
        return None
    text = line[found.end() :].strip()
    bare = text.rstrip("#")
    if bare != text and (not bare or bare[-1] in " \t"):  # closing #s follow a space
        text = bare.strip()
    return _Heading(len(found[1]), text)


def extract_migration_notes(text: str | None) -> str | None:
    """The text under a `Migration notes` heading (up to the next heading of the same or a
    higher level), or None when there is no such heading or it is empty."""
    if not text:
        return None
    lines = text.replace("\r\n", "\n").split("\n")
    for index, line in enumerate(lines):
        found = _heading(line)
        if found and _TITLE.fullmatch(found.text.strip("*_ ")):
            level = found.level
            body = []
            for rest in lines[index + 1 :]:
                nxt = _heading(rest)
                if nxt and nxt.level <= level:
                    break
                body.append(rest)
            notes = "\n".join(body).strip()
            return notes or None
    return None


def notes_from_file_text(text: str) -> str | None:
    """`--notes FILE`: its `Migration notes` section if it has one, else the whole file."""
    return extract_migration_notes(text) or (text.strip() or None)
