"""What a language module reads out of a source file: calls, their arguments as literals."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from typing import Any

from registry.records import field, record

STRING, MAP, OTHER = "string", "map", "other"
# Levels of nested literals or callee chains a language module reads: deeper than any real
# code, and a fixed cut gives the same report whatever the interpreter's recursion limit.
MAX_NESTING = 64


def text_of(node: Any) -> str:
    """A tree-sitter node's source text (invalid UTF-8 replaced)."""
    return bytes(node.text).decode("utf-8", "replace")


@record(frozen=True)
class Value:
    """An argument as far as it is literal: a string (`text`), a map with literal keys
    (`items`; `open` when some keys are not literal: a spread, a computed key), or other."""

    kind: str
    text: str | None = None
    items: Mapping[str, Value] = field(default_factory=dict)
    open: bool = False
    line: int = 0

    def at(self, key: str) -> Value | None:
        return self.items.get(key) if self.kind == MAP else None


OTHER_VALUE = Value(OTHER)


@record(frozen=True)
class Call:
    """A call in a source file: the callee as a dotted name (`analytics.track`,
    `Mixpanel.mainInstance.track`), positional and named arguments, and where it stands."""

    file: str
    line: int
    column: int
    callee: str
    args: tuple[Value, ...] = ()
    named: Mapping[str, Value] = field(default_factory=dict)

    @property
    def method(self) -> str:
        return self.callee.rsplit(".", 1)[-1]


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    "b": "\b",
    "f": "\f",
    "v": "\v",
    "a": "\a",
    "\n": "",
    "\r\n": "",
}  # a backslash before a line break continues the line
_ESCAPE = re.compile(
    r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|x[0-9a-fA-F]{2}|N\{[^}]+\}|[0-7]{1,3}"
    r"|\r\n|.)", re.S)  # fmt: skip


def unescape(text: str) -> str:
    """The common backslash escapes of C-like string literals (`\\"`, `\\n`, `\\u00e9`)."""

    def one(match: re.Match[str]) -> str:
        body = match.group(1)
        try:
            if body[0] in "uUx" and len(body) > 1:
                return chr(int(body[1:].strip("{}"), 16))
            if body[0] == "N" and len(body) > 1:
                return unicodedata.lookup(body[2:-1])
            if body[0] in "01234567":
                return chr(int(body, 8))
        except (ValueError, OverflowError, KeyError):
            return match.group(0)
        return _ESCAPES.get(body, body)

    return _ESCAPE.sub(one, text) if "\\" in text else text
