"""The catalog of a repository's branch and release tags, built again only when they move."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

from registry.about import installed_version
from registry.catalog.build import Catalog, build_catalog, released_snapshot
from registry.catalog.observed import ObservedError, PlanObserved, read_observed
from registry.load import gitrepo
from registry.load.snapshot import GitSnapshot
from registry.pull.fetch import GitSource

log = logging.getLogger("trackplan.catalog")


def folder_state(folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What changes when a report is added, replaced or removed: each *.json file's name,
    size and modification time (a listing, no file read)."""
    try:
        found = sorted(p for p in folder.rglob("*.json") if p.is_file())
        return tuple((p.relative_to(folder).as_posix(), s.st_size, s.st_mtime_ns)
                     for p in found for s in (p.stat(),))  # fmt: skip
    except OSError:
        return ()


class CatalogStore:
    """The catalog of a repository's HEAD and release tags, built again only when those
    change (a page request costs two git calls when nothing moved). With `observed`, a
    folder of `trackplan check --report-out` reports, it is watched too: a report added,
    replaced or removed shows on the next request (a file that is no report is skipped and
    logged)."""

    def __init__(self, repo: Path, observed: Path | None = None) -> None:
        self.repo = repo
        self.observed = observed
        self._lock = threading.Lock()
        self._key: tuple[object, ...] | None = None
        self._catalog: Catalog | None = None

    def current(self, head_wanted: bool) -> Catalog:
        """The catalog of each plan's latest release, or of HEAD when `head_wanted`."""
        source = GitSource(self.repo)  # PullError: not a repository
        head = gitrepo.git(self.repo, "rev-parse", "--verify", "HEAD^{commit}").strip()
        reports = folder_state(self.observed) if self.observed is not None else ()
        key = (head, head_wanted, tuple(sorted((t.name, t.commit) for t in source.tags.values())),
               reports)  # fmt: skip
        with self._lock:
            if key == self._key and self._catalog is not None:
                return self._catalog
            observed = self._observed()
            branch = GitSnapshot(self.repo, head)
            if head_wanted:
                catalog = build_catalog(branch, source, installed_version(), observed=observed)
            else:  # unreleased events stay unseen until they are released
                snapshot, versions = released_snapshot(source, branch)
                catalog = build_catalog(snapshot, source, installed_version(), labels=versions,
                                        observed=observed)  # fmt: skip
            self._key, self._catalog = key, catalog
            return catalog

    def _observed(self) -> dict[str, PlanObserved] | None:
        if self.observed is None:
            return None
        try:
            found, problems = read_observed(self.observed)
        except ObservedError as exc:
            log.warning("observed data not shown: %s", exc)
            return None
        except Exception:  # a page without observed data beats no page at all
            log.exception("observed data not shown: the reports of %s cannot be read",
                          self.observed)  # fmt: skip
            return None
        for problem in problems:
            log.warning("observed data: skipped %s", problem)
        return found
