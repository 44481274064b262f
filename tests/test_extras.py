"""`pip install trackplan` is the CLI alone; the bot and PostgreSQL are extras, and a command
that needs a missing one says which to install."""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parent.parent
BOT_PACKAGES = ("flask", "werkzeug", "gunicorn", "github", "requests")
DRIVERS = ("psycopg", "psycopg_pool")


def _without(
    modules: tuple[str, ...], *args: str, cwd: Path = ROOT
) -> subprocess.CompletedProcess[str]:
    """Run the CLI in a fresh interpreter where `modules` cannot be imported (as when the
    extra that brings them is not installed)."""
    code = (
        "import sys\n"
        f"for name in {modules!r}: sys.modules[name] = None\n"
        "from trackplan.cli import main\n"
        f"sys.exit(main({list(args)!r}))\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_the_core_install_pulls_no_web_github_or_database_package() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert not core & {"flask", "werkzeug", "gunicorn", "pygithub", "requests", "psycopg",
                       "psycopg-pool", "cryptography"}  # fmt: skip
    bot = {Requirement(r).name.lower() for r in project["optional-dependencies"]["bot"]}
    assert {"flask", "gunicorn", "pygithub"} <= bot
    postgres = {Requirement(r).name.lower() for r in project["optional-dependencies"]["postgres"]}
    assert {"psycopg", "psycopg-pool"} <= postgres


@pytest.mark.parametrize(
    "args",
    [
        ("validate", "--repo", "examples/acme"),
        ("diff", "examples/acme-base", "examples/acme", "--fail-on", "never"),
        ("review", "examples/acme-base", "examples/acme", "--fail-on", "never"),
        ("owners", "plans/shop/plan.yaml", "--repo", "examples/acme"),
        ("app-manifest", "--webhook-url", "https://bot.example.com/webhook"),
        ("--help",),  # builds every command's parser: none may need an extra to be listed
    ],
)
def test_the_cli_runs_without_the_bot_and_database_packages(args: tuple[str, ...]) -> None:
    done = _without(BOT_PACKAGES + DRIVERS + ("mcp",), *args)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "args",
    [
        ("serve", "--registry", "examples/acme"),
        ("action",),
        ("bot", "worker"),
    ],
)
def test_a_bot_command_without_the_bot_extra_says_how_to_install_it(
    args: tuple[str, ...],
) -> None:
    done = _without(("flask", "github"), *args)
    assert done.returncode == 2
    assert "needs trackplan's bot extra (flask, github not installed)" in done.stderr
    assert "pip install 'trackplan[bot]'" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_postgres_queue_without_the_driver_says_how_to_install_it(tmp_path: Path) -> None:
    url = "postgresql://postgres@127.0.0.1:5432/trackplan_never_made"
    done = _without(DRIVERS, "bot", "migrate", "--database-url", url, cwd=tmp_path)
    assert done.returncode == 2
    assert "pip install 'trackplan[postgres]'" in done.stderr
    assert "Traceback" not in done.stderr
    assert not list(tmp_path.iterdir())  # nothing made in its place (no SQLite fallback)


def test_mcp_without_its_extra_says_how_to_install_it() -> None:
    done = _without(("mcp",), "mcp", "--repo", "examples/acme")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "pip install 'trackplan[mcp]'" in done.stderr
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    core = {Requirement(r).name.lower() for r in project["dependencies"]}
    assert "mcp" not in core  # the CLI alone never pulls the SDK and its web stack
