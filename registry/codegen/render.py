"""What every generator shares: the Jinja2 environment and comment-safe text."""

from __future__ import annotations

import json
from typing import Any

import jinja2

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
        _ENV.filters["js"] = js
    return _ENV


def js(value: Any) -> str:
    """A JavaScript (and JSON) literal; U+2028/9 escaped, since older engines end strings there."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def one_line(lines: tuple[str, ...] | list[str]) -> str:
    return " ".join(line.strip() for line in lines if line.strip())


def comment_safe(text: str) -> str:
    """Text that cannot end the comment it sits in (`*/`) nor break a line."""
    return " ".join(text.replace("*/", "*\\/").split())


def compact_json(value: Any) -> str:
    """JSON with sorted keys and no spaces: the schemas embedded in generated code."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
