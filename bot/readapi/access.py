"""Who may read the read API and the served catalog, and what caches may keep of them."""

from __future__ import annotations

import os
from collections.abc import Mapping

from registry.records import record


@record(frozen=True)
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
