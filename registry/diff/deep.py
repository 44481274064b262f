"""DeepDiff for plan metadata; in the program's own process, imported without the data
libraries it looks for."""

from __future__ import annotations

import importlib
import sys
import threading
import types
from typing import Any

# deepdiff 9 tries each of these at import and, when one is installed, learns its types.
# Plan metadata is plain YAML (dicts, lists, strings, numbers), which never holds them,
# but the import still costs whoever has them installed: pydantic (which `trackplan[mcp]`
# brings) added 60 ms to the examples' diff; pandas, on a data team's machine, 0.3 s.
# (deepdiff names pytz for the type checker only.)
INTEGRATIONS = ("numpy", "pandas", "polars", "pydantic")

# deepdiff's cache (cachebox) imports asyncio for the lock of an async cached function,
# which deepdiff never has: asyncio (with ssl and socket) was a third of deepdiff's import.
DEFERRED = ("asyncio",)

_lock = threading.Lock()
_class: Any = None  # DeepDiff, once imported
_lean = False  # import it lean: set by `lean_imports`


def lean_imports() -> None:
    """For a process that runs one command and exits (the program's, servers aside): deepdiff
    is imported, when first needed, without INTEGRATIONS and with asyncio deferred.

    deepdiff then knows none of those libraries for the rest of the process (its
    `np`, its pydantic model class): a host application that calls `registry` and then
    DeepDiff on numpy arrays would get wrong answers, so library callers and the servers
    get deepdiff as it comes. And while deepdiff is imported, another thread would find
    those libraries missing: a one-command process has no such thread."""
    global _lean
    _lean = True


class _Deferred(types.ModuleType):
    """Stands in for a module during deepdiff's import: the real one is imported the first
    time anything is read from it, and then answers for it."""

    def __getattr__(self, attr: str) -> Any:
        if sys.modules.get(self.__name__) is self:
            sys.modules.pop(self.__name__, None)
        return getattr(importlib.import_module(self.__name__), attr)


def deep_diff(before: Any, after: Any) -> Any:
    """DeepDiff's tree view of two natural-keyed values (the only call the diff makes)."""
    return _deepdiff_class()(before, after, view="tree", verbose_level=2)


def _deepdiff_class() -> Any:
    global _class
    if _class is None:
        with _lock:  # the bot diffs in several threads: one of them imports
            if _class is None:
                _class = _import_deepdiff()
    return _class


def _import_deepdiff() -> Any:
    if not _lean or "deepdiff" in sys.modules:  # as it comes, or imported by someone else
        from deepdiff import DeepDiff  # (which this waits for if it is under way)

        return DeepDiff
    # A None entry makes `import numpy` raise ImportError, deepdiff's "not installed"; only
    # libraries not yet loaded are hidden, and each entry goes once deepdiff is in. A
    # library already loaded (the MCP server's pydantic) stays known to deepdiff.
    hidden = [name for name in INTEGRATIONS if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None  # type: ignore[assignment]
    deferred = {name: _Deferred(name) for name in DEFERRED if name not in sys.modules}
    sys.modules.update(deferred)
    try:
        from deepdiff import DeepDiff
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                sys.modules.pop(name, None)
        for name, stand_in in deferred.items():
            if sys.modules.get(name) is stand_in:  # the next import gets the real one
                sys.modules.pop(name, None)
    return DeepDiff
