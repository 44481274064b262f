"""Render validation findings as text, JSON, Markdown or GitHub workflow annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence

from registry.escape import clean, md_code, md_text
from registry.findings import ERROR, Finding
from registry.text import plural

FORMATS = ("text", "json", "markdown", "github")


def summary_line(findings: Sequence[Finding], files: int) -> str:
    errors = sum(1 for f in findings if f.level == ERROR)
    warnings = len(findings) - errors
    return f"{plural(errors, 'error')}, {plural(warnings, 'warning')} in {plural(files, 'file')}"


def render_findings(findings: Sequence[Finding], fmt: str, files: int) -> str:
    """The findings in `fmt`; every format ends with a newline and is byte-for-byte stable."""
    if fmt == "json":
        doc = {
            "findings": [f.to_dict() for f in findings],
            "summary": {
                "errors": sum(1 for f in findings if f.level == ERROR),
                "warnings": sum(1 for f in findings if f.level != ERROR),
                "files": files,
            },
        }
        return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
    if fmt == "github":
        return "".join(_github(f) + "\n" for f in findings)
    if fmt == "markdown":
        return _markdown(findings, files)
    lines = []
    for f in findings:
        lines.append(clean(f"{f.location}: {f.level} {f.rule} {f.message}"))
        if f.hint:
            lines.append(clean(f"    hint: {f.hint}"))
    lines.append(summary_line(findings, files))
    return "\n".join(lines) + "\n"


def escape_data(text: str) -> str:
    """`text` as a workflow command's data: its lines kept (as %0A), and within them the
    control and format characters a plan, commit or call may hold (ANSI and OSC escapes,
    BEL) shown as escapes, as the text format shows them: a log never obeys them."""
    lines = "\n".join(clean(line) for line in text.split("\n"))
    return lines.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def notice(message: str, file: str | None = None) -> str:
    """A `::notice` workflow command line (for commands whose output is not findings)."""
    where = f" file={escape_property(file)}" if file else ""
    return f"::notice{where}::{escape_data(message)}\n"


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A table whose every cell is text (plan strings and paths: escaped, never markup)."""
    lines = ["| " + " | ".join(header) + " |", "| " + " | ".join("---" for _ in header) + " |"]
    lines += ["| " + " | ".join(md_text(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def _github(f: Finding) -> str:
    """A workflow command: `::error file=...,line=...,col=...,title=...::message`."""
    kind = "error" if f.level == ERROR else "warning"
    loc = f.location
    props = (
        f"file={escape_property(loc.file)},line={loc.line},col={loc.column},"
        f"title={escape_property(f.rule)}"
    )
    body = f.message + (f"\n{f.hint}" if f.hint else "")
    return f"::{kind} {props}::{escape_data(body)}"


def _markdown(findings: Sequence[Finding], files: int) -> str:
    if not findings:
        return f"**No problems** in {files} files.\n"
    rows = ["| Level | Rule | Where | Problem | Fix |", "| --- | --- | --- | --- | --- |"]
    for f in findings:
        cells = [f.level, md_code(f.rule), md_code(f.location), md_text(f.message), md_text(f.hint)]
        rows.append("| " + " | ".join(cells) + " |")
    return "\n".join([f"**{summary_line(findings, files)}**", "", *rows]) + "\n"
