"""`policy:` in trackplan.yaml: per-rule levels by scope and how additions count, read from
the base side like every setting (a pull request cannot downgrade its own change)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from tests.conftest import CliResult, write_files

Cli = Callable[..., CliResult]

BASE_PLAN = """plan: {id: web}
events:
  Signed Up:
    properties:
      method: {type: string}
      referrer: {type: string}
  Order Completed:
    properties:
      coupon: {type: string}
"""
# Every property removed, one optional property added.
HEAD_PLAN = """plan: {id: web}
events:
  Signed Up:
    properties:
      utm: {type: string}
  Order Completed: {}
"""


def _diff(run_cli: Cli, tmp_path: Path, policy: str, head_policy: str | None = None,
          ) -> tuple[int, list[tuple[str, str, str]]]:  # fmt: skip
    """(exit code, (rule, level, subject) of each change) of the diff with `policy` in BASE's
    trackplan.yaml (and `head_policy` in HEAD's, default the same)."""
    settings = "policy:\n" + policy if policy else ""
    head_settings = settings if head_policy is None else "policy:\n" + head_policy
    base = write_files(tmp_path / "base", {"plans/web/plan.yaml": BASE_PLAN,
                                           "trackplan.yaml": settings})  # fmt: skip
    head = write_files(tmp_path / "head", {"plans/web/plan.yaml": HEAD_PLAN,
                                           "trackplan.yaml": head_settings})  # fmt: skip
    done = run_cli("diff", str(base), str(head), "--format", "json")
    assert done.code in (0, 1), done.err
    return done.code, sorted((c["rule"], c["level"], c["subject"])
                             for c in done.json()["changes"])  # fmt: skip


def test_without_a_policy_removals_break_and_additions_do_not(run_cli: Cli, tmp_path: Path) -> None:
    code, changes = _diff(run_cli, tmp_path, "")
    assert code == 1
    assert changes == [
        ("property-added", "info", "events/Signed Up/properties/utm"),
        ("property-removed", "breaking", "events/Order Completed/properties/coupon"),
        ("property-removed", "breaking", "events/Signed Up/properties/method"),
        ("property-removed", "breaking", "events/Signed Up/properties/referrer"),
    ]


def test_a_rule_gets_its_level_in_its_scope_only(run_cli: Cli, tmp_path: Path) -> None:
    policy = ("  rules:\n"
              "    - {rule: property-removed, level: info, events: ['Signed *']}\n"
              "    - {rule: property-removed, level: off, properties: [referrer]}\n"
              "    - {rule: property-added, level: warning, plans: [web]}\n")  # fmt: skip
    code, changes = _diff(run_cli, tmp_path, policy)
    assert code == 1  # the coupon removal, outside the scope, still breaks
    assert changes == [
        ("property-added", "warning", "events/Signed Up/properties/utm"),
        ("property-removed", "breaking", "events/Order Completed/properties/coupon"),
        ("property-removed", "info", "events/Signed Up/properties/method"),
        # referrer: off, the last matching entry winning
    ]


def test_strict_additions_break_producers_of_open_objects(run_cli: Cli, tmp_path: Path) -> None:
    _, changes = _diff(run_cli, tmp_path, "  additions: strict\n")
    assert ("property-added", "breaking", "events/Signed Up/properties/utm") in changes


def test_a_pull_request_cannot_downgrade_its_own_change(run_cli: Cli, tmp_path: Path) -> None:
    head_policy = "  rules:\n    - {rule: property-removed, level: info}\n"
    code, changes = _diff(run_cli, tmp_path, "", head_policy=head_policy)
    assert code == 1  # judged by BASE's policy: still breaking
    assert ("property-removed", "breaking", "events/Signed Up/properties/method") in changes
    assert ("settings-changed", "warning", "settings/policy.rules") in [
        (r, lvl, s) for r, lvl, s in changes if r == "settings-changed"]  # fmt: skip


def test_an_unknown_rule_in_the_policy_fails_validation_at_its_line(
    run_cli: Cli, tmp_path: Path
) -> None:
    repo = write_files(tmp_path / "repo", {
        "plans/web/plan.yaml": BASE_PLAN,
        "trackplan.yaml": "policy:\n  rules:\n    - {rule: property-remved, level: info}\n",
    })  # fmt: skip
    done = run_cli("validate", "--repo", str(repo))
    assert done.code == 1
    assert "trackplan.yaml:3:" in done.out and "policy-rule-unknown" in done.out
    assert "Did you mean 'property-removed'?" in done.out


def test_a_rule_glob_names_every_rule_it_matches(run_cli: Cli, tmp_path: Path) -> None:
    code, changes = _diff(
        run_cli, tmp_path, "  rules:\n    - {rule: '*-removed', level: warning}\n"
    )
    assert code == 0
    assert {level for rule, level, _ in changes if rule == "property-removed"} == {"warning"}
    repo = write_files(tmp_path / "repo", {
        "plans/web/plan.yaml": BASE_PLAN,
        "trackplan.yaml": "policy:\n  rules:\n    - {rule: '*-remved', level: info}\n",
    })  # fmt: skip
    done = run_cli("validate", "--repo", str(repo))
    assert done.code == 1 and "policy rule '*-remved' is no rule of the diff" in done.out
