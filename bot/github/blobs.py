"""Blob contents by sha on disk: git blobs never change, so each is fetched once ever."""

from __future__ import annotations

from pathlib import Path


class BlobCache:
    """Blob contents by sha on disk: blobs are immutable, so each is fetched once ever."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def get(self, sha: str) -> bytes | None:
        try:
            return (self.folder / sha[:2] / sha).read_bytes()
        except OSError:
            return None

    def put(self, sha: str, data: bytes) -> None:
        target = self.folder / sha[:2] / sha
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".tmp")
            tmp.write_bytes(data)
            tmp.replace(target)
        except OSError:
            pass
