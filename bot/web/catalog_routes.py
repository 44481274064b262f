"""The plan catalog served at / beside the read API: rebuilt when the branch or tags move."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request
from flask.typing import ResponseReturnValue

from bot.readapi.catalog import CatalogStore
from bot.web.read_access import access, cache_control
from registry.catalog.render import SCRIPT, STYLESHEET
from registry.escape import html_text
from registry.load.snapshot import SnapshotError
from registry.pull.fetch import PullError
from registry.text import plural

log = logging.getLogger("trackplan.catalog")
pages = Blueprint("catalog_pages", __name__)
# The pages hold no script or style from anywhere but themselves and the files the catalog
# writes beside them (its stylesheet, its script, the search index: data only); user
# strings are escaped and this makes sure nothing else could run.
POLICY = ("default-src 'none'; style-src 'self' 'unsafe-inline'; "
          "script-src 'self' 'unsafe-inline'; img-src data:; base-uri 'none'; "
          "form-action 'none'; frame-ancestors 'none'")  # fmt: skip


# What the pages load beside themselves (no other file of the catalog is served).
ASSETS = {"search-index.js": "text/javascript", SCRIPT: "text/javascript", STYLESHEET: "text/css"}


def _store() -> CatalogStore:
    store: CatalogStore = current_app.extensions["trackplan_catalog"]
    return store


@pages.get("/")
@pages.get("/<path:name>")
def page(name: str = "index.html") -> ResponseReturnValue:
    try:
        catalog = _store().current(access().catalog_head)
    except (PullError, SnapshotError) as exc:
        return _html(503, "The catalog is not available", str(exc))
    if catalog.errors:
        said = (
            f"{plural(len(catalog.errors), 'validation error')} in the plans shown: run `trackplan "
            "validate` and fix them; the catalog shows again then."
        )
        return _html(503, "The plans do not validate", said)
    if name.endswith("/"):
        name += "index.html"
    body = catalog.files.get(name)
    kind = "text/html" if name.endswith(".html") else ASSETS.get(name)
    if body is None or kind is None:
        return _html(404, "No such page", f"The catalog has no page {name!r}.")
    response = Response(body, mimetype=kind)
    response.set_etag(hashlib.sha256(body).hexdigest())
    # Revalidate: the plans move with the branch; private unless the deployment says public.
    response.headers["Cache-Control"] = cache_control("no-cache")
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def _html(status: int, title: str, detail: str) -> ResponseReturnValue:
    body = (f"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>"
            f"{html_text(title)}</title><h1>{html_text(title)}</h1><p>{html_text(detail)}</p>"
            "</html>")  # fmt: skip
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = POLICY
    return response


def install(app: Flask, repo: Path, observed: Path | None = None) -> None:
    """Serve the catalog of the git repository at `repo` at /, with the reports of the
    folder `observed` drawn (watched: a new report shows on the next request)."""
    app.extensions["trackplan_catalog"] = CatalogStore(repo, observed)
    app.register_blueprint(pages)
