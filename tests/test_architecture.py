"""The layering rules: a pure registry core, one PyGithub gateway, no environment at import."""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text())
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _users_of(modules: set[str]) -> list[str]:
    return sorted(
        p.relative_to(ROOT).as_posix()
        for folder in ("registry", "bot", "schemas", "trackplan")
        for p in (ROOT / folder).rglob("*.py")
        if imported_modules(p) & modules
    )


def test_only_bot_github_imports_pygithub_and_requests() -> None:
    users = _users_of({"github", "requests"})
    assert users and all(u.startswith("bot/github/") for u in users), users


def test_only_bot_web_imports_flask_werkzeug_and_gunicorn() -> None:
    users = _users_of({"flask", "werkzeug", "gunicorn"})
    assert users and all(u.startswith("bot/web/") for u in users), users


def test_only_bot_queue_imports_the_database_drivers() -> None:
    users = _users_of({"psycopg", "psycopg_pool", "sqlite3"})
    assert users and all(u.startswith("bot/queue/") for u in users), users


def test_the_tree_names_each_stage_and_role() -> None:
    """registry/ by stage, bot/ by role, one module per command: a newcomer reads the
    architecture from the folder names."""
    for folder in ("load", "lint", "diff", "review", "release", "pull", "codegen", "formats",
                   "catalog", "eventcheck", "starters"):  # fmt: skip
        assert (ROOT / "registry" / folder / "__init__.py").is_file(), folder
    for folder in ("web", "queue", "handlers", "github", "readapi"):
        assert (ROOT / "bot" / folder / "__init__.py").is_file(), folder
    flat = sorted(p.name for p in (ROOT / "registry").glob("*.py"))
    assert len(flat) <= 12, flat  # shared helpers and documented entries only


def test_the_registry_core_imports_no_web_or_network_code_nor_a_layer_above() -> None:
    banned = {"flask", "werkzeug", "github", "requests", "urllib", "http", "socket", "bot",
              "gunicorn", "psycopg", "psycopg_pool", "trackplan"}  # fmt: skip
    for path in (ROOT / "registry").rglob("*.py"):
        if path.relative_to(ROOT).as_posix() == "registry/__main__.py":
            continue  # `python -m registry` [contract] hands over to the console script
        assert not imported_modules(path) & banned, path


def test_the_layers_import_only_downward() -> None:
    """The shell (trackplan/) over the bot (bot/) over the domain (registry/): nothing
    imports the shell, and the bot never imports it."""
    for folder in ("bot", "registry", "schemas"):
        for path in (ROOT / folder).rglob("*.py"):
            if path.relative_to(ROOT).as_posix() == "registry/__main__.py":
                continue
            assert "trackplan" not in imported_modules(path), path
    commands = sorted(p.stem for p in (ROOT / "trackplan/cli").glob("*.py"))
    assert len(commands) > 15  # one module per command (plus common, comparing, __init__)


def test_importing_the_cli_and_the_app_module_loads_no_flask_and_reads_no_environment() -> None:
    code = (
        "import sys, os; os.environ.clear(); import trackplan.cli; "
        "assert 'flask' not in sys.modules and 'github' not in sys.modules, 'core'; "
        "import bot.app; print('ok')"
    )
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "ok"


def test_the_gateway_and_notifier_name_failures_from_bot_errors_not_the_worker() -> None:
    for path in [*(ROOT / "bot/github").glob("*.py"), ROOT / "bot/handlers/notify.py"]:
        tree = ast.parse(path.read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "bot.queue.worker" not in modules, path


def test_only_registry_records_imports_dataclasses() -> None:
    """Its `record` keeps dataclasses from loading inspect at start-up, which it can only do
    if no module imports dataclasses before it."""
    assert _users_of({"dataclasses"}) == ["registry/records.py"]


def test_every_git_call_of_the_domain_is_in_registry_git() -> None:
    runners = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "registry").rglob("*.py")
                     if "subprocess" in imported_modules(p))  # fmt: skip
    assert runners == ["registry/load/git.py"]


def _loaded_by(args: list[str], cache: Path) -> tuple[int, list[str], list[str]]:
    """Run `trackplan ARGS` in a fresh interpreter: its exit code, the CLI modules it loaded,
    and which of the libraries only some work needs it loaded."""
    code = (
        "import sys\n"
        "from trackplan.cli import main\n"
        f"code = main({args!r}, own_process=True)\n"
        "print(repr((code, sorted(m for m in sys.modules if m.startswith('trackplan.cli.')),\n"
        "      sorted({m.split('.')[0] for m in sys.modules} & {'deepdiff', 'jsonschema',\n"
        "             'pydantic', 'jinja2', 'flask', 'github', 'mcp', 'markdown_it', 'ruamel',\n"
        "             'nodesemver', 'subprocess', 'tempfile', 'asyncio', 'concurrent',\n"
        "             'difflib', 'shutil', 'inspect', 'hashlib', 'fastjsonschema'}),\n"
        "      'registry.review.comment' in sys.modules)))\n"
    )
    env = {**os.environ, "TRACKPLAN_CACHE_DIR": str(cache)}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True, env=env)  # fmt: skip
    status, commands, libraries, comment = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert comment is False  # the review comment's Markdown: only the markdown format's
    return status, commands, libraries


def test_a_command_loads_its_own_module_and_what_it_uses(tmp_path: Path) -> None:
    """Start-up: a command loads no other command and none of the libraries only other work
    needs (the diff's deepdiff, jsonschema's explanations, git's subprocess, npm ranges, the
    parse pool's concurrent.futures, difflib's suggestions, shutil, which argparse's help
    would load, inspect, which dataclasses and orjson would, hashlib's OpenSSL, which a small
    registry's content ids do without, fastjsonschema, whose format patterns check copies),
    nor the YAML parser when every file comes from the parse cache."""
    validate = ["validate", "--repo", "examples/acme"]
    first = _loaded_by(validate, tmp_path)
    assert first == (
        0,
        ["trackplan.cli.common", "trackplan.cli.validate"],
        ["ruamel", "shutil", "tempfile"],
    ), first  # parsed, and written to the cache (tempfile imports shutil)
    again = _loaded_by(validate, tmp_path)  # every file parsed before: the cache has them
    assert again == (0, ["trackplan.cli.common", "trackplan.cli.validate"], []), again
    # diff of the examples meets a changed lifecycle (deepdiff, which imports difflib) and a
    # narrowed enum, which is judged without jsonschema; acme-base is parsed (ruamel, and
    # the cache's tempfile). deepdiff comes with inspect and hashlib, without pydantic
    # (installed here for `trackplan mcp`) and without asyncio (registry/diff/deep.py).
    diff = _loaded_by(["diff", "examples/acme-base", "examples/acme"], tmp_path)
    assert diff == (1, ["trackplan.cli.common", "trackplan.cli.comparing", "trackplan.cli.diff"],
                    ["deepdiff", "difflib", "hashlib", "inspect", "ruamel", "shutil",
                     "tempfile"]), diff  # fmt: skip
    same = _loaded_by(["diff", "examples/acme", "examples/acme"], tmp_path)
    assert same == (0, ["trackplan.cli.common", "trackplan.cli.comparing",
                        "trackplan.cli.diff"], []), same  # fmt: skip
    check = _loaded_by(["check", "examples/calls.jsonl", "--repo", "examples/acme",
                        "--plan", "shop"], tmp_path)  # fmt: skip
    assert check[1:] == (["trackplan.cli.check", "trackplan.cli.common"], []), check


@pytest.mark.parametrize("columns", ["60", "123", None])
def test_the_help_is_argparses_at_the_terminals_width(
    monkeypatch: pytest.MonkeyPatch, columns: str | None
) -> None:
    """The command line's own formatter (it reads the width without shutil) writes every
    command's --help as argparse's own formatter does, at $COLUMNS or else 80."""
    from trackplan.cli import build_parser

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)

    def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
        (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        return [parser, *sub.choices.values()]

    ours = [p.format_help() for p in parsers(build_parser())]
    stock = parsers(build_parser())
    for parser in stock:
        parser.formatter_class = argparse.HelpFormatter
    assert [p.format_help() for p in stock] == ours


def test_the_program_holds_the_cyclic_collector_back_from_its_first_import() -> None:
    """The program raises the collector's thresholds before the command line loads, not
    after: its classes and functions alone set the collector off 20 times in `validate` of
    the examples. `main` called in a process it shares gives the thresholds back."""
    code = (
        "import contextlib, gc, io, sys\n"
        "runs = []\n"
        "gc.callbacks.append(lambda phase, _: runs.append(phase) if phase == 'start' else 0)\n"
        "from trackplan.program import program\n"
        "sys.argv = ['trackplan', 'validate', '--repo', 'examples/acme']\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    code = program()\n"
        "collections = len(runs)\n"
        "gc.set_threshold(700, 10, 10)\n"
        "from trackplan.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    again = main(['validate', '--repo', 'examples/acme'])\n"
        "print(repr((code, again, collections, gc.get_threshold())))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120, check=True)  # fmt: skip
    status, again, collections, after = ast.literal_eval(done.stdout.strip().splitlines()[-1])
    assert (status, again, after) == (0, 0, (700, 10, 10))
    assert collections <= 1, collections


def test_the_command_table_names_what_each_module_registers() -> None:
    from trackplan.cli import COMMANDS, build_parser

    parser = build_parser()
    (sub,) = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    assert list(sub.choices) == list(COMMANDS)  # the same names, in the --help order
