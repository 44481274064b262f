"""Read analytics calls as a stream: JSON lines, a JSON array, gzip of either, or stdin."""

from __future__ import annotations

import gzip
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

CHUNK = 1 << 20
MAX_ELEMENT = 64 << 20  # one array element this long is not a call


@dataclass(frozen=True)
class Malformed:
    """A line (or array element) that is not a call, and why."""

    reason: str


def read_calls(raw: IO[bytes]) -> Iterator[tuple[int, Any]]:
    """(line number, decoded JSON value or Malformed) for each call in `raw`, in order,
    holding one chunk at a time in memory."""
    stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
    if stream.peek(2)[:2] == b"\x1f\x8b":  # gzip, whatever the file is called
        stream = io.BufferedReader(gzip.GzipFile(fileobj=stream))
    first = stream.peek(64)[:64].lstrip()
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:].lstrip()
    text = io.TextIOWrapper(stream, encoding="utf-8-sig", errors="strict", newline="")
    if first.startswith(b"["):
        yield from _array(text)
    else:
        yield from _lines(text)


def _lines(text: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
    number = 0
    while True:
        try:
            line = text.readline()
        except UnicodeDecodeError as exc:
            number += 1
            yield number, Malformed(f"not UTF-8 ({exc.reason}); the rest cannot be read")
            return
        if not line:
            return
        number += 1
        if not line.strip():
            continue
        try:
            yield number, json.loads(line)
        except ValueError as exc:
            yield number, Malformed(f"not JSON ({_short(exc)})")


def _array(text: io.TextIOWrapper) -> Iterator[tuple[int, Any]]:
    decoder = json.JSONDecoder()
    buffer, line, pos, done = "", 1, 0, False

    def more() -> bool:
        nonlocal buffer, line, pos, done
        if done:
            return False
        try:
            chunk = text.read(CHUNK)
        except UnicodeDecodeError:
            chunk, done = "", True
        if not chunk:
            done = True
            return False
        line += buffer.count("\n", 0, pos)  # drop what is read, keep the line count
        buffer, pos = buffer[pos:] + chunk, 0
        return True

    more()
    pos = buffer.index("[") + 1
    while True:
        while True:  # skip blanks and commas between elements
            while pos < len(buffer) and buffer[pos] in " \t\r\n,":
                pos += 1
            if pos < len(buffer) or not more():
                break
        if pos >= len(buffer):
            yield line + buffer.count("\n", 0, pos), Malformed("the array is not closed")
            return
        if buffer[pos] == "]":
            return
        try:
            value, end = decoder.raw_decode(buffer, pos)
        except ValueError as exc:
            if len(buffer) - pos < MAX_ELEMENT and more():
                continue
            where = line + buffer.count("\n", 0, pos)
            reason = f"not JSON ({_short(exc)}); the rest of the array cannot be read"
            yield where, Malformed(reason)
            return
        if end == len(buffer) and not done and more():
            continue  # a number may go on in the next chunk: decode it whole
        yield line + buffer.count("\n", 0, pos), value
        pos = end


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 80 else text[:77] + "..."
