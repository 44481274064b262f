"""The `trackplan` command line: one module per command, each with add_parser() and run()."""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Sequence
from typing import Any

from registry.diff.deep import lean_imports
from registry.load.snapshot import SnapshotError
from trackplan.cli.common import EXIT_OK, EXIT_USAGE, Handler, UsageError

# Each command's name and its module, in the order `trackplan --help` lists them. A command
# run loads its own module alone (and what that imports): start-up stays near the interpreter's.
COMMANDS = {
    "validate": "validate", "diff": "diff", "review": "review", "owners": "owners",
    "waive": "waive", "release": "release", "pull": "pull", "log": "log",
    "generate": "generate", "check": "check", "status": "status", "import": "import_plan",
    "export": "export", "action": "action", "app-manifest": "app_manifest",
    "catalog": "catalog", "mcp": "mcp", "init": "init", "serve": "serve", "bot": "bot",
}  # fmt: skip


class _Version(argparse.Action):
    """--version: the installed version, looked up only when asked (it reads package metadata)."""

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from registry.about import installed_version

        parser.exit(message=f"trackplan {installed_version()}\n")


SERVERS = ("serve", "bot", "mcp")  # commands that run until stopped


def command_module(name: str) -> Any:
    return importlib.import_module(f"trackplan.cli.{COMMANDS[name]}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of command `only` (what a run of it needs)."""
    parser = argparse.ArgumentParser(
        prog="trackplan",
        description="A git-native registry for analytics tracking plans. "
        "Exit status: 0 ok, 1 findings at or above the fail level, "
        "2 usage error or input that cannot be read.",
    )
    parser.add_argument("--version", action=_Version, nargs=0, help="show the version and exit")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMANDS if only is None else [only]:
        command_module(name).add_parser(sub)
    return parser


def program() -> int:
    """The `trackplan` program (its console script, `python -m trackplan`): `main` in a
    process of its own, which ends with the command."""
    return main(own_process=True)


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run one command. `own_process`: nothing else runs in this process, now or after (the
    program's), so a library may load lean for it; a caller that shares its process (tests,
    an application) gets every library as it comes."""
    given = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(given[0] if given and given[0] in COMMANDS else None)
    args = parser.parse_args(given)
    handler: Handler = args.handler
    # A command builds large trees of plain data and keeps them to the end, which the cyclic
    # collector would scan again and again (a fifth of a 10,000-event catalog's time): it runs
    # far less often instead. Memory is unchanged (the data holds no cycles to free).
    # Not for the servers: they build and drop catalogs for days, and need their collector.
    thresholds = gc.get_threshold()
    if args.command not in SERVERS:
        gc.set_threshold(100_000, 50, 1000)
        if own_process:  # one command, then exit: deepdiff without numpy and the like
            lean_imports()
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
