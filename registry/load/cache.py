"""Parse cache: the same bytes are parsed once per run, and once ever with the on-disk cache."""

from __future__ import annotations

import marshal
import os
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from registry.load.digest import sha256_hex
from registry.load.file_schemas import precheck, prepare_check, schema_for
from registry.load.yamlsafe import (
    DEFAULT_LIMITS,
    Limits,
    Positions,
    YamlDocument,
    is_node,
    load_yaml,
)

if TYPE_CHECKING:  # the pool's futures: concurrent.futures (and logging) load with a pool
    from concurrent.futures import Future

# Bump when the parsed form changes, so old entries are never read back.
# 6: entries a diff wrote while b6e0e5e shared events merely equal (1 and true) may hold
# the other side's values.
CACHE_FORMAT = 6
# Parsing in worker processes pays for itself past this many bytes still to parse (starting
# workers and sending results back costs about what parsing 1 MB does).
PARALLEL_BYTES = 2 * 1024 * 1024


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

    def __init__(self, folder: Path | None = None, limits: Limits = DEFAULT_LIMITS,
                 workers: int = 1) -> None:  # fmt: skip
        """`workers` > 1: `prefetch` may parse large sets of files in that many forked
        processes (a command line tool's choice: a threaded server never forks)."""
        self.limits = limits
        self.workers = workers
        self.memory: dict[str, YamlDocument] = {}
        self.folder = folder / f"parse-v{CACHE_FORMAT}" if folder is not None else None
        self.hits = 0
        self.misses = 0
        # Files the workers could not parse: never sent to them again (a diff prefetches
        # both sides, then each side's load would); the call that reports why parses them.
        self._unparsed: set[str] = set()
        # Limits change what parses, so they are part of the key.
        # Positions are stored in the machine's byte order: a folder shared with another
        # kind of machine finds no entry of its own instead of wrong lines.
        self._salt = repr((limits, CACHE_FORMAT, sys.byteorder)).encode()

    def __call__(self, path: str, data: bytes) -> YamlDocument:
        key = sha256_hex(self._salt + data)
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

    @property
    def parallel(self) -> bool:
        """Whether `prefetch` may parse in worker processes."""
        return self.workers > 1

    def prefetch(self, files: Iterable[tuple[str, bytes]]) -> None:
        """Parse ahead, in parallel, the files (path, bytes) that neither cache holds yet,
        when there are several and enough bytes to pay for the workers; what fails to parse
        is left for the call that reports it. Same results as parsing one by one, sooner.

        The bytes are held only until their file is parsed: given a generator that reads
        the files (both sides of a diff), no one else holds them, and a 20,000-event diff
        does not keep its 70 MB of YAML beside the documents parsed from it."""
        if not self.parallel:
            return
        wanted: dict[str, tuple[str, bytes]] = {}
        for path, data in files:
            if len(data) > self.limits.max_bytes:
                continue
            key = sha256_hex(self._salt + data)
            if (key not in self.memory and key not in wanted and key not in self._unparsed
                    and not self._cached(key)):  # fmt: skip
                wanted[key] = (path, data)
        if len(wanted) < 2 or sum(len(d) for _, d in wanted.values()) < PARALLEL_BYTES:
            return
        import multiprocessing
        from collections import deque
        from concurrent.futures import ProcessPoolExecutor

        # Largest first, so no worker is left with the biggest file at the end.
        order = sorted(wanted, key=lambda k: -len(wanted[k][1]))
        context = multiprocessing.get_context("fork")
        from registry.load import yamlparser  # noqa: F401 - loaded once, before the workers fork

        for schema in sorted({s for p, _ in wanted.values() if (s := schema_for(p)) is not None}):
            prepare_check(schema)

        workers = min(self.workers, len(order))
        # A few files per worker in flight keeps each busy; the rest wait as bytes.
        window = 4 * workers
        # The first parse of each path: a second (the other side of a diff) shares its
        # parts written alike.
        first: dict[str, Any] = {}
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            flight: deque[tuple[str, str, Future[bytes | None]]] = deque()
            for key in order:
                path, data = wanted.pop(key)
                flight.append((key, path, pool.submit(_parse_blob, (path, data, self.limits))))
                del data
                if len(flight) >= window:
                    self._keep(*flight.popleft(), first)
            while flight:
                self._keep(*flight.popleft(), first)

    def _keep(self, key: str, path: str, parsed: Future[bytes | None],
              first: dict[str, Any]) -> None:  # fmt: skip
        """Take a worker's parse into both caches (or remember that it failed); a second
        parse of a path holds the first's objects where they are written alike."""
        blob = parsed.result()
        if blob is None:
            self._unparsed.add(key)
            return
        data, positions, valid = marshal.loads(blob)
        if path in first:
            share_alike(first[path], data)
        else:
            first[path] = data
        doc = YamlDocument(data, Positions(positions), valid)
        self.memory[key] = doc
        self._write(key, doc)

    def _cached(self, key: str) -> bool:
        entry = self._entry(key)
        return entry is not None and entry.exists()

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
        if not is_node(positions) or not isinstance(valid, dict):
            return None  # not this format's shape (a hand-copied folder): parsed again
        return YamlDocument(data, Positions(positions), valid)

    def _write(self, key: str, doc: YamlDocument) -> None:
        entry = self._entry(key)
        if entry is None:
            return
        try:
            entry.parent.mkdir(parents=True, exist_ok=True)
            blob = marshal.dumps((doc.data, doc.positions.tree, doc.valid))
            import tempfile  # here: a run whose files are all cached writes nothing

            # Write then rename: a concurrent reader sees the whole entry or none.
            fd, tmp = tempfile.mkstemp(dir=entry.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(blob)
            os.replace(tmp, entry)
        except (OSError, ValueError):
            pass  # a cache that cannot be written only costs speed


def _parse_blob(job: tuple[str, bytes, Limits]) -> bytes | None:
    """In a worker: the parse of one file, checked as the cache checks it, marshalled (None
    when it does not parse: the caller parses it again to report why)."""
    path, data, limits = job
    try:
        doc = load_yaml(data, limits)
        schema = schema_for(path)
        if schema is not None:
            precheck(doc, schema)
    except Exception:
        return None
    return marshal.dumps((doc.data, doc.positions.tree, doc.valid))


def share_alike(kept: Any, new: Any) -> None:
    """Make `new`, a parse of one file, hold `kept`'s objects (a parse of the same path on
    the other side of a diff) wherever a mapping two levels down, an event or a shared
    property, is equal and written alike (`_alike`: the same types, keys in the same order).
    A diff's two sides are mostly the same events: a 20,000-event diff keeps one copy of
    them. Parsed documents are never changed in place (files of equal bytes already share
    one document)."""
    if type(kept) is not dict or type(new) is not dict:
        return
    for section, mapping in new.items():
        other = kept.get(section)
        if type(mapping) is not dict or type(other) is not dict:
            continue
        for name, value in mapping.items():
            twin = other.get(name)
            if (type(value) is dict and type(twin) is dict and twin is not value
                    and twin == value and _alike(twin, value)):  # fmt: skip
                mapping[name] = twin  # a value replaced in place: the keys keep their order


def _alike(kept: Any, new: Any) -> bool:
    """Whether two equal values are also written alike. marshal's first format writes each
    type with its own code, a float by its digits and a mapping's keys in order, and
    nothing of which objects are shared or interned: the same bytes mean the same types,
    values and key order (1, 1.0 and true are equal to Python, and so are 0.0 and -0.0;
    positions follow key order). Twice as fast as walking the values in Python."""
    return marshal.dumps(kept, 0) == marshal.dumps(new, 0)
