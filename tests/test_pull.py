"""`trackplan pull`: ranges, artifacts, the lock file, --frozen and atomic writes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from registry.pull.ranges import RangeError, best_match, satisfies
from tests.conftest import CliResult
from tests.test_release import PLAN, V1, commit, make_history
from tests.test_snapshot import git

Cli = Callable[..., CliResult]
VERSIONS = ["0.9.0", "1.0.0", "1.1.0", "1.2.5", "2.0.0", "2.1.0"]


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("^1", "1.2.5"), ("^1.1", "1.2.5"), ("~1.1", "1.1.0"), ("~1", "1.2.5"),
        (">=1.0 <2", "1.2.5"), (">1.2.5", "2.1.0"), ("1.1.0", "1.1.0"), ("latest", "2.1.0"),
        ("^0.9", "0.9.0"), ("=2", "2.1.0"), ("^3", None), ("<1", "0.9.0"),
    ],
)  # fmt: skip
def test_ranges(spec: str, expected: str | None) -> None:
    assert best_match(spec, VERSIONS) == expected


def test_bad_range_is_an_error() -> None:
    with pytest.raises(RangeError):
        best_match(">>1", VERSIONS)


NPM = json.loads((Path(__file__).parent / "fixtures" / "npm_ranges.json").read_text())


@pytest.mark.parametrize("row", NPM, ids=[f"{r['range']!r}~{r['version']}" for r in NPM])
def test_npm_range_semantics(row: dict[str, Any]) -> None:
    """npm's own examples (node-semver's test fixtures and README), each with its source."""
    assert satisfies(row["range"], row["version"]) is row["satisfies"], row


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (">1.2", "2.1.0"), ("<=1.2", "1.2.5"), (">1", "2.1.0"), ("<=1", "1.2.5"),
        ("1.x", "1.2.5"), ("1.0 - 1.1", "1.1.0"), ("<1 || >=2.1", "2.1.0"),
        (">=1.1 <1.2", "1.1.0"), ("latest", "2.1.0"), ("0.x", "0.9.0"),
    ],
)  # fmt: skip
def test_the_ranges_npm_users_write_pick_what_npm_would(spec: str, expected: str) -> None:
    assert best_match(spec, VERSIONS) == expected


@pytest.fixture
def released(run_cli: Cli, tmp_path: Path) -> Path:
    repo = make_history(tmp_path / "repo")
    run_cli("release", "--repo", str(repo))
    commit(repo, "Add method", {PLAN: V1 + "      method: {type: string}\n"})
    run_cli("release", "--repo", str(repo))
    renamed = V1.replace("  Signup:\n", "  Signed Up:\n    renamed_from: [Signup]\n")
    commit(repo, "Rename", {PLAN: renamed})
    run_cli("release", "--repo", str(repo))
    assert git(repo, "tag", "-l").split() == ["web/v1.0.0", "web/v1.1.0", "web/v2.0.0"]
    return repo


def test_pull_resolves_ranges_and_writes_a_lock(
    released: Path, run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    first = run_cli("pull", "web@^1", "--from", str(released))
    assert first.code == 0, first.err
    assert first.out == "web 1.1.0 -> trackplan-plans/web (4 files), locked in trackplan.lock\n"
    schema = json.loads(Path("trackplan-plans/web/web-1.1.0.schema.json").read_text())
    validator = jsonschema.Draft202012Validator(schema)
    ok = {"event": "Signup", "properties": {"type": "organic", "app_version": "1.0.0"}}
    assert validator.is_valid(ok)
    assert not validator.is_valid({"event": "Signup", "properties": {"app_version": "1.0.0"}})
    latest = run_cli("pull", "web@latest", "--from", str(released))
    assert "web 2.0.0" in latest.out
    lock = json.loads(Path("trackplan.lock").read_text())
    assert lock["plans"]["web"]["version"] == "2.0.0"
    assert sorted(p.name for p in Path("trackplan-plans/web").iterdir()) == [
        "SHA256SUMS", "web-2.0.0.changelog.md", "web-2.0.0.plan.json", "web-2.0.0.schema.json"
    ]  # fmt: skip
    changelog = Path("trackplan-plans/web/web-2.0.0.changelog.md").read_text()
    assert "event 'Signup' was renamed to 'Signed Up'" in changelog


def test_unknown_plan_and_unsatisfiable_range_list_what_exists(
    released: Path, run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    bad = run_cli("pull", "web@^3", "--from", str(released))
    assert bad.code == 1
    assert bad.err == (
        "trackplan: error: no released version of 'web' satisfies '^3'; "
        "released: 1.0.0, 1.1.0, 2.0.0\n"
    )
    unknown = run_cli("pull", "mobile@^1", "--from", str(released))
    assert unknown.code == 1 and "has no released versions of plan 'mobile'" in unknown.err
    assert not Path("trackplan.lock").exists() and not Path("trackplan-plans").exists()


def test_frozen_fails_on_a_changed_release(
    released: Path, run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert run_cli("pull", "web@^1", "--from", str(released)).code == 0
    assert run_cli("pull", "web@^1", "--from", str(released), "--frozen").code == 0
    lock = json.loads(Path("trackplan.lock").read_text())
    lock["plans"]["web"]["artifacts"]["web-1.1.0.plan.json"] = "0" * 64
    Path("trackplan.lock").write_text(json.dumps(lock))
    before = Path("trackplan.lock").read_text()
    frozen = run_cli("pull", "web@^1", "--from", str(released), "--frozen")
    assert frozen.code == 1 and "differ from trackplan.lock" in frozen.err
    assert Path("trackplan.lock").read_text() == before  # nothing written


def test_pull_from_a_git_url(
    released: Path, run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("pull", "web@~1.0", "--from", f"file://{released}")
    assert result.code == 0, result.err
    assert "web 1.0.0" in result.out


@pytest.mark.parametrize(
    ("case", "args", "message"),
    [
        ("unreachable read API", ["web@^1", "--from", "http://127.0.0.1:9"], "cannot connect"),
        ("missing folder", ["web@^1", "--from", "no/such/folder"], "no such folder"),
        ("invalid range", ["web@>>1", "--from", "REPO"], "is not a version range"),
        ("corrupt lock", ["web@^1", "--from", "REPO"], "not a readable trackplan.lock"),
        ("newer lock format", ["web@^1", "--from", "REPO"], "written by a newer trackplan"),
    ],
)
def test_input_pull_cannot_read_exits_2_with_one_line(
    released: Path, run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    case: str, args: list[str], message: str,
) -> None:  # fmt: skip
    monkeypatch.chdir(tmp_path)
    if case == "corrupt lock":
        Path("trackplan.lock").write_text("{not json")
    if case == "newer lock format":
        Path("trackplan.lock").write_text('{"lockfile": 99, "plans": {}}')
    before = Path("trackplan.lock").read_bytes() if Path("trackplan.lock").exists() else None
    result = run_cli("pull", *[str(released) if a == "REPO" else a for a in args])
    assert result.code == 2, (case, result.err)
    assert message in result.err and result.err.count("\n") == 1, result.err
    assert "Traceback" not in result.err
    after = Path("trackplan.lock").read_bytes() if Path("trackplan.lock").exists() else None
    assert after == before  # nothing rewritten
    assert not Path("trackplan-plans").exists()


def test_no_matching_version_is_a_finding_not_an_input_error(
    released: Path, run_cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run_cli("pull", "web@^9", "--from", str(released))
    assert result.code == 1 and "no released version of 'web' satisfies '^9'" in result.err
