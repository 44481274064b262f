"""The catalog of a repository's branch and release tags, built again only when they move."""

from __future__ import annotations

import threading
from pathlib import Path

from registry.about import installed_version
from registry.catalog.build import Catalog, build_catalog, released_snapshot
from registry.load import gitrepo
from registry.load.snapshot import GitSnapshot
from registry.pull.fetch import GitSource


class CatalogStore:
    """The catalog of a repository's HEAD and release tags, built again only when those
    change (a page request costs two git calls when nothing moved)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._catalog: Catalog | None = None

    def current(self, head_wanted: bool) -> Catalog:
        """The catalog of each plan's latest release, or of HEAD when `head_wanted`."""
        source = GitSource(self.repo)  # PullError: not a repository
        head = gitrepo.git(self.repo, "rev-parse", "--verify", "HEAD^{commit}").strip()
        key = (head, head_wanted, tuple(sorted((t.name, t.commit) for t in source.tags.values())))
        with self._lock:
            if key == self._key and self._catalog is not None:
                return self._catalog
            branch = GitSnapshot(self.repo, head)
            if head_wanted:
                catalog = build_catalog(branch, source, installed_version())
            else:  # unreleased events stay unseen until they are released
                snapshot, versions = released_snapshot(source, branch)
                catalog = build_catalog(snapshot, source, installed_version(), labels=versions)
            self._key, self._catalog = key, catalog
            return catalog
