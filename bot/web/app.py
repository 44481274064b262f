"""The Flask app factory: `gunicorn 'bot.app:create_app()'` (settings from TRACKPLAN_*)."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, current_app, jsonify, request
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from bot.config import Config, ConfigError
from bot.queue.base import DeliveryQueue
from bot.queue.worker import Worker
from bot.readapi.access import ReadAccess
from bot.service import assemble
from bot.web import catalog_routes, read_routes
from bot.web.read_access import install as install_read_access
from bot.web.webhook import WebhookEndpoint
from registry.records import record

log = logging.getLogger("trackplan.bot")
webhook = Blueprint("webhook", __name__)


@record
class BotState:
    config: Config
    queue: DeliveryQueue
    worker: Worker
    endpoint: WebhookEndpoint


def state() -> BotState:
    bot: BotState = current_app.extensions["trackplan"]
    return bot


@webhook.get("/healthz")
def healthz() -> ResponseReturnValue:
    """Liveness plus the queue's state: a growing backlog or failed count wants a look."""
    health = state().queue.health()
    return jsonify(
        status="ok", queue=health.counts, backlog=health.backlog,
        oldest_pending_seconds=health.oldest_pending_seconds, failed=health.failed,
    )  # fmt: skip


@webhook.post("/webhook")
def receive() -> ResponseReturnValue:
    """Reached only through Flask's dispatch: create_app puts the WebhookEndpoint in front,
    which answers POST /webhook before it. The same answer; the rule also gives Flask's 405
    for other methods and OPTIONS."""
    status, body = state().endpoint.answer(request.environ)
    return current_app.response_class(body, status, mimetype="application/json")


def _json_error(exc: HTTPException) -> ResponseReturnValue:
    return jsonify(error=exc.description or exc.name), exc.code or 500


def configure_logging() -> None:
    """One line per delivery outcome on stderr, unless the host (tests, gunicorn
    --log-config) set up logging already."""
    logger = logging.getLogger("trackplan")
    if logger.handlers or logging.getLogger().handlers:
        return
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)


def create_app(config: Config | Mapping[str, Any] | None = None) -> Flask:
    """The bot's WSGI app. `config`: a Config, a mapping of its fields, or None to read the
    TRACKPLAN_* environment now (never at import)."""
    settings = Config.coerce(config)
    configure_logging()
    app = Flask("trackplan", static_folder=None)  # no /static/: it would serve the cwd
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    queue, worker = assemble(settings)
    endpoint = WebhookEndpoint(app.wsgi_app, settings, queue, worker)
    app.extensions["trackplan"] = BotState(settings, queue, worker, endpoint)
    app.register_blueprint(webhook)
    app.wsgi_app = endpoint  # type: ignore[method-assign]  # Flask's documented middleware hook
    app.register_error_handler(HTTPException, _json_error)
    if settings.registry_path is not None:
        # The read API and catalog answer on their own address (create_read_app), never on
        # the webhook's: who may read plans is not who may post deliveries.
        log.info("TRACKPLAN_REGISTRY_PATH is served by create_read_app() on its own bind")
    if settings.start_worker:
        worker.start()
    return app


def create_read_app(repo: Path | None = None, read_access: ReadAccess | None = None,
                    observed: Path | None = None) -> Flask:  # fmt: skip
    """The read API and the catalog of `repo`'s releases, on an address of their own
    (`trackplan serve`, or `gunicorn 'bot.app:create_read_app()'`), the catalog drawing the
    check reports of the folder `observed`. None: the environment, read now
    (TRACKPLAN_REGISTRY_PATH, TRACKPLAN_OBSERVED_DIR, TRACKPLAN_READ_TOKEN,
    TRACKPLAN_READ_CACHE, TRACKPLAN_CATALOG_HEAD)."""
    if repo is None:
        found = os.environ.get("TRACKPLAN_REGISTRY_PATH", "")
        if not found:
            raise ConfigError("TRACKPLAN_REGISTRY_PATH is not set (the clone whose releases "
                              "the read API serves)")  # fmt: skip
        repo = Path(found)
        observed = Path(os.environ["TRACKPLAN_OBSERVED_DIR"]) if os.environ.get(
            "TRACKPLAN_OBSERVED_DIR") else observed  # fmt: skip
    if observed is not None and not observed.is_dir():
        raise ConfigError(f"{observed}: no such folder (the reports of `trackplan check "
                          "--report-out` the catalog draws)")  # fmt: skip
    try:
        given = read_access if read_access is not None else ReadAccess.from_env()
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    app = Flask("trackplan", static_folder=None)
    install_read_access(app, given)
    read_routes.install(app, repo)
    catalog_routes.install(app, repo, observed)

    @app.get("/healthz")
    def health() -> ResponseReturnValue:
        return jsonify(status="ok")

    app.register_error_handler(HTTPException, _json_error)
    return app
