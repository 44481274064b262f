"""The domain's one failure of input as a whole: a registry that cannot be read at all."""

from __future__ import annotations


class SnapshotError(Exception):
    """A registry that cannot be read at all (missing folder, unknown revision, not a registry)."""
