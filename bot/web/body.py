"""A request body read whole up to a limit: 413 past it, with a Content-Length or chunked;
a signed body is checked while it is read, and a forged one is never held whole."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge

from bot.web.signature import matches, new_mac, well_formed

# A signed body is spooled to disk past this size while its signature is unknown: a
# stranger's 25 MB bodies cost a worker 1 MiB each, not 25.
SPOOL_BYTES = 1 << 20


def read_body(limit: int) -> bytes:
    """The raw body, at most `limit` bytes: 413 past it, with a Content-Length or chunked
    (werkzeug would cut a chunked body short silently, and a signature would then fail)."""
    return b"".join(_chunks(limit))


def _chunks(limit: int) -> Iterator[bytes]:
    """The body in chunks of at most 64 KiB: 413 once it passes `limit`."""
    if request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()
    stream = request.stream if request.content_length is not None else None
    if stream is None:
        if not request.environ.get("wsgi.input_terminated"):
            return
        stream = request.environ.get("wsgi.input")
        if stream is None:
            return
    size = 0
    while chunk := stream.read(min(65536, limit + 1 - size)):
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
        yield chunk


def read_signed_body(secret: str, header: str | None, limit: int) -> bytes | None:
    """The body when `header` is its HMAC-SHA256 under `secret`, else None. Without a
    well-formed header nothing is read; otherwise the MAC is computed as the body streams
    in, spooled to disk past SPOOL_BYTES, and a forged body is dropped unread by anyone."""
    if header is None or not well_formed(header):  # nothing is read for it
        return None
    mac = new_mac(secret)
    if request.content_length is not None and request.content_length <= min(limit, SPOOL_BYTES):
        # A delivery's usual size: held in memory, no spool; a stream that runs past its
        # Content-Length (a server that does not cut it) is refused past 1 MiB, as before.
        body = b"".join(_chunks(min(limit, SPOOL_BYTES)))
        mac.update(body)
        return body if matches(mac, header) else None
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
        for chunk in _chunks(limit):
            mac.update(chunk)
            spool.write(chunk)
        if not matches(mac, header):
            return None
        spool.seek(0)
        return spool.read()
