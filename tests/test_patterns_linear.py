"""No pattern from a plan or settings can run for long: RE2 everywhere (issue 22)."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from tests.botkit import plan_repo, push_commit, review_opened_pull
from tests.conftest import CliResult, write_files
from tests.fake_github import FakeGitHub

Cli = Callable[..., CliResult]
PLAN = "plans/web/plan.yaml"
EVIL = "^(a+)+$"
NAME = "a" * 40 + "!"
STALLING = (
    "plan:\n  id: web\n  conventions: {event_name: '" + EVIL + "'}\n"
    "events:\n  " + NAME + ":\n    properties:\n"
    "      code: {type: string, pattern: '" + EVIL + "'}\n"
)


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    # A separate process with a generous bound: a stall would fail the test, not hang it.
    return subprocess.run([sys.executable, "-m", "registry", *args], capture_output=True,
                          text=True, timeout=120, check=False)  # fmt: skip


def test_a_catastrophic_convention_validates_and_reports_the_name(tmp_path: Path) -> None:
    repo = write_files(tmp_path / "r", {PLAN: STALLING})
    result = _cli("validate", "--repo", str(repo), "--format", "json")
    assert result.returncode == 1, result.stderr
    found = {(f["rule"], f["location"]["line"]) for f in json.loads(result.stdout)["findings"]}
    assert ("event-name-case", 5) in found


def test_check_runs_a_catastrophic_pattern_on_a_near_match(tmp_path: Path) -> None:
    plan = (
        "plan:\n  id: web\nevents:\n  Code Entered:\n    properties:\n"
        "      code: {type: string, pattern: '" + EVIL + "'}\n"
    )
    repo = write_files(tmp_path / "r", {PLAN: plan})
    calls = tmp_path / "calls.jsonl"
    call = {"type": "track", "event": "Code Entered", "properties": {"code": NAME}}
    calls.write_text(json.dumps(call) + "\n" + json.dumps({**call, "properties": {"code": "aaa"}})
                     + "\n")  # fmt: skip
    result = _cli("check", str(calls), "--plan", "web", "--repo", str(repo), "--format", "json")
    assert result.returncode == 1, result.stderr
    report = json.loads(result.stdout)
    assert report["violations"] == 1  # the near match; "aaa" matches and passes
    assert "format-mismatch" in json.dumps(report)


def test_patterns_re2_cannot_take_are_findings_at_their_line(run_cli: Cli, tmp_path: Path) -> None:
    plan = (
        "plan:\n  id: web\nevents:\n  Code Entered:\n    properties:\n"
        "      code: {type: string, pattern: '^(?=a)b$'}\n"
        "      pair: {type: object, properties: {x: {type: string, pattern: '(a)\\1'}}}\n"
    )
    repo = write_files(tmp_path / "r", {PLAN: plan, "trackplan.yaml":
                                        "conventions:\n  property_name: '^(?!x)'\n"})  # fmt: skip
    result = run_cli("validate", "--repo", str(repo), "--format", "json")
    assert result.code == 1
    found = {(f["rule"], f["location"]["file"], f["location"]["line"])
             for f in result.json()["findings"]}  # fmt: skip
    assert ("pattern-unsupported", PLAN, 6) in found
    assert ("pattern-unsupported", PLAN, 7) in found
    assert ("convention-invalid", "trackplan.yaml", 2) in found


def test_the_bot_reviews_a_pull_request_with_a_stalling_pattern(tmp_path: Path) -> None:
    repo = plan_repo(tmp_path / "repo")
    push_commit(repo, "rename", "plans/web/plan.yaml", STALLING, "Stall the bot")
    with FakeGitHub(repo) as gh:
        review_opened_pull(gh, tmp_path / "data")
        (comment,) = gh.comments(1)
        runs = {r["name"]: r for r in gh.check_runs(gh.sha("rename"))}
    assert runs["trackplan/validate"]["conclusion"] == "failure"
    assert "event-name-case" in comment["json"]["body"]  # judged by BASE's title-case


def test_generated_validators_leave_out_patterns_a_backtracking_engine_could_stall(
    run_cli: Cli, tmp_path: Path
) -> None:
    plan = (
        "plan:\n  id: web\nevents:\n  Code Entered:\n    properties:\n"
        "      code: {type: string, pattern: '" + EVIL + "'}\n"
        "      zip: {type: string, pattern: '^[0-9]{5}$'}\n"
        "      poly: {type: string, pattern: '^\\d*\\d*\\d*x$'}\n"
        "      counted: {type: string, pattern: '^(a?){25}a{25}$'}\n"
    )
    repo = write_files(tmp_path / "r", {PLAN: plan})
    for lang, name in (("typescript", "web.ts"), ("python", "web.py")):
        out = tmp_path / lang
        result = run_cli("generate", "--lang", lang, "--repo", str(repo), "--out", str(out))
        assert result.code == 0, result.err
        text = next(out.rglob(name)).read_text()
        schemas = "\n".join(text.split("SCHEMAS", 1)[1].splitlines()[:3])
        assert "[0-9]{5}" in schemas  # the safe pattern is still checked at run time
        for unsafe in ("(a+)+", "d*x$", "(a?){25}"):  # exponential, polynomial, counted
            assert unsafe not in schemas, unsafe  # (only the documentation comment shows it)
