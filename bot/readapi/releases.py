"""Released plan versions read from a git repository's tags, cached: what the read API serves."""

from __future__ import annotations

import json
import logging
import threading
from pathlib import Path

from registry.eventcheck.checker import Checker
from registry.eventcheck.history import renames_released
from registry.load.snapshot import SnapshotError
from registry.pull.fetch import GitSource, PullError
from registry.pull.sources import PlanRequest
from registry.release.artifacts import artifact_names
from registry.release.versions import tag_pattern

# What reading the repository can raise: answered 503 (or the tag skipped), never 500.
UNREADABLE = (PullError, SnapshotError, OSError, KeyError, ValueError)
CHECKERS_KEPT = 8
log = logging.getLogger("trackplan.readapi")


class ReleaseStore:
    """Reads releases from the repository; artifacts are cached (a version never changes)."""

    def __init__(self, repo: Path) -> None:
        self.repo = repo
        self._lock = threading.Lock()
        self._artifacts: dict[tuple[str, str], dict[str, bytes]] = {}
        self._checkers: dict[tuple[str, str], Checker] = {}

    def source(self) -> GitSource:
        # Tags are read again on each request: a new release shows up without a restart.
        return GitSource(self.repo)

    def plans(self) -> dict[str, list[str]]:
        source = self.source()
        found: dict[str, list[str]] = {}
        pattern = tag_pattern(source.template)
        for name in source.tags:
            match = pattern.fullmatch(name)
            if match:
                found.setdefault(match["plan"], [])
        return {plan: source.versions(plan) for plan in sorted(found)}

    def artifacts(self, source: GitSource, plan: str, version: str) -> dict[str, bytes] | None:
        """The version's artifacts, or None when its tag cannot be one (it names a commit
        without the plan, or the plan there does not load): logged, never an error page."""
        key = (plan, version)
        with self._lock:
            cached = self._artifacts.get(key)
        if cached is None:
            try:
                cached = source.artifacts(plan, version)
            except UNREADABLE as exc:
                log.warning("skipping release %s %s of %s: %s", plan, version, self.repo, exc)
                return None
            with self._lock:
                self._artifacts[key] = cached
        return cached

    def checker(self, plan: str, version: str, files: dict[str, bytes]) -> Checker:
        """The compiled checker of a version (kept for the few most recently used)."""
        key = (plan, version)
        with self._lock:
            found = self._checkers.pop(key, None)
        if found is None:
            names = artifact_names(plan, version)
            renamed_in = renames_released(self.repo, PlanRequest(plan, version))
            found = Checker(json.loads(files[names["plan"]]), json.loads(files[names["schema"]]),
                            renamed_in)  # fmt: skip
        with self._lock:
            self._checkers[key] = found  # most recent last
            while len(self._checkers) > CHECKERS_KEPT:
                self._checkers.pop(next(iter(self._checkers)))
        return found
