"""The plan catalog served at / beside the read API: rebuilt when the branch or tags move."""

from __future__ import annotations

import hashlib
import logging
import threading
from pathlib import Path

from flask import Blueprint, Flask, Response, current_app, request
from flask.typing import ResponseReturnValue

from registry import gitrepo
from registry.about import installed_version
from registry.catalog.build import Catalog, build_catalog
from registry.pull import GitSource, PullError
from registry.render import plural
from registry.snapshot import GitSnapshot, SnapshotError

log = logging.getLogger("trackplan.catalog")
pages = Blueprint("catalog_pages", __name__)
# The pages hold no script or style from anywhere but themselves; user strings are escaped
# and this makes sure nothing else could run.
POLICY = ("default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
          "img-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")  # fmt: skip


class CatalogStore:
    """The catalog of a repository's HEAD and release tags, built again only when those
    change (a page request costs two git calls when nothing moved)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._catalog: Catalog | None = None

    def current(self) -> Catalog:
        source = GitSource(self.repo)  # PullError: not a repository
        head = gitrepo.git(self.repo, "rev-parse", "--verify", "HEAD^{commit}").strip()
        key = (head, tuple(sorted((t.name, t.commit) for t in source.tags.values())))
        with self._lock:
            if key == self._key and self._catalog is not None:
                return self._catalog
            catalog = build_catalog(GitSnapshot(self.repo, head), source, installed_version())
            self._key, self._catalog = key, catalog
            return catalog


def _store() -> CatalogStore:
    store: CatalogStore = current_app.extensions["trackplan_catalog"]
    return store


@pages.get("/")
@pages.get("/<path:name>")
def page(name: str = "index.html") -> ResponseReturnValue:
    try:
        catalog = _store().current()
    except (PullError, SnapshotError) as exc:
        return _html(503, "The catalog is not available", str(exc))
    if catalog.errors:
        said = (
            f"{plural(len(catalog.errors), 'validation error')} at HEAD: run `trackplan "
            "validate` and fix them; the catalog shows again then."
        )
        return _html(503, "The plans do not validate", said)
    if name.endswith("/"):
        name += "index.html"
    body = catalog.files.get(name)
    if body is None or not name.endswith(".html"):
        return _html(404, "No such page", f"The catalog has no page {name!r}.")
    response = Response(body, mimetype="text/html")
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = "no-cache"  # revalidate: the plans move with the branch
    response.headers["Content-Security-Policy"] = POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response.make_conditional(request)


def _html(status: int, title: str, detail: str) -> ResponseReturnValue:
    from markupsafe import escape

    body = (f"<!doctype html><html lang=\"en\"><meta charset=\"utf-8\"><title>{escape(title)}"
            f"</title><h1>{escape(title)}</h1><p>{escape(detail)}</p></html>")  # fmt: skip
    response = Response(body, status=status, mimetype="text/html")
    response.headers["Content-Security-Policy"] = POLICY
    return response


def install(app: Flask, repo: Path) -> None:
    """Serve the catalog of the git repository at `repo` at /."""
    app.extensions["trackplan_catalog"] = CatalogStore(repo)
    app.register_blueprint(pages)
