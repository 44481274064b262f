"""What every command shares: exit codes, the usage error, the common options, the one
"not a registry" message, notes files and release sources."""

from __future__ import annotations

import argparse
import importlib
import os
import stat
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from registry.load.snapshot import FolderSnapshot

if TYPE_CHECKING:  # imported where used: a command loads only what it runs
    from registry.load.cache import ParseCache
    from registry.pull.fetch import ReleaseSource

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2

Handler = Callable[[argparse.Namespace], int]


class UsageError(Exception):
    """Input the command cannot read at all: exit 2 with the message."""


# The optional parts of trackplan (pyproject's extras) and the modules that show each is in.
EXTRAS = {"bot": ("flask", "werkzeug", "gunicorn", "github", "requests"), "mcp": ("mcp",)}


def require_extra(extra: str, command: str) -> None:
    """Stop a command that needs an optional part with the line that installs it (`pip
    install trackplan` brings the CLI alone)."""
    missing = []
    for module in EXTRAS[extra]:
        try:
            importlib.import_module(module)
        except ImportError:
            missing.append(module)
    if missing:
        raise UsageError(f"{command} needs trackplan's {extra} extra ({', '.join(missing)} "
                         f"not installed): pip install 'trackplan[{extra}]'")  # fmt: skip


def add_common(parser: argparse.ArgumentParser, formats: Mapping[str, str]) -> None:
    """--repo, --format (each format with what it prints; the first is the default) and
    --no-cache."""
    default = next(iter(formats))
    parser.add_argument(
        "--repo",
        default=".",
        metavar="PATH",
        help="the registry: a folder with plans/ and/or trackplan.yaml (default: .)",
    )
    parser.add_argument(
        "--format",
        choices=tuple(formats),
        default=default,
        help="; ".join(f"{name}: {what}" for name, what in formats.items())
        + f" (default: {default})",
    )
    parser.add_argument(
        "--no-cache",
        action="store_true",
        help="parse every file again instead of using the parse cache "
        "($TRACKPLAN_CACHE_DIR, default ~/.cache/trackplan)",
    )


def parse_cache(args: argparse.Namespace) -> ParseCache:
    """One cache per command run; on disk unless --no-cache."""
    from registry.load.cache import ParseCache, default_cache_dir

    return ParseCache(None if args.no_cache else default_cache_dir(), workers=os.cpu_count() or 1)


def open_registry(path: str | Path) -> FolderSnapshot:
    """The registry folder `path`, or the one message every command gives when it is none."""
    snapshot = FolderSnapshot(path)
    if not snapshot.is_registry():
        raise UsageError(f"{path}: not a trackplan registry (no plans/ folder and no "
                         "trackplan.yaml); pass the registry folder with --repo")  # fmt: skip
    return snapshot


def read_notes(path: str | None) -> str | None:
    if not path:
        return None
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot read the notes file ({exc})") from None
    from registry.review.notes import notes_from_file_text

    return notes_from_file_text(text)


def release_source(spec: str) -> ReleaseSource:
    """A git repository (path or URL), or a read API (http(s) URL not ending in .git)."""
    if spec.startswith(("http://", "https://")) and not spec.rstrip("/").endswith(".git"):
        from bot.readapi.client import HttpSource  # network I/O lives in bot/, not the core

        return HttpSource(spec)
    from registry.load.cache import default_cache_dir
    from registry.pull.fetch import open_source

    return open_source(spec, default_cache_dir())


def formats_help() -> str:
    """The formats `import` and `export` know, each with what it is, for their --help."""
    from registry.formats import MODULES

    return "; ".join(f"{m.NAME}: {m.SUMMARY}" for m in MODULES)


def write_atomically(path: Path, data: bytes) -> None:
    """All or nothing: the new file replaces the old one in one step, with the old one's
    permissions (a new one gets what the umask gives any new file)."""
    if path.exists():
        mode = stat.S_IMODE(path.stat().st_mode)
    else:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    import tempfile  # here: only commands that write pay for its import

    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
