"""The read API's and catalog's access rules applied to each request: bearer token, caching."""

from __future__ import annotations

import hmac

from flask import Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from bot.readapi.access import ReadAccess


def access() -> ReadAccess:
    found = current_app.extensions.get("trackplan_read_access")
    return found if isinstance(found, ReadAccess) else ReadAccess()


def cache_control(value: str) -> str:
    """`value` for a response, `public` made `private` unless the deployment said public."""
    if access().public_cache:
        return value
    parts = [p.strip() for p in value.split(",") if p.strip() not in ("public", "private")]
    return ", ".join(["private", *parts])


def install(app: Flask, given: ReadAccess) -> None:
    """Every request but /healthz needs `Authorization: Bearer <token>` when there is one."""
    app.extensions["trackplan_read_access"] = given
    if not given.token:
        return

    @app.before_request
    def _authorized() -> ResponseReturnValue | None:
        if request.path == "/healthz":
            return None
        header = request.headers.get("Authorization", "")
        scheme, _, presented = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(presented.strip().encode(),
                                                              given.token.encode()):  # fmt: skip
            return None
        response: Response = jsonify(error="a bearer token is needed (Authorization: Bearer …)")
        response.status_code = 401
        response.headers["WWW-Authenticate"] = 'Bearer realm="trackplan"'
        response.headers["Cache-Control"] = "no-store"
        return response
