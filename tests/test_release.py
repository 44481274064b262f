"""`trackplan release` on a local repository: versions from the diff, immutable tags."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from registry.load.loader import load_registry
from registry.load.snapshot import FolderSnapshot, GitSnapshot
from registry.release.artifacts import build_artifacts
from tests.conftest import CliResult, write_files
from tests.test_snapshot import git

Cli = Callable[..., CliResult]
PLAN = "plans/web/plan.yaml"
V1 = """plan:
  id: web
common:
  properties:
    app_version: {type: string, required: true}
events:
  Signup:
    properties:
      type: {type: string, enum: [organic, invite], required: true}
"""


def commit(repo: Path, message: str, files: dict[str, str]) -> None:
    write_files(repo, dict(files))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


def make_history(root: Path) -> Path:
    """v1, then an optional property, then a rename: 1.0.0, 1.1.0, 2.0.0."""
    root.mkdir(parents=True)
    git(root, "init", "-q", "-b", "main")
    commit(root, "First plan", {PLAN: V1})
    return root


def tag_message(repo: Path, tag: str) -> str:
    return git(repo, "tag", "-l", "--format=%(contents)", tag)


def test_release_versions_follow_the_diff_and_never_repeat(run_cli: Cli, tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    first = run_cli("release", "--repo", str(repo))
    assert first.code == 0
    assert first.out == "web: unreleased -> 1.0.0 (minor) web/v1.0.0: tagged\n"

    commit(repo, "Add method (#3)", {PLAN: V1 + "      method: {type: string}\n"})
    dry = run_cli("release", "--repo", str(repo), "--dry-run")
    assert dry.out == "web: 1.0.0 -> 1.1.0 (minor) web/v1.1.0: would be tagged (dry run)\n"
    assert "web/v1.1.0" not in git(repo, "tag", "-l")
    assert run_cli("release", "--repo", str(repo)).code == 0

    renamed = V1.replace("  Signup:\n", "  Signed Up:\n    renamed_from: [Signup]\n")
    commit(repo, "Merge pull request #7 from acme/rename", {PLAN: renamed})
    notes = tmp_path / "notes.md"
    notes.write_text("## Migration notes\n\nShip app 5.2 before the release.\n")
    third = run_cli("release", "--repo", str(repo), "--notes", str(notes))
    assert third.out == "web: 1.1.0 -> 2.0.0 (major) web/v2.0.0: tagged\n"
    message = tag_message(repo, "web/v2.0.0")
    assert message.startswith("# web 2.0.0\n\nReleased from commit ")
    assert ", pull request #7." in message
    assert "- event 'Signup' was renamed to 'Signed Up' (`event-renamed`)" in message
    assert "## Migration notes\n\nShip app 5.2 before the release." in message

    again = run_cli("release", "--repo", str(repo))
    assert again.code == 0
    assert again.out == "nothing to release: every plan is unchanged since its last release\n"
    assert git(repo, "tag", "-l").split() == ["web/v1.0.0", "web/v1.1.0", "web/v2.0.0"]


def test_a_plan_that_fails_validation_is_not_released(run_cli: Cli, tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    commit(repo, "Broken", {PLAN: V1 + "      method: {type: strng}\n"})
    result = run_cli("release", "--repo", str(repo))
    assert result.code == 1
    assert "not released: 1 validation error" in result.out
    assert "property-type-unknown" in result.err
    assert git(repo, "tag", "-l") == ""


def test_a_tag_is_never_moved(run_cli: Cli, tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    assert run_cli("release", "--repo", str(repo)).code == 0  # web/v1.0.0
    git(repo, "checkout", "-q", "-b", "other")
    commit(repo, "Elsewhere", {PLAN: V1 + "      channel: {type: string}\n"})
    git(repo, "tag", "web/v1.1.0")  # released from another branch
    git(repo, "checkout", "-q", "main")
    commit(repo, "Second", {PLAN: V1 + "      method: {type: string}\n"})
    result = run_cli("release", "--repo", str(repo))
    assert result.code == 1
    assert "tag web/v1.1.0 exists at commit" in result.err
    assert "never moved" in result.err


def test_artifacts_are_reproducible_and_the_schema_validates_payloads(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    registry = load_registry(GitSnapshot(repo, "HEAD")).registry
    files = build_artifacts(registry.plans["web"], "1.0.0", "# web 1.0.0\n")
    again = build_artifacts(load_registry(GitSnapshot(repo, "HEAD")).registry.plans["web"],
                            "1.0.0", "# web 1.0.0\n")  # fmt: skip
    assert files == again
    assert sorted(files) == [
        "SHA256SUMS", "web-1.0.0.changelog.md", "web-1.0.0.plan.json", "web-1.0.0.schema.json"
    ]  # fmt: skip
    schema = json.loads(files["web-1.0.0.schema.json"])
    validator = jsonschema.Draft202012Validator(schema)
    good = {"event": "Signup", "properties": {"type": "invite", "app_version": "5.2.0"}}
    assert not list(validator.iter_errors(good))
    missing = {"event": "Signup", "properties": {"app_version": "5.2.0"}}
    errors = list(validator.iter_errors(missing))
    assert errors and "'type' is a required property" in errors[0].message
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"event": "Nope", "properties": {}}, schema)
    sums = files["SHA256SUMS"].decode().splitlines()
    assert len(sums) == 3 and all(len(line.split("  ")[0]) == 64 for line in sums)


def test_subprocess_release_without_git_identity(tmp_path: Path) -> None:
    repo = make_history(tmp_path / "repo")
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "GIT_CONFIG_NOSYSTEM": "1"}
    import sys

    proc = subprocess.run([sys.executable, "-m", "registry", "release", "--repo", str(repo)],
                          capture_output=True, text=True, env=env, check=False)  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "web/v1.0.0: tagged" in proc.stdout


AWKWARD = ["100% sure", "a/b~c", "Café Opened 🎉", "hash#tag", "quote\"d", "q?mark", "~0~1",
           "plus+and&amp", "percent%2F"]  # fmt: skip


def test_the_schema_bundle_resolves_for_any_event_name_the_plan_allows(tmp_path: Path) -> None:
    body = "    properties:\n      n: {type: integer}\n"
    events = "".join(f"  {json.dumps(name, ensure_ascii=False)}:\n" + body
                     for name in AWKWARD)  # fmt: skip
    root = tmp_path / "reg"
    (root / "plans/web").mkdir(parents=True)
    (root / PLAN).write_text("plan:\n  id: web\nevents:\n" + events)
    (root / "trackplan.yaml").write_text("conventions: {event_name: any, event_grammar: any}\n")
    registry = load_registry(FolderSnapshot(root)).registry
    assert sorted(registry.plans["web"].events) == sorted(AWKWARD)
    files = build_artifacts(registry.plans["web"], "1.0.0", "# web 1.0.0\n")
    schema = json.loads(files["web-1.0.0.schema.json"])
    validator = jsonschema.Draft202012Validator(schema)
    for name in AWKWARD:
        good = {"event": name, "properties": {"n": 1}}
        bad = {"event": name, "properties": {"n": "one"}}
        assert validator.is_valid(good), name  # every $ref resolves ...
        assert not validator.is_valid(bad), name  # ... to that event's own schema
