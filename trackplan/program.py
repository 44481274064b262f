"""The `trackplan` program's entry: the collector is held back before the command line loads."""

from __future__ import annotations

import gc
import sys

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
