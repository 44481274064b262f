"""The `trackplan` program's entry: the collector is held back before the command line loads,
and the process ends without its teardown."""

from __future__ import annotations

import atexit
import contextlib
import gc
import os
import sys

TYPE_CHECKING = False  # typing itself is imported after the thresholds are raised
if TYPE_CHECKING:
    from typing import NoReturn

# Commands that run until stopped: they build and drop catalogs for days and keep the
# cyclic collector as Python sets it.
SERVERS = ("serve", "bot", "mcp")

# The collector's thresholds while any other command runs. A command builds large trees of
# plain data and keeps them to the end, which the collector would scan again and again (a
# fifth of a 10,000-event catalog's time); it runs far less often instead. Memory is
# unchanged: the data holds no cycles to free.
ONE_SHOT_THRESHOLDS = (100_000, 50, 1000)


def program() -> int:
    """The `trackplan` program (its console script, `python -m trackplan`, `python -m
    registry`): `main` in a process of its own, which ends with the command.

    The thresholds are raised first, before the command line's modules are imported: their
    classes and functions alone set the collector off twenty times in `validate` (2 % of
    its start-up)."""
    if sys.argv[1:2] and sys.argv[1] not in SERVERS:
        gc.set_threshold(*ONE_SHOT_THRESHOLDS)
    from trackplan.cli import main

    return main(own_process=True)


def run() -> NoReturn:
    """The console script, `python -m trackplan` and `python -m registry`: `program`, then
    `end`."""
    end(program())


def end(code: int) -> NoReturn:
    """End the process with `code` once a command other than a server has run, without the
    interpreter's teardown: freeing every module, class and object one by one took 20-25 ms
    of `validate`'s 180 on the examples, a seventh of it, to hand memory back that the
    process's end hands back at once.

    What that exit would still do is done first: the exit handlers (logging's flush,
    weakref finalizers such as a temporary directory's, multiprocessing's children), then
    stdout and stderr flushed (a reader gone, as with `| head`, loses nothing the command
    still owes it). Python's own exit is kept while another thread runs (it waits for it),
    and under a profiler, a tracer such as coverage's, or `python -i`: they act after the
    program returns."""
    threading = sys.modules.get("threading")
    if (
        (sys.argv[1:2] and sys.argv[1] in SERVERS)
        or (threading is not None and threading.active_count() > 1)
        or sys.getprofile() is not None
        or sys.gettrace() is not None
        or sys.flags.inspect
    ):
        sys.exit(code)
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed pipe: nothing reaches it
            stream.flush()
    os._exit(code)
