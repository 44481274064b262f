"""The documented Python API (`import registry`): what a script needs, answering as the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import registry
from tests.conftest import CliResult

Cli = Callable[..., CliResult]
ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def test_importing_the_api_loads_nothing_until_a_name_is_used() -> None:
    code = (
        "import sys, registry\n"
        "print(sorted(m for m in sys.modules if m.startswith('registry.')))\n"
        "registry.validate\n"
        "print('registry.lint.validate' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, check=True)  # fmt: skip
    assert done.stdout.splitlines() == ["[]", "True"]


def test_every_documented_name_resolves_and_unknown_names_fail_plainly() -> None:
    for name in registry.__all__:
        assert getattr(registry, name) is not None, name
        assert name in dir(registry)
    try:
        registry.no_such_thing  # noqa: B018
    except AttributeError as exc:
        assert "no_such_thing" in str(exc)
    else:
        raise AssertionError("an unknown name must raise AttributeError")


def test_validate_and_diff_answer_as_the_cli_does(run_cli: Cli) -> None:
    head = registry.FolderSnapshot(EXAMPLES / "acme")
    found = registry.validate(head)
    assert isinstance(found, registry.ValidationReport)
    assert not found.errors and not found.warnings
    assert (
        registry.render_findings(found.findings, "text", found.files)
        == run_cli("validate", "--repo", str(EXAMPLES / "acme")).out
    )

    base = registry.FolderSnapshot(EXAMPLES / "acme-base")
    report = registry.diff_snapshots(base, head)
    assert isinstance(report, registry.DiffReport)
    rules = {c.rule for c in report.changes}
    assert {"event-renamed", "property-removed", "enum-value-removed"} <= rules
    for fmt in ("text", "json", "github", "markdown"):
        cli = run_cli("diff", str(EXAMPLES / "acme-base"), str(EXAMPLES / "acme"), "--format", fmt)
        assert registry.render_diff(report, fmt) == cli.out, fmt
    verdict = registry.judge(report, None)
    assert verdict.fails_offline("breaking") and not verdict.fails_offline("never")


def test_compare_schemas_is_the_json_schema_compatibility_check() -> None:
    widened = registry.compare_schemas({"type": "string"}, {"type": ["string", "null"]})
    assert widened.backward and [d.kind for d in widened.differences] == ["type-widened"]
    narrowed = registry.compare_schemas({"type": ["string", "null"]}, {"type": "string"})
    assert not narrowed.backward


def test_check_calls_reports_what_trackplan_check_reports(run_cli: Cli) -> None:
    plan = registry.load_registry(registry.FolderSnapshot(EXAMPLES / "acme")).registry
    shop = plan.plans["shop"]
    document = registry.plan_document(shop, "1.0.0")
    bundle = registry.schema_bundle(shop, "1.0.0")
    lines = (EXAMPLES / "calls.jsonl").read_text().splitlines()
    calls = []
    for line in lines:
        try:
            calls.append(json.loads(line))
        except json.JSONDecodeError:
            continue  # the CLI counts it as malformed; the API takes parsed calls
    report = registry.check_calls(document, bundle, calls)
    mine = {(f["kind"], f["event"], f["property"], f["count"])
            for f in report.to_dict()["findings"]}  # fmt: skip
    cli = run_cli("check", str(EXAMPLES / "calls.jsonl"), "--repo", str(EXAMPLES / "acme"),
                  "--plan", "shop", "--format", "json")  # fmt: skip
    theirs = {(f["kind"], f["event"], f["property"], f["count"]) for f in cli.json()["findings"]}
    assert mine and mine == theirs
    assert ("unplanned-event", "Prodcut Viewed", "", 1) in mine
