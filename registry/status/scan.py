"""Walk an application's source tree: its calls, and the files trackplan generated in it."""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import re
import stat
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from fnmatch import fnmatchcase
from pathlib import Path

from registry.records import field, record
from registry.status.languages import EXTENSIONS, LANGUAGE_OF, calls_in
from registry.status.source import Call

# Folders that hold other people's code or build output, never the app's own calls.
# (Names a source package could carry, such as `env` or `out`, are not among them.)
SKIPPED_DIRS = frozenset({
    ".git", ".hg", ".svn", "node_modules", "bower_components", "vendor", "Pods", "Carthage",
    "DerivedData", ".build", "build", "dist", "target", ".gradle", ".idea", ".venv", "venv",
    "__pycache__", ".mypy_cache", ".pytest_cache", ".tox", ".next", ".nuxt", "site-packages",
    "trackplan-plans",
})  # fmt: skip
MAX_FILE_BYTES = 2 * 1024 * 1024  # bigger sources are bundles or generated data
# The header `trackplan generate` writes: its second line names the plan it came from.
GENERATED = re.compile(rb"\A(?://|#) (?:Code g|G)enerated by trackplan [^\n]*\n(?://|#) Plan "
                       rb"(\S+) (\S+), from ")  # fmt: skip


@record(frozen=True)
class Generated:
    """A file `trackplan generate` wrote: its language and the plan it says it came from."""

    file: str
    language: str
    plan: str
    version: str
    text: str


@record
class Scan:
    calls: list[tuple[Call, str]] = field(default_factory=list)  # (call, language)
    generated: list[Generated] = field(default_factory=list)
    files: int = 0  # source files read
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (file, why)


def display(path: Path) -> str:
    """A path as findings print it: valid UTF-8 whatever bytes the file system holds."""
    return path.as_posix().encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def source_files(paths: Iterable[Path], exclude: Iterable[str] = (),
                 base: Path | None = None) -> Iterator[Path]:  # fmt: skip
    """Source files below `paths` in a stable order, each once, skipping build output,
    dependencies, hidden folders and what `exclude` names: globs on the path as given, on
    its name, or on the path relative to `base` (the folder of the trackplan.yaml that
    says them)."""
    patterns = tuple(exclude)
    anchor = base.resolve() if base is not None else None
    seen: set[Path] = set()

    def excluded(path: Path) -> bool:
        texts = [path.as_posix(), path.name]
        if anchor is not None:
            # RuntimeError: a symlink loop, on Python 3.11
            with contextlib.suppress(ValueError, OSError, RuntimeError):
                texts.append(path.resolve().relative_to(anchor).as_posix())
        return any(fnmatchcase(t, p) for t in texts for p in patterns)

    def first_time(path: Path) -> bool:
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # RuntimeError: a symlink loop, on Python 3.11
            return True
        if real in seen:
            return False
        seen.add(real)
        return True

    for root in paths:
        if root.is_file():
            if root.suffix in EXTENSIONS and not excluded(root) and first_time(root):
                yield root
            continue
        for folder, dirs, files in os.walk(root):
            dirs[:] = sorted(d for d in dirs if d not in SKIPPED_DIRS and not d.startswith(".")
                             and not excluded(Path(folder, d)))  # fmt: skip
            for name in sorted(files):
                path = Path(folder, name)
                if path.suffix in EXTENSIONS and not name.endswith(".min.js") \
                        and not excluded(path) and first_time(path):  # fmt: skip
                    yield path


def scan(
    paths: Iterable[Path],
    tokens: Iterable[bytes],
    exclude: Iterable[str] = (),
    progress: Callable[[int], None] | None = None,
    base: Path | None = None,
) -> Scan:
    """Read every source file once: a file that holds none of `tokens` (the callees' last
    names) is not parsed at all; a file trackplan generated is kept aside, not scanned.
    A large tree is read by one process per core (tree-sitter holds the GIL while it
    parses), the results merged in file order: the same output as one process."""
    files = list(source_files(paths, exclude, base))
    needles = tuple(tokens)
    workers = min(os.cpu_count() or 1, len(files) // PER_WORKER, MAX_WORKERS)
    if workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        return _scan_files(files, needles, progress)
    found = Scan()
    chunks = [files[i : i + CHUNK] for i in range(0, len(files), CHUNK)]
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(workers, mp_context=context) as pool:
        for part in pool.map(_scan_files, chunks, [needles] * len(chunks)):
            found.calls += part.calls
            found.generated += part.generated
            found.skipped += part.skipped
            found.files += part.files
            if progress is not None:
                progress(found.files)
    return found


PER_WORKER = 500  # fewer files than this per process are read in this one
MAX_WORKERS = 8
CHUNK = 250


def _scan_files(files: list[Path], needles: tuple[bytes, ...],
                progress: Callable[[int], None] | None = None) -> Scan:  # fmt: skip
    found = Scan()
    for path in files:
        name = display(path)
        try:
            info = path.stat()
            if not stat.S_ISREG(info.st_mode):  # a FIFO would block the read for ever
                found.skipped.append((name, "not a regular file"))
                continue
            if info.st_size > MAX_FILE_BYTES:
                found.skipped.append((name, f"over {MAX_FILE_BYTES // 2**20} MiB"))
                continue
            data = path.read_bytes()
        except OSError as exc:
            found.skipped.append((name, exc.strerror or "unreadable"))
            continue
        found.files += 1
        if progress is not None:
            progress(found.files)
        _module, grammar = EXTENSIONS[path.suffix]
        language = LANGUAGE_OF[grammar]
        generated = GENERATED.match(data)
        if generated is not None:
            plan, version = (g.decode("utf-8", "replace") for g in generated.groups())
            text = data.decode("utf-8", "replace")
            found.generated.append(Generated(name, language, plan, version, text))
            continue
        if needles and not any(n in data for n in needles):
            continue
        try:
            found.calls += [(call, language) for call in calls_in(name, data, grammar)]
        except RecursionError:  # expressions nested thousands deep: minified or generated
            found.skipped.append((name, "nested too deeply to read"))
    return found
