"""The pre-commit hook, tried as a user would: `pre-commit try-repo` on a registry."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import write_files
from tests.test_snapshot import git

ROOT = Path(__file__).resolve().parent.parent
PRE_COMMIT = shutil.which("pre-commit", path=str(Path(sys.executable).parent)) or shutil.which(
    "pre-commit"
)
pytestmark = pytest.mark.skipif(PRE_COMMIT is None, reason="pre-commit is not installed")


def _try(repo: Path, home: Path, *files: str,
         hook: str = "trackplan-validate") -> subprocess.CompletedProcess[str]:  # fmt: skip
    command = [str(PRE_COMMIT), "try-repo", str(ROOT), hook]
    command += ["--files", *files] if files else ["--all-files"]
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    return subprocess.run(command, cwd=repo, env=env, capture_output=True, text=True, timeout=600)


def test_the_hook_validates_plan_files_and_skips_others(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "plans-repo", {
        "plans/web/plan.yaml": "plan:\n  id: web\nevents:\n  Signed Up: {}\n",
        "README.md": "plans\n",
    })  # fmt: skip
    git(repo, "init", "-q", "-b", "main")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "plans")
    home = tmp_path / "pre-commit-home"
    good = _try(repo, home)
    assert good.returncode == 0, good.stdout + good.stderr
    assert "trackplan validate" in good.stdout and "Passed" in good.stdout
    (repo / "plans/web/plan.yaml").write_text("plan:\n  id: web\nevents:\n  signed_up: {}\n")
    bad = _try(repo, home, "plans/web/plan.yaml")
    assert bad.returncode == 1 and "Failed" in bad.stdout
    assert "plans/web/plan.yaml:4:3: error event-name-case" in bad.stdout
    other = _try(repo, home, "README.md")  # not a registry file: the hook does not run
    assert other.returncode == 0 and "Skipped" in other.stdout


def test_the_status_hook_holds_an_app_against_its_lock(tmp_path: Path) -> None:
    from tests.test_status import released_app

    app = released_app(tmp_path)
    git(app, "init", "-q", "-b", "main")
    git(app, "add", "-A")
    git(app, "commit", "-q", "-m", "app")
    done = _try(app, tmp_path / "pre-commit-home", hook="trackplan-status")
    assert done.returncode == 1, done.stdout + done.stderr
    assert "still sends the old name of 'Signed Up'" in done.stdout
