"""POST /webhook: verify, classify, store, acknowledge; answered in front of Flask's dispatch."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import HTTPException, InternalServerError
from werkzeug.http import HTTP_STATUS_CODES

from bot.config import Config
from bot.queue.base import DeliveryQueue
from bot.queue.redact import scrub
from bot.queue.worker import Worker
from bot.web.body import Environ, read_signed_body
from bot.web.intake import PayloadError, classify_body, parse_json

log = logging.getLogger("trackplan.bot")
# Where Flask logged a fault in a view (its app.logger: the app is named "trackplan").
faults = logging.getLogger("trackplan")

PATH = "/webhook"
StartResponse = Callable[..., Any]
WsgiApp = Callable[[Environ, StartResponse], Iterable[bytes]]
Answer = tuple[int, bytes]

# The bytes of the most frequent answer, {queued: true, duplicate: false}, made once.
QUEUED = b'{"duplicate":false,"queued":true}\n'


def document(**fields: Any) -> bytes:
    """A JSON answer, byte for byte as Flask's `jsonify` writes it outside debug mode."""
    return (json.dumps(fields, ensure_ascii=True, sort_keys=True, separators=(",", ":"))
            + "\n").encode()  # fmt: skip


class WebhookEndpoint:
    """The WSGI app in front of Flask's: POST /webhook is answered here, every other
    request (GET /healthz, other methods on /webhook) goes on to Flask.

    An acknowledgement is the bot's hot path, and Flask's dispatch (request and app
    contexts, URL matching, signals, a response object) took 130 us of it in-process and,
    under gunicorn at full load, a fifth of its CPU (2.0 ms a delivery before, 1.6 after).
    The answers are those Flask gave: the same status lines and JSON bytes (`document`),
    errors of the body (413, a client that stops short) and of the code (500) included.
    """

    def __init__(self, flask_app: WsgiApp, config: Config, queue: DeliveryQueue,
                 worker: Worker) -> None:  # fmt: skip
        self.flask_app = flask_app
        self.config = config
        self.queue = queue
        self.worker = worker

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if environ.get("PATH_INFO") != PATH or environ.get("REQUEST_METHOD") != "POST":
            return self.flask_app(environ, start_response)
        status, body = self.answer(environ)
        # As werkzeug writes a status line: "202 ACCEPTED".
        start_response(
            f"{status} {HTTP_STATUS_CODES.get(status, 'UNKNOWN').upper()}",
            [("Content-Type", "application/json"), ("Content-Length", str(len(body)))],
        )
        return [body]

    def answer(self, environ: Environ) -> Answer:
        """The status and JSON body for the delivery in `environ`."""
        try:
            return self._receive(environ)
        except HTTPException as exc:  # the body: too large, or cut short
            return exc.code or 500, document(error=exc.description or exc.name)
        except Exception:  # a bug: logged as Flask logs it, answered as Flask answers it
            faults.exception("Exception on %s [POST]", PATH)
            return 500, document(error=InternalServerError.description)

    def _receive(self, environ: Environ) -> Answer:
        # The signature is checked over the raw bytes as they are read, before anything else
        # reads them: an unsigned body is not read at all, a forged one never held whole.
        body = read_signed_body(environ, self.config.webhook_secret,
                                environ.get("HTTP_X_HUB_SIGNATURE_256"),
                                self.config.max_body_bytes)  # fmt: skip
        if body is None:
            log.warning("webhook rejected: bad or missing signature from %s",
                        environ.get("REMOTE_ADDR"))  # fmt: skip
            return 401, document(error="invalid signature")
        event = environ.get("HTTP_X_GITHUB_EVENT", "")
        delivery = environ.get("HTTP_X_GITHUB_DELIVERY", "")
        if not event or not delivery:
            return 400, document(error="missing X-GitHub-Event or X-GitHub-Delivery header")
        payload = parse_json(body)
        if payload is None:
            return 400, document(error="the body is not a JSON object")
        if event == "ping":
            return 200, document(pong=True, zen=str(payload.get("zen", "")))
        try:
            route = classify_body(event, payload, body)
        except PayloadError as exc:
            log.warning("delivery %s event=%s outcome=rejected (%s)", delivery, event, exc)
            return 400, document(error=f"malformed {event} payload: {exc}")
        if not route.handled:
            log.info("delivery %s event=%s outcome=ignored (%s)", delivery, event, route.reason)
            return 202, document(ignored=route.reason)
        kept = json.dumps(route.essentials, separators=(",", ":")).encode()
        try:
            stored = self.queue.put(delivery, event, route.key, route.coalesce, kept)
        except Exception as exc:  # the database is down or full: GitHub may redeliver later
            said = scrub(str(exc), self.config.database_url)  # never the URL's password
            log.error("delivery %s event=%s outcome=not-stored (%s: %s)", delivery, event,
                      exc.__class__.__name__, said)  # fmt: skip
            return 503, document(error="the delivery queue is unavailable; redeliver it later")
        if stored:
            self.worker.notify(route.key)
            return 202, QUEUED
        log.info("delivery %s event=%s outcome=duplicate", delivery, event)
        return 202, document(duplicate=True, queued=False)
