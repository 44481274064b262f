"""The `trackplan` command line: one module per command, each with add_parser() and run()."""

from __future__ import annotations

import argparse
import gc
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

from registry.diff.deep import lean_imports
from registry.load.snapshot import SnapshotError
from trackplan.cli.common import EXIT_OK, EXIT_USAGE, Handler, UsageError
from trackplan.program import ONE_SHOT_THRESHOLDS, SERVERS

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


def terminal_columns() -> int:
    """The terminal's width as `shutil.get_terminal_size` reads it: $COLUMNS, else stdout's
    terminal, else 80."""
    try:
        columns = int(os.environ.get("COLUMNS", "0"))
    except ValueError:
        columns = 0
    if columns <= 0:
        try:
            columns = os.get_terminal_size(sys.__stdout__.fileno()).columns  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            columns = 0
    return columns or 80


class HelpFormatter(argparse.HelpFormatter):
    """argparse's formatter, its width read without importing shutil. argparse makes one for
    every argument added, and shutil brings bz2 and lzma: 7.5 M of validate's 313 M
    instructions, for a width only --help uses."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:  # fmt: skip
        super().__init__(prog, indent_increment, max_help_position,
                         terminal_columns() - 2 if width is None else width)  # fmt: skip


class ArgumentParser(argparse.ArgumentParser):
    """The command line's parsers (subcommands' too): HelpFormatter unless told otherwise."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)


def command_module(name: str) -> Any:
    return importlib.import_module(f"trackplan.cli.{COMMANDS[name]}")


def build_parser(only: str | None = None) -> argparse.ArgumentParser:
    """The parser of every command, or of command `only` (what a run of it needs)."""
    parser = ArgumentParser(
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


def main(argv: Sequence[str] | None = None, *, own_process: bool = False) -> int:
    """Run one command. `own_process`: nothing else runs in this process, now or after (the
    program's), so a library may load lean for it; a caller that shares its process (tests,
    an application) gets every library as it comes."""
    given = list(sys.argv[1:] if argv is None else argv)
    command = given[0] if given and given[0] in COMMANDS else None
    # The collector runs far less often while a command other than a server runs (see
    # trackplan/program.py), from before the command's modules are imported.
    thresholds = gc.get_threshold()
    if command not in SERVERS:
        gc.set_threshold(*ONE_SHOT_THRESHOLDS)
    try:
        args = build_parser(command).parse_args(given)
        handler: Handler = args.handler
        if args.command in SERVERS:
            gc.set_threshold(*thresholds)
        elif own_process:  # one command, then exit: deepdiff without numpy and the like
            lean_imports()
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
