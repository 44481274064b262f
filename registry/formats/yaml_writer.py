"""Plain data (dicts, lists, strings, numbers, booleans, null) written as readable YAML.

ruamel.yaml's emitter took 18 s for a 2,000-event plan; this writer knows the few shapes a
plan has and takes a fraction of a second. Strings stay plain where the registry's loader
reads them back as the same string, and are JSON-quoted (valid YAML) everywhere else.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

Path = tuple[str | int, ...]
# Plain where nothing in YAML could read them otherwise: a letter or digit first, then a
# conservative set of characters; checked again against the loader's own resolution.
_PLAIN = re.compile(r"[A-Za-z0-9_$(][A-Za-z0-9 _$.,;'()/+=@~-]*\Z")
_PLAIN_IN_FLOW = re.compile(r"[A-Za-z_$][A-Za-z0-9 _$./@-]*\Z")
_WORDS = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~"}
_NUMBERISH = re.compile(r"[-+]?(\.|[0-9])|0[xob]|\.(inf|nan)", re.I)
# YAML's printable characters; anything else in a string is written as an escape.
# Outside YAML's printable characters, or a line break to YAML (NEL, LS, PS) or a BOM: such
# characters in a string are written as escapes.
_UNPRINTABLE = re.compile(
    "[^\t\n\r\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029\ufeff]"
)


_SEEN: dict[tuple[str, bool], str] = {}  # a plan repeats its words: "string", "true", names


def scalar(value: Any, flow: bool = False) -> str:
    if type(value) is str:
        found = _SEEN.get((value, flow))
        if found is None:
            if len(_SEEN) > 100_000:
                _SEEN.clear()
            found = _SEEN[(value, flow)] = _string(value, flow)
        return found
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            raise ValueError("NaN has no place in a plan (JSON has no NaN)")
        if math.isinf(value):  # what the registry's loader reads back as infinity
            return "1e999" if value > 0 else "-1e999"
        return repr(value)
    return _string(str(value), flow)


def _string(text: str, flow: bool) -> str:
    pattern = _PLAIN_IN_FLOW if flow else _PLAIN
    if (pattern.match(text) and text == text.strip() and text.lower() not in _WORDS
            and not _NUMBERISH.match(text) and " #" not in text):  # fmt: skip
        return text
    return _quoted(text)


def comment_lines(text: str) -> list[str]:
    """The lines of a comment, with what YAML cannot hold (control characters) escaped."""
    return [_UNPRINTABLE.sub(_escape, line) for line in text.splitlines()]


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def _quoted(text: str) -> str:
    quoted = json.dumps(text, ensure_ascii=False)
    # JSON leaves DEL and the C1 controls as they are; YAML wants them escaped.
    return _UNPRINTABLE.sub(_escape, quoted)


def _key(value: Any) -> str:
    text = scalar(value)
    return text if not text.startswith(("-", "?")) else _quoted(str(value))


def _is_flat(value: list[Any]) -> bool:
    return all(not isinstance(v, (dict, list)) for v in value)


def dump(data: Any, comments: dict[Path, str] | None = None) -> str:
    """`data` as YAML; `comments` puts `# text` lines above the key at that path."""
    return dump_with_positions(data, comments)[0]


def dump_with_positions(
    data: Any, comments: dict[Path, str] | None = None
) -> tuple[str, dict[Path, tuple[int, int]]]:
    """The YAML text and, as the registry's loader records them, the line and column of
    every key and sequence item: what was just written need not be parsed again."""
    writer = _Writer(comments or {})
    if isinstance(data, (dict, list)) and not data:
        return ("{}" if isinstance(data, dict) else "[]") + "\n", {}
    writer.node(data, 0, ())
    return "\n".join(writer.lines) + "\n", writer.positions


class _Writer:
    def __init__(self, comments: dict[Path, str]) -> None:
        self.comments = comments
        self.lines: list[str] = []
        self.positions: dict[Path, tuple[int, int]] = {}

    def node(self, value: Any, indent: int, path: Path) -> None:
        pad = " " * indent
        lines = self.lines
        if isinstance(value, dict):
            for key, item in value.items():
                here = (*path, key)
                if here in self.comments:
                    said = comment_lines(self.comments[here])
                    lines += [f"{pad}# {line}".rstrip() for line in said]
                head = f"{pad}{_key(key)}:"
                self.positions[here] = (len(lines) + 1, indent + 1)
                if (isinstance(item, dict) and item) or (
                    isinstance(item, list) and item and not _is_flat(item)
                ):
                    lines.append(head)
                    self.node(item, indent + 2, here)
                else:
                    lines.append(self.inline(item, f"{head} ", here))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                here = (*path, index)
                self.positions[here] = (len(lines) + 1, indent + 3)
                if isinstance(item, dict) and item:
                    first = len(lines)
                    self.node(item, indent + 2, here)
                    lines[first] = f"{pad}- {lines[first][indent + 2 :]}"
                elif isinstance(item, list) and item and not _is_flat(item):
                    lines.append(f"{pad}-")
                    self.positions[here] = (len(lines) + 1, indent + 3)
                    self.node(item, indent + 2, here)
                else:
                    lines.append(self.inline(item, f"{pad}- ", here))
        else:
            lines.append(self.inline(value, pad, path))

    def inline(self, value: Any, head: str, path: Path) -> str:
        """`head` and the value on one line; flow list items get their columns."""
        if isinstance(value, dict):
            return head + "{}"  # only empty ones are inline
        if not isinstance(value, list):
            return head + scalar(value)
        line = len(self.lines) + 1
        text = head + "["
        for index, item in enumerate(value):
            if index:
                text += ", "
            self.positions[(*path, index)] = (line, len(text) + 1)
            text += "{}" if isinstance(item, dict) else scalar(item, flow=True)
        return text + "]"
