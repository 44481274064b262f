"""The `trackplan` command line: one module per command, each with add_parser() and run()."""

from __future__ import annotations

import argparse
import gc
import sys
from collections.abc import Sequence

from registry.about import installed_version
from registry.load.snapshot import SnapshotError
from trackplan.cli import (
    action,
    app_manifest,
    bot,
    catalog,
    check,
    diff,
    export,
    generate,
    import_plan,
    init,
    log,
    mcp,
    owners,
    pull,
    release,
    review,
    serve,
    status,
    validate,
    waive,
)
from trackplan.cli.common import EXIT_OK, EXIT_USAGE, Handler, UsageError

# In the order `trackplan --help` lists them.
COMMANDS = (validate, diff, review, owners, waive, release, pull, log, generate, check, status,
            import_plan, export, action, app_manifest, catalog, mcp, init, serve, bot)  # fmt: skip


SERVERS = ("serve", "bot", "mcp")  # commands that run until stopped


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="trackplan",
        description="A git-native registry for analytics tracking plans. "
        "Exit status: 0 ok, 1 findings at or above the fail level, "
        "2 usage error or input that cannot be read.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {installed_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS:
        command.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `trackplan` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handler: Handler = args.handler
    # A command builds large trees of plain data and keeps them to the end, which the cyclic
    # collector would scan again and again (a fifth of a 10,000-event catalog's time): it runs
    # far less often instead. Memory is unchanged (the data holds no cycles to free).
    # Not for the servers: they build and drop catalogs for days, and need their collector.
    thresholds = gc.get_threshold()
    if args.command not in SERVERS:
        gc.set_threshold(100_000, 50, 1000)
    try:
        return handler(args)
    except (UsageError, SnapshotError) as exc:
        print(f"trackplan: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("trackplan: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # e.g. `trackplan validate | head`
        return EXIT_OK
    finally:
        gc.set_threshold(*thresholds)


if __name__ == "__main__":
    sys.exit(main())
