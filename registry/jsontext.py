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
    out: list[str] = []
    try:
        _write(value, "", sort_keys, out)
    # Keys that are not text, a type of its own, or nesting deeper than the stack allows
    # here: json decides (and refuses what it refuses, as before).
    except (_Unusual, RecursionError):
        return json.dumps(value, indent=2, ensure_ascii=False, sort_keys=sort_keys)
    return "".join(out)


class _Unusual(Exception):
    pass


def _write(value: Any, indent: str, sort_keys: bool, out: list[str]) -> None:
    """Appends the pieces of `value` to `out`, joined once at the end: a nested value's
    text is never copied into its parent's (that is cubic in the depth), and each level
    costs one frame."""
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        before = "{\n" + inner
        for key, item in sorted(value.items()) if sort_keys else value.items():
            if type(key) is not str:
                raise _Unusual
            out.append(before + encode_basestring(key) + ": ")
            _write(item, inner, sort_keys, out)
            before = ",\n" + inner
        out.append("\n" + indent + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        before = "[\n" + inner
        for item in value:
            out.append(before)
            _write(item, inner, sort_keys, out)
            before = ",\n" + inner
        out.append("\n" + indent + "]")
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        if math.isfinite(value):
            out.append(float.__repr__(value))
        else:
            out.append("NaN" if value != value else ("Infinity" if value > 0 else "-Infinity"))
    else:
        raise _Unusual
