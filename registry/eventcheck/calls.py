"""Read analytics calls as a stream: JSON lines, a JSON array, gzip of either, or stdin."""

from __future__ import annotations

import codecs
import io
import json
import re
import zlib
from collections.abc import Iterator
from itertools import accumulate
from typing import IO, Any

from registry.records import record

CHUNK = 1 << 20
MAX_ELEMENT = 64 << 20  # one line or array element this long is not a call
BOM = b"\xef\xbb\xbf"
# Lines read with json before orjson takes over (3-5x json's speed): importing orjson costs
# about what a thousand short lines do, so a short input, the common case, goes without it.
ORJSON_AFTER = 1_000
# orjson reads an integer past 64 bits as a float (2**64 as 1.8446744073709552e+19), where
# json keeps it whole; such an integer has 19 digits or more, and such a line goes to json.
# (Digits made 0 and the rest x, then a search: a third of a regular expression's time.)
_DIGITS_AS_ZERO = bytes(0x30 if 0x30 <= b <= 0x39 else 0x78 for b in range(256))
_LONG_RUN = b"0" * 19
WHITESPACE = b" \t\r\n"


@record(frozen=True)
class Malformed:
    """A line (or array element) that is not a call, and why."""

    reason: str


class InputTooLarge(Exception):
    """The input, decompressed, is larger than the reader was allowed to take."""


class _Capped(io.RawIOBase):
    """A stream that raises InputTooLarge once more than `limit` bytes were read from it
    (a small gzip body can inflate to gigabytes)."""

    def __init__(self, inner: IO[bytes], limit: int) -> None:
        self.inner, self.left = inner, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self.inner.read(min(len(buffer), self.left + 1))
        self.left -= len(data)
        if self.left < 0:
            raise InputTooLarge()
        buffer[: len(data)] = data
        return len(data)


def read_calls(raw: IO[bytes], max_bytes: int | None = None) -> Iterator[tuple[int, Any]]:
    """(line number, decoded JSON value or Malformed) for each call in `raw`, in order,
    holding one line or chunk at a time in memory. Nothing in the input stops the run
    before its end, except what makes the rest unreadable (truncated gzip, an array whose
    syntax breaks), which comes out as one last Malformed. With `max_bytes`, more than that
    many bytes (after decompression) raise InputTooLarge."""
    return _Reader(raw, max_bytes).calls()


class _Reader:
    def __init__(self, raw: IO[bytes], max_bytes: int | None) -> None:
        stream = raw if isinstance(raw, io.BufferedReader) else io.BufferedReader(raw)  # type: ignore[type-var]
        if stream.peek(2)[:2] == b"\x1f\x8b":  # gzip, whatever the file is called
            import gzip  # with struct and _compression: for gzip input only

            stream = io.BufferedReader(gzip.GzipFile(fileobj=stream))
        if max_bytes is not None:
            stream = io.BufferedReader(_Capped(stream, max_bytes))
        self.stream = stream
        self.line = 0  # lines read so far

    def calls(self) -> Iterator[tuple[int, Any]]:
        try:
            first = self._skip_blanks()
            if first == b"[":
                yield from self._array()
            elif first:
                yield from self._lines()
        except (EOFError, OSError, zlib.error) as exc:  # truncated or corrupt gzip
            reason = str(exc) or type(exc).__name__
            yield self.line + 1, Malformed(f"unreadable ({reason}); the rest cannot be read")

    def _skip_blanks(self) -> bytes:
        """Read past a byte order mark and blank space; the first byte left, or b"" at end."""
        start = True
        while True:
            head = self.stream.peek(CHUNK)[:CHUNK]
            if not head:
                return b""
            if start and head.startswith(BOM):
                self.stream.read(len(BOM))
                start = False
                continue
            start = False
            rest = head.lstrip(WHITESPACE)
            blank = head[: len(head) - len(rest)]
            self.line += blank.count(b"\n")
            self.stream.read(len(blank))
            if rest:
                return rest[:1]

    def _lines(self) -> Iterator[tuple[int, Any]]:
        fast: Any = None  # orjson, once the input is long enough to repay its import
        while True:
            raw = self.stream.readline(MAX_ELEMENT + 1)
            if not raw:
                return
            self.line += 1
            if fast is None and self.line > ORJSON_AFTER:
                import orjson as fast
            if len(raw) > MAX_ELEMENT:
                while raw and not raw.endswith(b"\n"):  # skip the rest of the line
                    raw = self.stream.readline(CHUNK)
                yield self.line, Malformed(f"longer than {MAX_ELEMENT >> 20} MiB: not a call")
                continue
            if not raw.strip(WHITESPACE):
                continue
            if fast is not None and _LONG_RUN not in raw.translate(_DIGITS_AS_ZERO):
                try:
                    value = fast.loads(raw)  # strict JSON and UTF-8: what json reads alike
                except fast.JSONDecodeError:
                    pass  # json says why, or reads what orjson refuses (lone surrogates)
                else:
                    yield self.line, Malformed(TOO_DEEP) if _too_deep(raw) else value
                    continue
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                yield self.line, Malformed(f"not UTF-8 ({exc.reason} at byte {exc.start})")
                continue
            try:
                value = _decode(text)
            except ValueError as exc:
                yield self.line, Malformed(f"not JSON ({_short(exc)})")
            except RecursionError:  # json stops where Python's stack does
                yield self.line, Malformed(TOO_DEEP)
            else:
                yield self.line, Malformed(TOO_DEEP) if _too_deep(text) else value

    def _array(self) -> Iterator[tuple[int, Any]]:
        decoder = codecs.getincrementaldecoder("utf-8")()
        parse = json.JSONDecoder(parse_constant=_no_constant).raw_decode
        buffer, pos, counted, done = "", 0, 0, False
        scan: Scan = (0, 0, False)  # how far a refused element spanning chunks was scanned
        broken = ""  # why the input cannot be read past what is buffered
        base = self.line + 1  # the line the array starts on

        def line_at(at: int) -> int:
            nonlocal counted, base
            base += buffer.count("\n", counted, at)
            counted = at
            return base

        def more(at_least: int = CHUNK) -> bool:
            nonlocal buffer, pos, counted, done, broken
            if done:
                if broken:
                    raise _Broken(broken)
                return False
            chunk = self.stream.read(max(CHUNK, at_least))
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:  # keep the calls before the bad byte
                text = chunk[: max(exc.start, 0)].decode("utf-8", "ignore")
                broken, chunk = f"not UTF-8 ({exc.reason})", b""
            if not chunk:
                done = True
            line_at(pos)  # keep the count of what is dropped
            buffer, counted, pos = buffer[pos:] + text, 0, 0
            return bool(text) or not done

        try:
            more()
            pos = buffer.index("[") + 1
            while True:
                while True:  # skip blanks and commas between elements
                    while pos < len(buffer) and buffer[pos] in " \t\r\n,":
                        pos += 1
                    if pos < len(buffer) or not more():
                        break
                if pos >= len(buffer):
                    yield line_at(pos), Malformed("the array is not closed")
                    return
                if buffer[pos] == "]":
                    pos += 1
                    break
                try:
                    value, end = parse(buffer, pos)
                except (ValueError, RecursionError) as exc:
                    # Well-formed but refused (NaN, an integer of thousands of digits, nesting
                    # past the reader's depth): that element is malformed, the rest is read.
                    whole = not isinstance(exc, json.JSONDecodeError)
                    skip, scan = _value_end(buffer, pos, scan) if whole else (None, scan)
                    if skip is not None:
                        scan = (0, 0, False)
                        said = TOO_DEEP if isinstance(exc, RecursionError) else (
                            f"not a call ({_short(exc)})")  # fmt: skip
                        yield line_at(pos), Malformed(said)
                        pos = skip
                        continue
                    # Unfinished: read as much again (up to the limit) before parsing it
                    # anew, so an element of n bytes is parsed about log n times, not once
                    # a chunk: a 60 MB element took 16 s, where a line of it takes 1.
                    pending = len(buffer) - pos
                    if pending < MAX_ELEMENT and more(min(pending, MAX_ELEMENT + 1 - pending)):
                        continue
                    raise _Broken(f"not JSON ({_short(exc)})") from None
                if end == len(buffer) and more():
                    continue  # a number may go on in the next chunk: decode it whole
                yield line_at(pos), Malformed(TOO_DEEP) if _too_deep(buffer, pos, end) else value
                pos = end
            while True:  # after the closing bracket only blank space may follow
                rest = buffer[pos:].lstrip(" \t\r\n")
                if rest:
                    yield (
                        line_at(len(buffer) - len(rest)),
                        Malformed("content after the array's closing ']' (not read)"),
                    )
                    return
                pos = len(buffer)
                if not more():
                    return
        except _Broken as exc:
            yield (
                line_at(min(pos, len(buffer))),
                Malformed(f"{exc}; the rest of the array cannot be read"),
            )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


_decode = json.JSONDecoder(parse_constant=_no_constant).decode  # one decoder for every line


# The nesting a call may have. Each reader has a limit of its own (orjson 1,024 levels,
# json wherever Python's stack ends: about 1,000 levels, or 16,000 in a process that raised
# its recursion limit, as mypy does), so a fixed one below both decides, the same in lines
# and in arrays, in the command line and in any process that calls the reader.
MAX_DEPTH = 512
TOO_DEEP = f"nested too deep to read (over {MAX_DEPTH} levels): not a call"
_STEP = {ord("["): 1, ord("{"): 1, ord("]"): -1, ord("}"): -1}
_NOT_SYNTAX = bytes(b for b in range(256) if b not in b'[]{}"')  # deleted before counting
_WINDOW = 1 << 20  # what the depth count reads at a time: its memory stays flat


def _too_deep(text: str | bytes, start: int = 0, end: int | None = None) -> bool:
    """Whether the well-formed JSON value in `text[start:end]` nests past MAX_DEPTH levels,
    found by counting brackets outside strings (at C speed, a window at a time), not by
    recursing. A value with no more opening brackets than that in all is not (the common
    case: two counts)."""
    if isinstance(text, bytes):
        opened = text.count(b"[", start, end) + text.count(b"{", start, end)
    else:
        opened = text.count("[", start, end) + text.count("{", start, end)
    if opened <= MAX_DEPTH:
        return False
    end = len(text) if end is None else end
    depth, in_string, escaped = 0, False, False
    for at in range(start, end, _WINDOW):
        window = text[at : min(at + _WINDOW, end)]
        piece = window if isinstance(window, bytes) else window.encode("utf-8", "surrogatepass")
        if escaped:  # the last window ended on a backslash: this byte is escaped
            piece, escaped = piece[1:], False
        # In a string a backslash escapes the next character: pairs of backslashes go first,
        # then the escaped quotes (brackets are never escaped; other escapes do not matter).
        piece = piece.replace(b"\\\\", b"")
        if piece.endswith(b"\\"):  # unpaired, at the end: it escapes the next window's first
            piece, escaped = piece[:-1], True
        piece = piece.replace(b'\\"', b"")
        for part in piece.translate(None, _NOT_SYNTAX).split(b'"'):
            if not in_string and part:
                if max(accumulate(map(_STEP.__getitem__, part), initial=depth)) > MAX_DEPTH:
                    return True
                depth += part.count(b"[") + part.count(b"{") - part.count(b"]") - part.count(b"}")
            in_string = not in_string
        in_string = not in_string  # n parts hold n - 1 quotes
    return False


_QUOTE_OR_ESCAPE = re.compile(r'["\\\\]')
Scan = tuple[int, int, bool]  # how far past the element's start a scan got: depth, in a string


def _value_end(text: str, pos: int, scan: Scan = (0, 0, False)) -> tuple[int | None, Scan]:
    """Where the JSON value at `pos` ends, found without recursion (brackets counted, strings
    skipped), or None and where to resume when `text` ends first (so an element that spans
    many chunks is scanned once, not once per chunk)."""
    offset, depth, in_string = scan
    at, size = pos + offset, len(text)
    while at < size:
        if in_string:  # to the next quote or backslash at C speed: a string may be MiBs long
            found = _QUOTE_OR_ESCAPE.search(text, at)
            if found is None:
                return None, (size - pos, depth, True)
            at = found.start()
            char = text[at]
            if char == "\\":
                if at + 1 >= size:  # the escaped character is in the next chunk
                    return None, (at - pos, depth, True)
                at += 2
                continue
            at += 1
            if char == '"':
                in_string = False
                if depth == 0:
                    return at, (0, 0, False)
            continue
        char = text[at]
        if char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth < 0:  # a scalar ended by its array's bracket
                return at, (0, 0, False)
            if depth == 0:
                return at + 1, (0, 0, False)
        elif depth == 0 and char in ", \t\r\n":
            return at, (0, 0, False)
        at += 1
    return None, (at - pos, depth, in_string)


class _Broken(Exception):
    """The array cannot be read on from here."""


def _short(exc: Exception) -> str:
    text = str(exc)
    return text if len(text) < 80 else text[:77] + "..."
