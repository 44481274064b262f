"""What a language module reads out of a source file: calls, their arguments as literals."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

STRING, MAP, OTHER = "string", "map", "other"


@dataclass(frozen=True)
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


@dataclass(frozen=True)
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


_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "0": "\0", "b": "\b", "f": "\f", "v": "\v"}
_ESCAPE = re.compile(r"\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)", re.S)


def unescape(text: str) -> str:
    """The common backslash escapes of C-like string literals (`\\"`, `\\n`, `\\u00e9`)."""

    def one(match: re.Match[str]) -> str:
        body = match.group(1)
        if body[0] in "ux" and len(body) > 1:
            digits = body[1:].strip("{}")
            try:
                return chr(int(digits, 16))
            except (ValueError, OverflowError):
                return match.group(0)
        return _ESCAPES.get(body, body)

    return _ESCAPE.sub(one, text) if "\\" in text else text
