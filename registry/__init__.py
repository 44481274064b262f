"""trackplan's Python API: load a registry, validate it, diff two snapshots, compare two JSON
Schemas, check calls against a plan, render the results.

The names below are the documented, stable surface (DESIGN.md §3); the modules under
`registry/` behind them may move. Importing `registry` is cheap: each name loads its
module when it is first used.

    import registry

    head = registry.FolderSnapshot("path/to/registry")
    found = registry.validate(head)                   # ValidationReport: .errors, .warnings
    print(registry.render_findings(found.findings, "text", found.files))

    base = registry.open_snapshot("main", "path/to/registry")  # a git revision
    report = registry.diff_snapshots(base, head)     # DiffReport: .changes, .plans
    print(registry.render_diff(report, "text"))
    print(registry.judge(report, notes=None).fails_offline("breaking"))

    registry.compare_schemas({"type": "string"}, {"type": ["string", "null"]})

    plan = report.head.plans["web"]
    document, bundle = registry.plan_document(plan, "1.0.0"), registry.schema_bundle(plan, "1.0.0")
    calls = registry.check_calls(document, bundle, [{"type": "track", "event": "Signed Up"}])
"""

from __future__ import annotations

from collections.abc import Iterable
from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from registry.diff.changes import Change
    from registry.diff.compare import DiffReport
    from registry.diff.compare import compare as diff_snapshots
    from registry.diff.compat import compare as compare_schemas
    from registry.eventcheck.report import CheckReport
    from registry.findings import Finding
    from registry.lint.render import render_findings
    from registry.lint.validate import ValidationReport, validate
    from registry.load.loader import load_registry
    from registry.load.model import Plan, Registry
    from registry.load.snapshot import (
        FolderSnapshot,
        GitSnapshot,
        MemorySnapshot,
        Snapshot,
        SnapshotError,
        open_snapshot,
    )
    from registry.release.artifacts import plan_document, schema_bundle
    from registry.review.comment import render_review
    from registry.review.verdict import Verdict, judge

# name -> (module, attribute): loaded on first use (PEP 562)
_EXPORTS = {
    "Snapshot": ("registry.load.snapshot", "Snapshot"),
    "FolderSnapshot": ("registry.load.snapshot", "FolderSnapshot"),
    "GitSnapshot": ("registry.load.snapshot", "GitSnapshot"),
    "MemorySnapshot": ("registry.load.snapshot", "MemorySnapshot"),
    "SnapshotError": ("registry.load.snapshot", "SnapshotError"),
    "open_snapshot": ("registry.load.snapshot", "open_snapshot"),
    "load_registry": ("registry.load.loader", "load_registry"),
    "Registry": ("registry.load.model", "Registry"),
    "Plan": ("registry.load.model", "Plan"),
    "validate": ("registry.lint.validate", "validate"),
    "ValidationReport": ("registry.lint.validate", "ValidationReport"),
    "Finding": ("registry.findings", "Finding"),
    "render_findings": ("registry.lint.render", "render_findings"),
    "diff_snapshots": ("registry.diff.compare", "compare"),
    "DiffReport": ("registry.diff.compare", "DiffReport"),
    "Change": ("registry.diff.changes", "Change"),
    "compare_schemas": ("registry.diff.compat", "compare"),
    "judge": ("registry.review.verdict", "judge"),
    "Verdict": ("registry.review.verdict", "Verdict"),
    "render_review": ("registry.review.comment", "render_review"),
    "plan_document": ("registry.release.artifacts", "plan_document"),
    "schema_bundle": ("registry.release.artifacts", "schema_bundle"),
    "CheckReport": ("registry.eventcheck.report", "CheckReport"),
}
__all__ = [
    "Change",
    "CheckReport",
    "DiffReport",
    "Finding",
    "FolderSnapshot",
    "GitSnapshot",
    "MemorySnapshot",
    "Plan",
    "Registry",
    "Snapshot",
    "SnapshotError",
    "ValidationReport",
    "Verdict",
    "check_calls",
    "compare_schemas",
    "diff_snapshots",
    "judge",
    "load_registry",
    "open_snapshot",
    "plan_document",
    "render_diff",
    "render_findings",
    "render_review",
    "schema_bundle",
    "validate",
]


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'registry' has no attribute {name!r}")
    module, attribute = _EXPORTS[name]
    value = getattr(import_module(module), attribute)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})


def render_diff(report: DiffReport, fmt: str = "text") -> str:
    """A diff report as `trackplan diff` prints it: `text`, `json`, `markdown` or `github`."""
    from registry.diff import render

    if fmt == "markdown":
        from registry.review.comment import links_for, render_changes_markdown

        return render_changes_markdown(report, links_for(report))
    renderers = {"text": render.render_text, "json": render.render_json,
                 "github": render.render_github}  # fmt: skip
    if fmt not in renderers:
        raise ValueError(f"format must be text, json, markdown or github, not {fmt!r}")
    return renderers[fmt](report)


def check_calls(document: dict[str, Any], bundle: dict[str, Any], calls: Iterable[Any],
                source: str = "calls") -> CheckReport:  # fmt: skip
    """Check tracking calls (Segment-spec dicts) against a plan version's document and schema
    bundle (its release artifacts, or `plan_document`/`schema_bundle` of a loaded plan):
    the report `trackplan check` prints."""
    from registry.eventcheck.checker import Checker
    from registry.eventcheck.report import CheckReport, run

    checker = Checker(document, bundle)
    report = CheckReport(checker.plan, checker.version, source)
    for _ in run(checker, enumerate(calls, 1), source, report):
        pass  # progress is yielded between calls: nothing to show here
    return report
