"""A request body read whole up to a limit: 413 past it, with a Content-Length or chunked."""

from __future__ import annotations

from flask import request
from werkzeug.exceptions import RequestEntityTooLarge


def read_body(limit: int) -> bytes:
    """The raw body, at most `limit` bytes: 413 past it, with a Content-Length or chunked
    (werkzeug would cut a chunked body short silently, and a signature would then fail)."""
    if request.content_length is not None:
        if request.content_length > limit:
            raise RequestEntityTooLarge()
        return request.get_data(cache=False)  # also 413 past MAX_CONTENT_LENGTH
    stream = request.environ.get("wsgi.input")
    if stream is None or not request.environ.get("wsgi.input_terminated"):
        return b""
    chunks, size = [], 0
    while chunk := stream.read(min(65536, limit + 1 - size)):
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge()
    return b"".join(chunks)
