"""The lint catalog: ids are unique, and every rule's examples behave as documented."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from registry.findings import LEVELS
from registry.lint.rules import BY_ID, RULES, Rule, example_files
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
MakeRegistry = Callable[[dict[str, str | bytes]], Path]


def test_rule_ids_are_unique_kebab_case_with_levels_and_summaries() -> None:
    ids = [rule.id for rule in RULES]
    assert len(ids) == len(set(ids))
    for rule in RULES:
        assert re.fullmatch(r"[a-z]+(-[a-z]+)*", rule.id), rule.id
        assert rule.level in LEVELS
        assert rule.summary and "\n" not in rule.summary


def _findings(run_cli: Cli, root: Path) -> list[dict[str, object]]:
    result = run_cli("validate", "--repo", str(root), "--format", "json")
    assert result.code in (0, 1), result.err
    findings: list[dict[str, object]] = result.json()["findings"]
    return findings


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_invalid_example_reports_the_rule_at_its_line(
    rule: Rule, run_cli: Cli, registry_dir: MakeRegistry
) -> None:
    root = registry_dir(dict(example_files(rule.invalid)))
    found = {
        (f["rule"], f["location"]["file"], f["location"]["line"])  # type: ignore[index]
        for f in _findings(run_cli, root)
    }
    file, line = rule.expect
    assert (rule.id, file, line) in found, sorted(found)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_valid_example_does_not_report_the_rule(
    rule: Rule, run_cli: Cli, registry_dir: MakeRegistry
) -> None:
    root = registry_dir(dict(example_files(rule.valid)))
    assert rule.id not in {f["rule"] for f in _findings(run_cli, root)}


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_every_reported_rule_is_in_the_catalog_with_its_level(
    rule: Rule, run_cli: Cli, registry_dir: MakeRegistry
) -> None:
    root = registry_dir(dict(example_files(rule.invalid)))
    for finding in _findings(run_cli, root):
        assert finding["rule"] in BY_ID, finding
        assert finding["level"] == BY_ID[str(finding["rule"])].level
        assert finding["hint"], finding


def test_rules_run_in_worker_processes_report_the_same_findings_in_order(
    registry_dir: MakeRegistry, monkeypatch: pytest.MonkeyPatch
) -> None:
    from registry.lint import rules
    from registry.lint.validate import validate
    from registry.load.cache import ParseCache
    from registry.load.snapshot import FolderSnapshot

    monkeypatch.setattr(rules, "PARALLEL_EVENTS", 0)  # small registries: in workers all the same
    for rule in RULES[::4]:  # a spread of the catalog: 1 in 4 rules' invalid examples
        snapshot = FolderSnapshot(registry_dir(dict(example_files(rule.invalid))))
        alone = validate(snapshot, parse=ParseCache(None)).findings
        shared = validate(snapshot, parse=ParseCache(None, workers=3)).findings
        assert shared == alone and any(f.rule == rule.id for f in shared), rule.id
