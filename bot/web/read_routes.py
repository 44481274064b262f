"""The read API's routes: released plan versions from a git repository's tags, over HTTP."""

from __future__ import annotations

import hashlib
import io
import json
import logging
from pathlib import Path
from typing import Any

from flask import Blueprint, Flask, Response, current_app, request
from flask.typing import ResponseReturnValue

from bot.readapi.releases import ReleaseStore
from bot.web.body import read_body
from bot.web.read_access import cache_control
from registry.eventcheck.calls import InputTooLarge, read_calls
from registry.eventcheck.report import CheckReport, render, run
from registry.load.snapshot import SnapshotError
from registry.pull.fetch import PullError
from registry.release.artifacts import artifact_names

log = logging.getLogger("trackplan.readapi")
read_api = Blueprint("read_api", __name__, url_prefix="/v1")
FORMATS = {"plan": "plan", "schema": "schema", "changelog": "changelog"}
IMMUTABLE = "public, max-age=31536000, immutable"
CHECK_MAX_BYTES = 10 * 1024 * 1024  # a batch of calls to check, decompressed too; 413 above


def _store() -> ReleaseStore:
    store: ReleaseStore = current_app.extensions["trackplan_releases"]
    return store


def _error(status: int, message: str, **extra: Any) -> ResponseReturnValue:
    return Response(json.dumps({"error": message, **extra}), status=status,
                    mimetype="application/json")  # fmt: skip


def _send(body: bytes, mimetype: str, cache: str, version: str | None = None) -> Response:
    response = Response(body, mimetype=mimetype)
    response.set_etag(hashlib.sha256(body).hexdigest())
    response.headers["Cache-Control"] = cache_control(cache)
    if version is not None:
        response.headers["X-Trackplan-Version"] = version
    response.make_conditional(request)  # 304 when If-None-Match matches
    return response


@read_api.errorhandler(SnapshotError)
@read_api.errorhandler(PullError)
def unreadable(exc: Exception) -> ResponseReturnValue:
    log.warning("read API: %s", exc)
    return _error(503, f"the registry cannot be read: {exc}")


@read_api.get("/plans")
def list_plans() -> ResponseReturnValue:
    plans = _store().plans()
    data = {"plans": [{"id": p, "latest": v[-1] if v else None, "versions": len(v)}
                      for p, v in plans.items()]}  # fmt: skip
    return _send(json.dumps(data, indent=2).encode(), "application/json", "no-cache")


@read_api.get("/plans/<plan>/versions")
def list_versions(plan: str) -> ResponseReturnValue:
    source = _store().source()
    versions = source.versions(plan)
    if not versions:
        return _error(404, f"unknown plan '{plan}'")
    body = json.dumps({"plan": plan, "versions": versions}, indent=2).encode()
    return _send(body, "application/json", "no-cache")


@read_api.get("/plans/<plan>/versions/<version>")
def get_version(plan: str, version: str) -> ResponseReturnValue:
    kind = request.args.get("format", "plan")
    if kind not in FORMATS:
        return _error(400, f"format must be one of: {', '.join(FORMATS)}")
    source = _store().source()
    versions = source.versions(plan)
    if not versions:
        return _error(404, f"unknown plan '{plan}'")
    if version != "latest" and version not in versions:
        return _error(404, f"plan '{plan}' has no version '{version}'", versions=versions)
    # `latest` is the newest version that is a real release: one broken tag never breaks it.
    for concrete in reversed(versions) if version == "latest" else [version]:
        files = _store().artifacts(source, plan, concrete)
        if files is not None:
            break
    else:
        return _error(404, f"plan '{plan}' has no readable release '{version}'")
    name = artifact_names(plan, concrete)[kind]
    mimetype = "text/markdown; charset=utf-8" if kind == "changelog" else "application/json"
    # A concrete version never changes; `latest` moves with each release.
    cache = "no-cache" if version == "latest" else IMMUTABLE
    return _send(files[name], mimetype, cache, concrete)


@read_api.post("/plans/<plan>/versions/<version>/check")
def check_calls(plan: str, version: str) -> ResponseReturnValue:
    """Check a batch of calls (JSON lines or a JSON array, gzip allowed) against a release:
    the same JSON report as `trackplan check --format json`."""
    body = read_body(request.environ, CHECK_MAX_BYTES)
    source = _store().source()
    versions = source.versions(plan)
    if not versions:
        return _error(404, f"unknown plan '{plan}'")
    if version not in versions:
        return _error(404, f"plan '{plan}' has no version '{version}'", versions=versions)
    files = _store().artifacts(source, plan, version)
    if files is None:
        return _error(404, f"plan '{plan}' has no readable release '{version}'")
    checker = _store().checker(plan, version, files)
    report = CheckReport(plan, version, artifact_names(plan, version)["schema"])
    calls = read_calls(io.BufferedReader(io.BytesIO(body)), max_bytes=CHECK_MAX_BYTES)
    try:
        for _ in run(checker, calls, report.source, report):
            pass
    except InputTooLarge:
        limit = CHECK_MAX_BYTES >> 20
        return _error(413, f"the batch is larger than {limit} MiB after decompression: send "
                      "smaller batches")  # fmt: skip
    return Response(render(report, "json"), mimetype="application/json")


def install(app: Flask, repo: Path) -> None:
    """Serve the releases of the git repository at `repo` under /v1."""
    app.extensions["trackplan_releases"] = ReleaseStore(repo)
    app.register_blueprint(read_api)
