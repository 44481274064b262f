"""What every generator shares: the Jinja2 environment, its escaping filters, compact JSON."""

from __future__ import annotations

import json
from typing import Any

import jinja2

from registry.escape import code_comment, js_string, py_docstring

_ENV: jinja2.Environment | None = None


def environment() -> jinja2.Environment:
    """Templates from this package (package data); no autoescape: the output is code."""
    global _ENV
    if _ENV is None:
        _ENV = jinja2.Environment(
            loader=jinja2.PackageLoader("registry.codegen", "templates"),
            autoescape=False, undefined=jinja2.StrictUndefined, keep_trailing_newline=True,
            trim_blocks=True, lstrip_blocks=True,
        )  # fmt: skip
        _ENV.filters["js"] = js_string
        _ENV.filters["comment"] = code_comment
        _ENV.filters["pydoc"] = py_docstring
    return _ENV


def one_line(lines: tuple[str, ...] | list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


def compact_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the schemas embedded in generated code."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
