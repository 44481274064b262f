"""`trackplan pull`: fetch a released plan version, write its artifacts and trackplan.lock."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from abc import ABC, abstractmethod
from datetime import date
from pathlib import Path
from typing import Any

from registry.load import gitrepo
from registry.load.cache import ParseCache
from registry.load.digest import sha256_hex
from registry.load.loader import load_registry
from registry.load.settings import settings_of
from registry.load.snapshot import (
    PLANS_DIR,
    GitSnapshot,
    MemorySnapshot,
    Snapshot,
    SnapshotError,
)
from registry.outpaths import OutsideOut, inside
from registry.pull.ranges import best_match
from registry.records import record
from registry.release.artifacts import build_artifacts
from registry.release.versions import parse_version, tag_name, tag_pattern

LOCK_FORMAT = 1


class PullError(Exception):
    """A pull that cannot be done; the message says why and what exists (exit 1)."""


class PullInputError(PullError):
    """Input the pull cannot read: a source that is not there, a corrupt or newer lock
    file (exit 2)."""


class ReleaseSource(ABC):
    """Where released versions come from."""

    label: str

    @abstractmethod
    def versions(self, plan: str) -> list[str]: ...

    @abstractmethod
    def artifacts(self, plan: str, version: str) -> dict[str, bytes]: ...

    def tree(self, plan: str, version: str) -> tuple[Snapshot, date] | None:
        """The registry's files as `version` of `plan` was released (the plan's own and the
        settings), and the day it was committed; None where the source keeps only artifacts."""
        return None


class GitSource(ReleaseSource):
    """A git repository's release tags; artifacts are rebuilt from the tagged commit, which
    gives the same bytes the release published (they are reproducible)."""

    def __init__(self, repo: Path, label: str | None = None) -> None:
        self.repo = repo
        self.label = label or str(repo)
        try:
            self.tags = {t.name: t for t in gitrepo.tags(repo)}
            head = GitSnapshot(repo, "HEAD")
        except SnapshotError as exc:
            raise PullInputError(f"{self.label}: not a readable git repository ({exc})") from None
        self.template = settings_of(head).release.tag
        self.parse = ParseCache()

    def versions(self, plan: str) -> list[str]:
        pattern = tag_pattern(self.template)
        found = []
        for name in self.tags:
            match = pattern.fullmatch(name)
            if match and match["plan"] == plan and parse_version(match["version"]):
                found.append(match["version"])
        return sorted(found, key=lambda v: parse_version(v) or (0, 0, 0))

    def artifacts(self, plan: str, version: str) -> dict[str, bytes]:
        name = self.template.replace("{plan}", plan).replace("{version}", version)
        tag = self.tags[name]
        registry = load_registry(GitSnapshot(self.repo, tag.commit), parse=self.parse).registry
        if plan not in registry.plans:
            raise PullError(f"{name} does not contain plan '{plan}'")
        message = gitrepo.git(self.repo, "tag", "-l", "--format=%(contents)", "--end-of-options",
                               name)  # fmt: skip
        return build_artifacts(registry.plans[plan], version, message.rstrip("\n") + "\n")

    def tree(self, plan: str, version: str) -> tuple[Snapshot, date] | None:
        try:
            name = tag_name(self.template, plan, version)
        except ValueError:
            return None
        tag = self.tags.get(name)
        if tag is None:
            return None
        tagged = GitSnapshot(self.repo, tag.commit)
        prefix = f"{PLANS_DIR}/{plan}/"
        wanted = [p for p in tagged.paths()
                  if p.startswith(prefix) or not p.startswith(PLANS_DIR + "/")]  # fmt: skip
        day = gitrepo.git(self.repo, "log", "-1", "--format=%cs", "--end-of-options",
                          tag.commit, "--").strip()  # fmt: skip
        return MemorySnapshot(tagged.read_many(wanted), label=name), date.fromisoformat(day)


@record(frozen=True)
class PullResult:
    plan: str
    version: str
    files: dict[str, str]  # file name -> sha256
    written: Path


def _digests(files: dict[str, bytes]) -> dict[str, str]:
    return {name: sha256_hex(data) for name, data in sorted(files.items())}


def read_lock(path: Path) -> dict[str, Any]:
    if not path.exists():
        return {"lockfile": LOCK_FORMAT, "plans": {}}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise PullInputError(f"{path}: not a readable trackplan.lock ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("plans"), dict):
        raise PullInputError(f"{path}: not a trackplan.lock (no 'plans' mapping)")
    version = data.get("lockfile", LOCK_FORMAT)
    if not isinstance(version, int) or isinstance(version, bool) or version < 1:
        raise PullInputError(f"{path}: 'lockfile' must be a format number, not {version!r}")
    if version > LOCK_FORMAT:
        raise PullInputError(
            f"{path} has lock file format {version}, written by a newer trackplan (this one "
            f"reads format {LOCK_FORMAT}): upgrade trackplan rather than rewrite the lock"
        )
    return data


def pull(source: ReleaseSource, plan: str, spec: str, out: Path, lock_path: Path,
         *, frozen: bool = False) -> PullResult:  # fmt: skip
    """Resolve `spec`, fetch the artifacts, then write them and the lock (all or nothing)."""
    lock = read_lock(lock_path)
    versions = source.versions(plan)
    if not versions:
        raise PullError(f"{source.label} has no released versions of plan '{plan}'")
    locked = lock["plans"].get(plan) if frozen else None
    if frozen and locked is None:
        raise PullError(f"--frozen: {lock_path} has no entry for plan '{plan}'")
    version = str(locked["version"]) if locked else best_match(spec, versions)
    if version is None or version not in versions:
        raise PullError(
            f"no released version of '{plan}' satisfies '{spec}'; released: {', '.join(versions)}"
        )
    if frozen and best_match(spec, [version]) is None:
        raise PullError(f"--frozen: locked {plan} {version} does not satisfy '{spec}'")
    files = source.artifacts(plan, version)
    digests = _digests(files)
    if frozen and locked is not None and locked.get("artifacts") != digests:
        raise PullError(
            f"--frozen: the artifacts of {plan} {version} from {source.label} differ from "
            f"{lock_path}; someone changed a released version or the lock"
        )
    try:  # the plan and file names come from the source: none may leave `out`
        target = inside(out, plan)
        for name in files:
            inside(target, name)
    except OutsideOut as exc:
        raise PullError(f"{source.label}: {exc}") from None
    _write_atomically(target, files)
    lock["plans"][plan] = {
        "version": version, "range": spec, "source": source.label, "artifacts": digests,
    }  # fmt: skip
    lock["lockfile"] = LOCK_FORMAT
    _write_file_atomically(lock_path, json.dumps(lock, indent=2, sort_keys=True) + "\n")
    return PullResult(plan, version, digests, target)


def _write_atomically(target: Path, files: dict[str, bytes]) -> None:
    """Replace the folder `target` with `files`: a failure leaves the old folder in place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        for name, data in files.items():
            (staging / name).write_bytes(data)
        old = None
        if target.exists():
            old = target.with_name(f".{target.name}-old-{os.getpid()}")
            os.replace(target, old)
        os.replace(staging, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_file_atomically(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(text)
    os.replace(tmp, path)


def open_source(spec: str, cache_dir: Path) -> ReleaseSource:
    """A local git repository path, or a git URL (cloned once into the cache). Read-API URLs
    are opened by the CLI with bot.readapi.client (the network stays out of the core)."""
    if Path(spec).is_dir():
        return GitSource(Path(spec))
    if "://" in spec or spec.startswith("git@"):
        return GitSource(_clone(spec, cache_dir), label=spec)
    raise PullInputError(f"{spec}: no such folder, and not a git URL")


def _clone(url: str, cache_dir: Path) -> Path:
    folder = cache_dir / "sources" / sha256_hex(url.encode())[:16]
    try:
        if folder.exists():
            gitrepo.git(folder, "fetch", "--quiet", "--tags", "--force", "origin")
        else:
            folder.parent.mkdir(parents=True, exist_ok=True)
            gitrepo.git(folder.parent, "clone", "--quiet", "--mirror", "--", url, str(folder))
    except SnapshotError as exc:
        raise PullInputError(f"{url}: cannot fetch ({exc})") from None
    return folder
