"""Parse cache: the same bytes are parsed once per run, and once ever with the on-disk cache."""

from __future__ import annotations

import hashlib
import marshal
import os
import tempfile
from pathlib import Path

from registry.load.file_schemas import precheck, schema_for
from registry.load.yamlsafe import DEFAULT_LIMITS, Limits, YamlDocument, load_yaml

# Bump when the parsed form changes, so old entries are never read back.
CACHE_FORMAT = 2


def default_cache_dir() -> Path:
    """$TRACKPLAN_CACHE_DIR, else $XDG_CACHE_HOME/trackplan, else ~/.cache/trackplan."""
    explicit = os.environ.get("TRACKPLAN_CACHE_DIR")
    if explicit:
        return Path(explicit)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return Path(xdg) / "trackplan" if xdg else Path.home() / ".cache" / "trackplan"


class ParseCache:
    """Parses YAML bytes through a content-addressed cache (memory, then optionally disk).

    Files with equal bytes (the same git blob in base and head) are parsed once; with a
    folder, a later run reads the parsed form back instead of parsing again.
    """

    def __init__(self, folder: Path | None = None, limits: Limits = DEFAULT_LIMITS) -> None:
        self.limits = limits
        self.memory: dict[str, YamlDocument] = {}
        self.folder = folder / f"parse-v{CACHE_FORMAT}" if folder is not None else None
        self.hits = 0
        self.misses = 0
        # Limits change what parses, so they are part of the key.
        self._salt = repr((limits, CACHE_FORMAT)).encode()

    def remember(self, data: bytes, doc: YamlDocument) -> None:
        """Take `doc` as the parse of `data` (a writer that just produced `data` from
        `doc.data` knows it; tests check the writer against the parser)."""
        self.memory[hashlib.sha256(self._salt + data).hexdigest()] = doc

    def __call__(self, path: str, data: bytes) -> YamlDocument:
        key = hashlib.sha256(self._salt + data).hexdigest()
        doc = self.memory.get(key)
        if doc is None:
            doc = self._read(key)
        if doc is None:
            self.misses += 1
            doc = load_yaml(data, self.limits)  # YamlError propagates: errors are not cached
            schema = schema_for(path)
            if schema is not None:
                precheck(doc, schema)  # cached with the data: warm runs skip the schema check
            self._write(key, doc)
        else:
            self.hits += 1
        self.memory[key] = doc
        return doc

    def _entry(self, key: str) -> Path | None:
        return self.folder / key[:2] / key if self.folder is not None else None

    def _read(self, key: str) -> YamlDocument | None:
        entry = self._entry(key)
        if entry is None:
            return None
        try:
            data, positions, valid = marshal.loads(entry.read_bytes())
        except (OSError, ValueError, EOFError, TypeError):
            return None  # missing or damaged entries are parsed again
        return YamlDocument(data, positions, valid)

    def _write(self, key: str, doc: YamlDocument) -> None:
        entry = self._entry(key)
        if entry is None:
            return
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            blob = marshal.dumps((doc.data, doc.positions, doc.valid))
            # Write then rename: a concurrent reader sees the whole entry or none.
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(tmp, entry)
        except (OSError, ValueError):
            pass  # a cache that cannot be written only costs speed
