"""Who may read the read API and the served catalog, and what caches may keep of them."""

from __future__ import annotations

import hmac
import os
from collections.abc import Mapping
from dataclasses import dataclass

from flask import Flask, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue


@dataclass(frozen=True)
class ReadAccess:
    """TRACKPLAN_READ_TOKEN: a bearer token every request needs ("" = open); TRACKPLAN_READ_CACHE:
    `public` lets shared caches keep answers (default `private`: plans may be internal);
    TRACKPLAN_CATALOG_HEAD=1: the catalog shows the branch, unreleased events included
    (default: each plan's latest release only)."""

    token: str = ""
    public_cache: bool = False
    catalog_head: bool = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> ReadAccess:
        env = os.environ if environ is None else environ
        cache = env.get("TRACKPLAN_READ_CACHE", "private").strip().lower()
        if cache not in ("private", "public"):
            raise ValueError(f"TRACKPLAN_READ_CACHE must be private or public, not {cache!r}")
        head = env.get("TRACKPLAN_CATALOG_HEAD", "").strip().lower() in ("1", "true", "yes")
        return cls(env.get("TRACKPLAN_READ_TOKEN", "").strip(), cache == "public", head)


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
