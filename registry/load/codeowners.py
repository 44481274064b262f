"""CODEOWNERS with GitHub's semantics: gitignore-like patterns, last match wins.

A pattern without a slash matches at any depth and, when it names a directory, everything
beneath it (`f*` owns `foo/bar`); a leading or inner slash anchors it at the root; a
trailing slash means a directory; `*` and `?` stay within one path segment, `**` spans
segments; a backslash makes the next character literal (`f\\*o`, `foo\\ bar`). A pattern whose
last segment is a bare `*` (`docs/*`) matches files at that level only. GitHub skips lines
with `!` negation, `[ ]` character ranges or a `\\#` escape; they are kept as `problems`
(line, message) instead of being silently dropped. A pattern with no owners clears
ownership. Paths are case-sensitive.
"""

from __future__ import annotations

import re
from functools import cached_property

from registry.records import field, record

OWNER = re.compile(
    r"@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:/[A-Za-z0-9._-]+)?"  # @user or @org/team
    r"|[^@\s]+@[^@\s]+\.[^@\s]+"  # an email address
)


@record(frozen=True)
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


@record
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
        words = _words(raw)
        if not words:
            return
        pattern, *names = words
        problem = unsupported(pattern)
        if problem:
            self.problems.append((number, problem))
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

    def rule_for_directory(self, path: str) -> OwnerRule | None:
        """The rule for a new file directly in directory `path`: what owns the folder."""
        return self.rule_for(path.rstrip("/") + "/" + _ANY_NAME)


# A file name no pattern names literally: it stands for "any file" in a directory.
_ANY_NAME = "\x00"


def _words(raw: str) -> list[str]:
    """A line's words, split on whitespace a backslash does not escape; a `#` at the start
    of a word begins a comment (GitHub: inline comments need a space before the `#`)."""
    words: list[str] = []
    word, escaped = "", False
    for char in raw.rstrip("\r\n"):
        if escaped:
            word += "\\" + char
            escaped = False
        elif char == "\\":
            escaped = True
        elif char.isspace():
            if word:
                words.append(word)
            word = ""
        elif char == "#" and not word:
            break
        else:
            word += char
    if escaped:
        word += "\\"
    if word:
        words.append(word)
    return words


def unsupported(pattern: str) -> str | None:
    """Why GitHub skips a pattern, or None when it is valid."""
    if pattern.startswith("!"):
        return f"negation '{pattern}' is not supported by GitHub"
    if pattern.startswith("\\#"):
        return f"escaped '#' in '{pattern}' is not supported by GitHub"
    if any(kind == "lit" and text == "[" for kind, text in _tokens(pattern)):
        return f"character ranges ('[ ]') in '{pattern}' are not supported by GitHub"
    return None


def _tokens(pattern: str) -> list[tuple[str, str]]:
    """(kind, text): kind is lit (text literal), star, any (`?`) or sep (an unescaped `/`)."""
    tokens: list[tuple[str, str]] = []
    escaped = False
    for char in pattern:
        if escaped:
            tokens.append(("lit", char if char != "[" else "\\["))  # `\\[` is no range
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "*":
            tokens.append(("star", char))
        elif char == "?":
            tokens.append(("any", char))
        elif char == "/":
            tokens.append(("sep", char))
        else:
            tokens.append(("lit", char))
    if escaped:
        tokens.append(("lit", "\\"))
    return tokens


NEVER = re.compile(r"(?!)")


def pattern_regex(pattern: str) -> re.Pattern[str]:
    """A regex for repository paths (no leading slash) that `pattern` matches."""
    tokens = _tokens(pattern)
    directory_only = bool(tokens) and tokens[-1][0] == "sep"
    while tokens and tokens[-1][0] == "sep":
        tokens.pop()
    anchored = bool(tokens) and tokens[0][0] == "sep"
    while tokens and tokens[0][0] == "sep":
        tokens.pop(0)
    if not tokens:
        return NEVER  # `/` alone names no file
    anchored = anchored or any(kind == "sep" for kind, _ in tokens)
    segments: list[list[tuple[str, str]]] = [[]]
    for token in tokens:
        if token[0] == "sep":
            segments.append([])
        else:
            segments[-1].append(token)
    globstar = [len(seg) == 2 and all(kind == "star" for kind, _ in seg) for seg in segments]
    parts = [] if anchored else ["(?:.*/)?"]
    last = len(segments) - 1
    for index, segment in enumerate(segments):
        if globstar[index]:
            if index < last:
                parts.append("(?:.*/)?")  # zero or more directories
            elif directory_only:
                parts.append(".+/.+")  # `foo/**/`: whatever is in a directory below
            else:
                parts.append(".+")  # `foo/**`: everything inside, not foo itself
            continue
        parts.append(_segment(segment) + ("/" if index < last else ""))
    if globstar[last]:
        pass  # done above
    elif directory_only:
        parts.append("/.+")  # a directory: everything below it, never a file of that name
    elif not (anchored and segments[last] == [("star", "*")]):
        parts.append("(?:/.*)?")  # a file, or a directory and everything beneath it
    # An anchored bare `*` (`docs/*`, `/*`) matches files at that level only.
    return re.compile("".join(parts) + r"\Z", re.DOTALL)


def _segment(tokens: list[tuple[str, str]]) -> str:
    out = []
    for kind, text in tokens:
        if kind == "star":
            out.append("[^/]*")
        elif kind == "any":
            out.append("[^/]")
        else:
            out.append(re.escape(text.lstrip("\\") or text))
    return "".join(out)
