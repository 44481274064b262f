"""Shared test helpers: write registries to disk and run the CLI in-process."""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from trackplan.cli import main

# CI runs the property and fuzz tests on a fixed sequence of examples (same input, same
# result); locally each run explores new ones.
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")


@dataclass
class CliResult:
    code: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def write_files(root: Path, files: dict[str, str | bytes]) -> Path:
    for rel, content in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            target.write_text(content, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def private_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """Each test gets its own parse cache folder: no test reads another's (or the user's)."""
    folder = tmp_path_factory.mktemp("cache")
    monkeypatch.setenv("TRACKPLAN_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def run_cli(capsys: pytest.CaptureFixture[str]) -> Callable[..., CliResult]:
    def run(*args: str) -> CliResult:
        try:
            code = main(list(args))
        except SystemExit as exc:  # argparse usage errors and --help
            code = int(exc.code or 0)
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return run


@pytest.fixture
def registry_dir(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    def make(files: dict[str, str | bytes]) -> Path:
        return write_files(tmp_path / "registry", files)

    return make


@pytest.fixture
def gh(tmp_path: Path) -> Iterator[Any]:
    """A fake GitHub serving the example registry, with pull request #1 from `rename`."""
    from tests.botkit import plan_repo
    from tests.fake_github import FakeGitHub

    repo = plan_repo(tmp_path / "repo")
    with FakeGitHub(repo) as fake:
        fake.add_pull(1, head="rename")
        yield fake


@pytest.fixture(scope="session")
def postgres_database() -> Iterator[str]:
    """One database on the machine's PostgreSQL for the session's tests; dropped at the end."""
    from tests.postgres import fresh_database

    with fresh_database() as url:
        yield url


@pytest.fixture
def postgres_url(postgres_database: str) -> str:
    """The session's database with the bot's tables dropped: each test starts from nothing."""
    from tests.postgres import reset

    reset(postgres_database)
    return postgres_database
