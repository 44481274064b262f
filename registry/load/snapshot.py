"""Snapshots: the files of a registry at one point, from a folder, a git revision or memory."""

from __future__ import annotations

import os
import stat
from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping
from pathlib import Path, PurePosixPath

from registry.load import git
from registry.load.digest import sha256_hex
from registry.load.errors import SnapshotError as SnapshotError  # where callers have long found it

PLANS_DIR = "plans"
SETTINGS_FILE = "trackplan.yaml"
WAIVERS_FILE = "waivers.yaml"
CODEOWNERS_PATHS = (".github/CODEOWNERS", "CODEOWNERS", "docs/CODEOWNERS")
YAML_SUFFIXES = (".yaml", ".yml")


def is_registry_file(path: str) -> bool:
    """The files a registry consists of; everything else in the repository is ignored."""
    if path in (SETTINGS_FILE, WAIVERS_FILE) or path in CODEOWNERS_PATHS:
        return True
    return path.startswith(PLANS_DIR + "/") and path.endswith(YAML_SUFFIXES)


class Snapshot(ABC):
    """The registry files at one point in time, by POSIX path relative to the registry root."""

    label: str

    @abstractmethod
    def paths(self) -> list[str]:
        """Sorted paths of the registry files (see `is_registry_file`)."""

    @abstractmethod
    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        """The bytes of several files at once (one batch, not one call per file)."""

    def read(self, path: str) -> bytes:
        return self.read_many([path])[path]

    def digest(self, path: str) -> str:
        """A content id: equal ids mean equal bytes (a git blob sha, or a sha256)."""
        return sha256_hex(self.read(path))

    def is_registry(self) -> bool:
        paths = self.paths()
        return SETTINGS_FILE in paths or any(p.startswith(PLANS_DIR + "/") for p in paths)


class MemorySnapshot(Snapshot):
    """Files held in memory: what the bot builds from the GitHub API, and what tests build."""

    def __init__(self, files: Mapping[str, bytes], label: str = "memory") -> None:
        self._files = {p: b for p, b in files.items() if is_registry_file(p)}
        self.label = label

    def paths(self) -> list[str]:
        return sorted(self._files)

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        return {p: self._files[p] for p in paths}


class FolderSnapshot(Snapshot):
    """The registry files below a folder on disk."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.label = str(root)
        if not self.root.is_dir():
            raise SnapshotError(f"{root}: no such folder")
        self._paths: list[str] | None = None

    def paths(self) -> list[str]:
        if self._paths is None:
            self._paths = sorted(self._walk())
        return self._paths

    def _walk(self) -> Iterable[str]:
        root_real = self.root.resolve()
        for name in (SETTINGS_FILE, WAIVERS_FILE, *CODEOWNERS_PATHS):
            if self._readable(self.root / name, root_real):
                yield name
        plans = self.root / PLANS_DIR
        for folder, dirs, files in os.walk(plans):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in files:
                full = Path(folder, name)
                rel = full.relative_to(self.root).as_posix()
                if is_registry_file(rel) and self._readable(full, root_real):
                    yield rel

    @staticmethod
    def _readable(path: Path, root_real: Path) -> bool:
        """Only regular files inside the registry: a FIFO or a device would hang or never
        end, and a link out of the registry would print a CI runner's files in findings."""
        try:
            real = path.resolve()
            return real.is_relative_to(root_real) and stat.S_ISREG(real.stat().st_mode)
        except (OSError, RuntimeError):  # dangling or looping links
            return False

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        out = {}
        for p in paths:
            path = self.root / PurePosixPath(p)
            # Opened without blocking and checked again: the file may have changed kind.
            fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
            with os.fdopen(fd, "rb") as handle:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    raise SnapshotError(f"{path}: not a regular file")
                out[p] = handle.read()
        return out


class GitSnapshot(Snapshot):
    """The registry files at a git revision, read with one `git cat-file --batch` process."""

    def __init__(self, repo: str | os.PathLike[str], revision: str) -> None:
        self.repo = Path(repo)
        self.revision = revision
        self.git_root: Path
        self.prefix: str
        self._blob_cache: dict[str, bytes] = {}
        if git.run(self.repo, "rev-parse", "--is-bare-repository").strip() == "true":
            self.git_root, self.prefix = self.repo, ""  # a mirror, e.g. a pulled source
        else:
            self.git_root = Path(git.run(self.repo, "rev-parse", "--show-toplevel").strip())
            # The registry may live in a sub-folder of the repository.
            self.prefix = git.run(self.repo, "rev-parse", "--show-prefix").strip()
        try:
            self.commit = git.run(
                self.repo,
                "rev-parse",
                "--verify",
                "--quiet",
                "--end-of-options",
                f"{revision}^{{commit}}",
            )
        except SnapshotError:
            raise SnapshotError(
                f"{revision}: not a revision of the git repository at {repo}"
            ) from None
        self.commit = self.commit.strip()
        self.label = f"{revision} ({self.commit[:12]})"
        self._blobs = self._list_blobs()

    def _list_blobs(self) -> dict[str, str]:
        out = git.run(
            self.git_root,
            "ls-tree",
            "-r",
            "-z",
            "--full-tree",
            self.commit,
            "--",
            self.prefix or ".",
        )
        blobs: dict[str, str] = {}
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, path = entry.split("\t", 1)
            mode, kind, sha = meta.split()
            if kind != "blob" or mode == "120000":  # symlinks are not followed
                continue
            rel = path[len(self.prefix) :]
            if is_registry_file(rel):
                blobs[rel] = sha
        return blobs

    def paths(self) -> list[str]:
        return sorted(self._blobs)

    def digest(self, path: str) -> str:
        return self._blobs[path]

    def read_many(self, paths: Iterable[str]) -> dict[str, bytes]:
        paths = list(paths)
        cache = self._blob_cache
        wanted = [p for p in paths if self._blobs[p] not in cache]
        if wanted:
            for path, data in zip(wanted, self._cat(wanted), strict=True):
                cache[self._blobs[path]] = data  # blobs are immutable: keep them by sha
        return {p: cache[self._blobs[p]] for p in paths}

    def _cat(self, wanted: list[str]) -> Iterable[bytes]:
        return git.cat_blobs(self.git_root, (self._blobs[p] for p in wanted))


def open_snapshot(spec: str, repo: str | os.PathLike[str]) -> Snapshot:
    """A folder if `spec` names one, else a git revision of the repository at `repo`."""
    if os.path.isdir(spec):
        return FolderSnapshot(spec)
    if not os.path.isdir(repo):
        raise SnapshotError(f"{repo}: no such folder")
    return GitSnapshot(repo, spec)
