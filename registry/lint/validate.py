"""Validation: load a snapshot, run every catalog rule, and report findings in order."""

from __future__ import annotations

from registry.findings import ERROR, WARNING, Finding, sort_findings
from registry.lint.rules import validation_findings
from registry.load.loader import ParseCache, load_registry
from registry.load.model import Registry
from registry.load.snapshot import Snapshot
from registry.records import record


@record
class ValidationReport:
    registry: Registry
    findings: list[Finding]
    files: int = 0  # the YAML files read (what the summary line counts)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.level == ERROR]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.level == WARNING]


def validate(snapshot: Snapshot, parse: ParseCache | None = None) -> ValidationReport:
    """Schema, structure, cross-references and naming of every plan in `snapshot`."""
    loaded = load_registry(snapshot, parse=parse)
    # The processes this run may use: the parse cache's, which a command line tool sets.
    findings = validation_findings(loaded.findings, loaded.registry,
                                   getattr(parse, "workers", 1))  # fmt: skip
    files = sum(1 for p in snapshot.paths() if p.endswith((".yaml", ".yml")))
    return ValidationReport(loaded.registry, sort_findings(findings), files)
