"""A request body read whole up to a limit: 413 past it, with a Content-Length or chunked;
a signed body is checked while it is read, and a forged one is never held whole."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from typing import IO, Any

from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wsgi import LimitedStream, get_content_length

from bot.web.signature import matches, new_mac, well_formed

# A signed body is spooled to disk past this size while its signature is unknown: a
# stranger's 25 MB bodies cost a worker 1 MiB each, not 25.
SPOOL_BYTES = 1 << 20

Environ = dict[str, Any]


def read_body(environ: Environ, limit: int) -> bytes:
    """The raw body of the request `environ`, at most `limit` bytes: 413 past it, with a
    Content-Length or chunked (werkzeug would cut a chunked body short silently, and a
    signature would then fail)."""
    return b"".join(_chunks(environ, limit))


def _chunks(environ: Environ, limit: int) -> Iterator[bytes]:
    """The body in chunks of at most 64 KiB: 413 once it passes `limit`. A body with a
    Content-Length is never read past it (a client that stops short gets a 400); a chunked
    one is read to the end the server marks (`wsgi.input_terminated`)."""
    length = get_content_length(environ)
    stream: IO[bytes] | LimitedStream
    if length is not None:
        if length > limit:
            raise RequestEntityTooLarge()
        stream = LimitedStream(environ["wsgi.input"], length)
    elif environ.get("wsgi.input_terminated") and environ.get("wsgi.input") is not None:
        stream = environ["wsgi.input"]
    else:
        return  # no length and no end marked by the server: no body
    size = 0
    while chunk := stream.read(min(65536, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        yield chunk


def read_signed_body(environ: Environ, secret: str, header: str | None,
                     limit: int) -> bytes | None:  # fmt: skip
    """The body when `header` is its HMAC-SHA256 under `secret`, else None. Without a
    well-formed header nothing is read; otherwise the MAC is computed as the body streams
    in, spooled to disk past SPOOL_BYTES, and a forged body is dropped unread by anyone."""
    if header is None or not well_formed(header):  # nothing is read for it
        return None
    mac = new_mac(secret)
    length = get_content_length(environ)
    if length is not None and length <= min(limit, SPOOL_BYTES):
        # A delivery's usual size: held in memory, no spool.
        body = b"".join(_chunks(environ, min(limit, SPOOL_BYTES)))
        mac.update(body)
        return body if matches(mac, header) else None
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in _chunks(environ, limit):
            mac.update(chunk)
            spool.write(chunk)
        if not matches(mac, header):
            return None
        spool.seek(0)
        return spool.read()
