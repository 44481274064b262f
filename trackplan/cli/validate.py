"""`trackplan validate`: schema, cross-references and naming lint of every plan."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from registry.lint.render import render_findings
from registry.lint.validate import validate
from trackplan.cli.common import (
    EXIT_FINDINGS,
    EXIT_OK,
    add_common,
    open_registry,
    parse_cache,
)


def run(args: argparse.Namespace) -> int:
    snapshot = open_registry(args.repo)
    report = validate(snapshot, parse=parse_cache(args))
    sys.stdout.write(render_findings(report.findings, args.format, report.files))
    return EXIT_FINDINGS if report.errors else EXIT_OK


def add_parser(sub: Any) -> None:
    validate_parser = sub.add_parser(
        "validate",
        help="check plan files: format, cross-references and naming conventions",
        description="Check every plan of the registry: YAML syntax and safety, the plan format "
        "(schemas/plan.schema.json), cross-references ($ref, sources, objectives, "
        "lifecycle stages, KPI events) and the naming conventions of trackplan.yaml. "
        "Exits 0 when there is no error (warnings allowed), 1 when there is any "
        "error, 2 when the registry cannot be read.",
    )
    add_common(validate_parser, {
        "text": "a line per finding with its hint, then the counts",
        "json": "the findings and the counts", "markdown": "a table of the findings",
        "github": "workflow annotations on the lines"})  # fmt: skip
    validate_parser.set_defaults(handler=run)
