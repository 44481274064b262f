"""Indented JSON, byte for byte what `json.dumps(value, indent=2, ensure_ascii=False)` writes.

With an indent, json leaves its C encoder for a Python generator that yields every comma
and brace (a 2,000-event release's schema bundles took half a second); here only the
nesting is Python and each text is escaped by json's own C function.
"""

from __future__ import annotations

import json
import math
from json.encoder import encode_basestring
from typing import Any


def indented_json(value: Any, *, sort_keys: bool = False) -> str:
    """`json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)`."""
    try:
        return _write(value, "", sort_keys)
    # Keys that are not text, a type of its own, or nesting deeper than the stack allows
    # here: json decides (and refuses what it refuses, as before).
    except (_Unusual, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)


class _Unusual(Exception):
    pass


def _write(value: Any, indent: str, sort_keys: bool) -> str:
    kind = type(value)
    if kind is str:
        return str(encode_basestring(value))
    if kind is dict:
        if not value:
            return "{}"
        inner = indent + "  "
        items = sorted(value.items()) if sort_keys else value.items()
        parts = []
        for key, item in items:
            if type(key) is not str:
                raise _Unusual
            parts.append(f"{inner}{encode_basestring(key)}: {_write(item, inner, sort_keys)}")
        return "{\n" + ",\n".join(parts) + "\n" + indent + "}"
    if kind is list or kind is tuple:
        if not value:
            return "[]"
        inner = indent + "  "
        # A loop, not a generator: one frame per level, as for mappings (a chain of shared
        # properties joined by anyOf nests hundreds deep in a release's schemas).
        parts = []
        for item in value:
            parts.append(inner + _write(item, inner, sort_keys))
        return "[\n" + ",\n".join(parts) + "\n" + indent + "]"
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        if math.isfinite(value):
            return float.__repr__(value)
        return "NaN" if value != value else ("Infinity" if value > 0 else "-Infinity")
    raise _Unusual
