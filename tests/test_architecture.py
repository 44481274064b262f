"""The layering rules: a pure registry core, one PyGithub gateway, no environment at import."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

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


def test_only_the_gateway_imports_pygithub() -> None:
    users = sorted(
        str(p.relative_to(ROOT))
        for folder in ("registry", "bot", "schemas")
        for p in (ROOT / folder).rglob("*.py")
        if "github" in imported_modules(p)
    )
    assert users == ["bot/gateway.py"]


def test_the_registry_core_imports_no_web_or_network_code_nor_a_layer_above() -> None:
    banned = {"flask", "werkzeug", "github", "requests", "urllib", "http", "socket", "bot",
              "gunicorn", "psycopg", "psycopg_pool", "trackplan"}  # fmt: skip
    for path in (ROOT / "registry").rglob("*.py"):
        if path.relative_to(ROOT).as_posix() == "registry/__main__.py":
            continue  # `python -m registry` is the console script under another name
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
    for name in ("gateway.py", "notifier.py"):
        tree = ast.parse((ROOT / "bot" / name).read_text())
        modules = {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom)}
        assert "bot.worker" not in modules and "bot.errors" in modules, name


def test_every_git_call_of_the_domain_is_in_registry_git() -> None:
    runners = sorted(p.relative_to(ROOT).as_posix() for p in (ROOT / "registry").rglob("*.py")
                     if "subprocess" in imported_modules(p))  # fmt: skip
    assert runners == ["registry/git.py"]
