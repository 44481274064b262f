"""Answers of a bounded size: long strings shortened, long lists and maps cut, and said so."""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 64 * 1024  # an answer an assistant can read whole
MAX_STRING = 2000
PASSES = 30  # each pass cuts the largest container to the share that fits


def encode(answer: Any) -> bytes:
    """The bytes an answer is sent as (a lone surrogate, which only a hand-made JSON file
    holds, counted as the escape it is sent as)."""
    text = json.dumps(answer, indent=1, ensure_ascii=False)
    try:
        return text.encode()
    except UnicodeEncodeError:
        return json.dumps(answer, indent=1, ensure_ascii=True).encode()


def bounded(answer: dict[str, Any], max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """`answer` with its strings at most MAX_STRING characters and, while its encoding is
    over `max_bytes`, its largest list or map cut to the share that fits (a few passes, each
    one encoding); `truncated: true` says something was left out."""
    cut = False

    def shorten(value: Any) -> Any:
        nonlocal cut
        if isinstance(value, str) and len(value) > MAX_STRING:
            cut = True
            return value[:MAX_STRING] + "…"
        if isinstance(value, dict):
            return {k: shorten(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shorten(v) for v in value]
        return value

    try:
        answer = shorten(answer)
    except RecursionError:  # only a hand-made JSON artifact nests this deep
        return {"truncated": True, "error": "the answer nests too deeply to send"}
    for _ in range(PASSES):
        size = len(encode(answer))
        if size <= max_bytes - 32:  # room for the flag
            break
        largest = _largest(answer)
        if largest is None:
            break
        keep = max(0, min(len(largest) - 1, int(len(largest) * (max_bytes / size) * 0.9)))
        if isinstance(largest, list):
            del largest[keep:]
        else:
            for key in list(largest)[keep:]:
                del largest[key]
        cut = True
    else:
        return {"truncated": True, "error": "the answer is too large to send; ask for less "
                "(a plan, an event, a smaller limit)"}  # fmt: skip
    if len(encode(answer)) > max_bytes:
        return {"truncated": True, "error": "the answer is too large to send; ask for less "
                "(a plan, an event, a smaller limit)"}  # fmt: skip
    if cut:
        answer["truncated"] = True
    return answer


def _largest(value: Any) -> list[Any] | dict[str, Any] | None:
    """The list or map to cut: the shallowest below the top (the top's keys are the
    answer's fields and stay) with more than one entry, the one with most entries at that
    depth; cutting it by a share cuts everything below it by that share."""
    level = list(value.values()) if isinstance(value, dict) else [value]
    while level:
        found = [c for c in level if isinstance(c, (list, dict)) and len(c) > 1]
        if found:
            return max(found, key=len)
        level = [child for c in level if isinstance(c, (list, dict)) and c
                 for child in (c.values() if isinstance(c, dict) else c)]  # fmt: skip
    return None
