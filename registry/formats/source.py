"""Reading an importer's input: JSON or YAML with the place of every value, errors by line."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from registry.formats.base import FormatError, Loss
from registry.load.yamlsafe import Limits, YamlDocument, YamlError, load_yaml

# Exports of large plans are bigger than registry files; still bounded (an importer holds
# the whole source in memory).
IMPORT_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_depth=64, max_alias_nodes=100_000)
# JSON other tools wrote: a key written twice is read as their JSON parsers read it (the last
# wins), and reported.
JSON_LIMITS = Limits(max_bytes=64 * 1024 * 1024, max_depth=64, max_alias_nodes=100_000,
                     last_key_wins=True)  # fmt: skip


class Source:
    """One file of an importer's input: its data, and `at(path)` naming a value's line.

    JSON is read with the standard library's C parser (exports of large plans are JSON, and
    positions are needed only to name a place); the positioned YAML loader reads it again
    the first time a line is asked for, and reads YAML, or JSON the fast path refuses
    (repeated keys, NaN, deep nesting), from the start."""

    def __init__(
        self, path: Path, shown: str | None = None, limits: Limits = IMPORT_LIMITS
    ) -> None:
        self.name = shown or str(path)
        try:
            self.raw = path.read_bytes()
        except OSError as exc:
            raise FormatError(f"{self.name}: cannot read ({exc.strerror})") from None
        self.limits = limits
        self._doc: YamlDocument | None = None
        fast = _json(self.raw) if len(self.raw) <= limits.max_bytes else _NOT_JSON
        self.data: Any = self.doc.data if fast is _NOT_JSON else fast

    @property
    def doc(self) -> YamlDocument:
        if self._doc is None:
            try:
                # JSON is YAML 1.2: one safe, positioned, bounded loader for both.
                self._doc = load_yaml(self.raw, self.limits)
            except YamlError as exc:
                raise FormatError(f"{self.name}:{exc.line}:{exc.column}: {exc.message}") from None
        return self._doc

    @property
    def repeated(self) -> list[tuple[tuple[str | int, ...], int, int]]:
        """Keys written twice (under `Limits.last_key_wins`): none when the fast path read
        the file, since it leaves any repeated key to the positioned loader."""
        return self._doc.repeated if self._doc is not None else []

    def at(self, *path: str | int) -> str:
        line, _column = self.doc.position(tuple(path))
        return f"{self.name}:{line}" if line else self.name

    def fail(self, path: tuple[str | int, ...], message: str) -> FormatError:
        return FormatError(f"{self.at(*path)}: {message}")


_NOT_JSON = object()


class _Repeated(Exception):
    """A key written twice: the positioned loader decides (refuses, or reports it)."""


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    found = dict(pairs)
    if len(found) != len(pairs):
        raise _Repeated
    return found


def _refuse(name: str) -> Any:
    raise ValueError(name)


def _json(raw: bytes) -> Any:
    """The data of a JSON document, or _NOT_JSON for anything the fast path leaves to the
    positioned loader (YAML, repeated keys, NaN or Infinity, nesting past the stack)."""
    if raw.lstrip()[:1] not in (b"{", b"["):
        return _NOT_JSON
    try:
        return json.loads(raw.decode("utf-8"), object_pairs_hook=_pairs, parse_constant=_refuse)
    except (ValueError, RecursionError, _Repeated):  # UnicodeDecodeError is a ValueError
        return _NOT_JSON


class Losses:
    """What an import leaves out, each definition with its file, line and path."""

    def __init__(self, source: Source, into: list[Loss]) -> None:
        self.source = source
        self.into = into

    def add(self, kind: str, at: tuple[str | int, ...], what: str) -> None:
        self.into.append(Loss(kind, self.source.at(*at), dotted(at), what))


def dotted(at: tuple[str | int, ...]) -> str:
    """`rules.events[2].rules`: a path in the source as people write it."""
    out = ""
    for part in at:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def mapping(source: Source, value: Any, path: tuple[str | int, ...], what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise source.fail(path, f"{what} should be an object, not {_kind(value)}")
    return value


def sequence(source: Source, value: Any, path: tuple[str | int, ...], what: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise source.fail(path, f"{what} should be a list, not {_kind(value)}")
    return value


def text(source: Source, value: Any, path: tuple[str | int, ...], what: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise source.fail(path, f"{what} should be a non-empty string")
    return value


def _kind(value: Any) -> str:
    names = {
        str: "a string",
        int: "a number",
        float: "a number",
        bool: "a boolean",
        list: "a list",
        dict: "an object",
    }
    return "null" if value is None else names.get(type(value), type(value).__name__)
