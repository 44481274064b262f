"""`trackplan validate` end to end: hostile input, exit codes, formats, determinism."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]
PLAN = "plans/web/plan.yaml"
GOOD_PLAN = (
    "plan:\n  id: web\nevents:\n  Order Completed:\n    properties:\n      total: {type: number}\n"
)

BOMB = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n' + "".join(
    f"{c}: &{c} [{','.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)

# name: (files, (rule, file, line))
NASTY: dict[str, tuple[dict[str, str], tuple[str, str, int]]] = {
    "duplicate key": (
        {PLAN: "plan:\n  id: web\nevents:\n  A Viewed: {}\n  A Viewed: {}\n"},
        ("yaml-duplicate-key", PLAN, 5),
    ),
    "unknown property type": (
        {PLAN: "plan:\n  id: web\nevents:\n  A Viewed:\n    properties:\n      x: {type: strng}\n"},
        ("property-type-unknown", PLAN, 6),
    ),
    "ref to nothing": (
        {PLAN: "plan:\n  id: web\nevents:\n  A Viewed:\n    properties:\n      x: {$ref: nope}\n"},
        ("ref-unknown", PLAN, 6),
    ),
    "yaml syntax error": (
        {PLAN: "plan:\n  id: web\nevents:\n  A Viewed: {properties: {x: [}\n"},
        ("yaml-syntax", PLAN, 4),
    ),
    "alias bomb": ({PLAN: BOMB}, ("yaml-alias-limit", PLAN, 6)),
    "same event in two files": (
        {
            PLAN: "plan:\n  id: web\nevents:\n  A Viewed: {}\n",
            "plans/web/events/more.yaml": "events:\n  B Viewed: {}\n  A Viewed: {}\n",
        },
        ("definition-duplicated", "plans/web/events/more.yaml", 3),
    ),
    "plan id differs from folder": (
        {PLAN: "plan:\n  id: webapp\n"},
        ("plan-id-mismatch", PLAN, 2),
    ),
    "python object tag": (
        {PLAN: 'plan:\n  id: web\nx: !!python/object/apply:os.system ["touch PWNED"]\n'},
        ("yaml-forbidden-tag", PLAN, 3),
    ),
    "top level is a list": (
        {PLAN: "plan:\n  id: web\n", "plans/web/events/list.yaml": "- A Viewed\n- B Viewed\n"},
        ("file-not-mapping", "plans/web/events/list.yaml", 1),
    ),
}


def _run(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "registry", "validate", "--repo", str(root), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=root,
        check=False,
    )


@pytest.mark.parametrize("case", sorted(NASTY))
def test_bad_input_exits_1_naming_file_line_rule_and_fix(case: str, tmp_path: Path) -> None:
    files, (rule, file, line) = NASTY[case]
    root = write_files(tmp_path / "reg", dict(files))
    proc = _run(root)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stdout.splitlines()
    hits = [
        i for i, text in enumerate(lines) if text.startswith(f"{file}:{line}:") and rule in text
    ]
    assert hits, proc.stdout
    assert lines[hits[0] + 1].strip().startswith("hint: ")
    assert not (root / "PWNED").exists()


def test_alias_bomb_file_is_under_1kb() -> None:
    assert len(BOMB.encode()) < 1024


def test_clean_registry_exits_0_and_prints_summary(tmp_path: Path) -> None:
    root = write_files(tmp_path / "reg", {PLAN: GOOD_PLAN})
    proc = _run(root)
    assert proc.returncode == 0, proc.stdout
    assert proc.stdout == "0 errors, 0 warnings in 1 file\n"


def test_warnings_alone_exit_0(run_cli: Cli, tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "reg", {PLAN: "plan:\n  id: web\nevents:\n  Completed Order: {}\n"}
    )
    result = run_cli("validate", "--repo", str(root))
    assert result.code == 0
    assert f"{PLAN}:4:3: warning event-name-grammar" in result.out


@pytest.mark.parametrize("path", ["missing", "empty"])
def test_unreadable_registry_exits_2(path: str, run_cli: Cli, tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    result = run_cli("validate", "--repo", str(tmp_path / path))
    assert result.code == 2
    assert result.err.startswith("trackplan: error: ")
    assert result.out == ""


def test_json_and_github_formats(run_cli: Cli, tmp_path: Path) -> None:
    root = write_files(tmp_path / "reg", {PLAN: "plan:\n  id: webapp\n"})
    data = run_cli("validate", "--repo", str(root), "--format", "json").json()
    assert data["summary"] == {"errors": 1, "warnings": 0, "files": 1}
    finding = data["findings"][0]
    assert finding["rule"] == "plan-id-mismatch"
    assert finding["location"] == {"file": PLAN, "line": 2, "column": 3}
    gh = run_cli("validate", "--repo", str(root), "--format", "github")
    assert gh.code == 1
    assert gh.out.startswith(
        f"::error file={PLAN},line=2,col=3,title=plan-id-mismatch::plan id 'webapp' differs"
    )


def test_output_is_byte_identical_across_runs(run_cli: Cli, tmp_path: Path) -> None:
    files = {name: body for case in NASTY.values() for name, body in case[0].items()}
    root = write_files(tmp_path / "reg", files)
    first = run_cli("validate", "--repo", str(root), "--format", "json").out
    second = run_cli("validate", "--repo", str(root), "--format", "json").out
    assert first == second
    assert json.loads(first)["findings"]


def test_help_explains_the_command(run_cli: Cli) -> None:
    result = run_cli("validate", "--help")
    assert result.code == 0
    assert "--repo" in result.out and "--format" in result.out and "Exits 0" in result.out


def test_unquoted_dates_and_plan_files_merge(run_cli: Cli, tmp_path: Path) -> None:
    root = write_files(
        tmp_path / "reg",
        {
            PLAN: "plan:\n  id: web\nproperties:\n  order_id: {type: string}\n",
            "plans/web/events/orders.yml": (
                "events:\n  Order Completed:\n    deprecated: {reason: old, sunset: 2027-01-31}\n"
                "    properties:\n      order_id: {$ref: order_id, required: true}\n"
            ),
        },
    )
    result = run_cli("validate", "--repo", str(root))
    assert result.code == 0, result.out
    assert result.out.endswith("in 2 files\n")


def test_parse_cache_gives_the_same_output_and_survives_damage(
    run_cli: Cli, tmp_path: Path, private_cache: Path
) -> None:
    files = {name: body for case in NASTY.values() for name, body in case[0].items()}
    files["plans/web/events/ok.yaml"] = "events:\n  B Viewed: {}\n"
    root = write_files(tmp_path / "reg", files)
    cold = run_cli("validate", "--repo", str(root)).out
    entries = [p for p in private_cache.rglob("*") if p.is_file()]
    assert entries  # parsed files were cached
    assert run_cli("validate", "--repo", str(root)).out == cold
    for entry in entries:
        entry.write_bytes(b"\x00garbage")
    assert run_cli("validate", "--repo", str(root)).out == cold
    assert run_cli("validate", "--repo", str(root), "--no-cache").out == cold


def test_fifos_and_links_out_of_the_registry_are_never_read(tmp_path: Path) -> None:
    secret = tmp_path / "outside.yaml"
    secret.write_text("token: [s3cret-value\n")  # also a syntax error, quoted in findings
    root = write_files(tmp_path / "reg", {"plans/web/plan.yaml": "plan:\n  id: web\n"})
    os.mkfifo(root / "plans/web/pipe.yaml")  # reading it would hang forever
    (root / "trackplan.yaml").symlink_to(secret)
    (root / ".github").mkdir()
    (root / ".github/CODEOWNERS").symlink_to(secret)
    (root / "plans/web/linked.yaml").symlink_to(secret)
    proc = _run(root, "--no-cache")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "s3cret" not in proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("in 1 file")


def test_control_characters_in_names_are_shown_escaped(tmp_path: Path) -> None:
    plan = 'plan:\n  id: web\nevents:\n  "Evil\\e[2J\\rName": {x: 1}\n'
    root = write_files(tmp_path / "reg", {"plans/web/plan.yaml": plan})
    proc = _run(root, "--no-cache")
    assert "\x1b" not in proc.stdout and "\r" not in proc.stdout
    assert "Evil\\x1b[2J\\x0dName" in proc.stdout
