"""Answers of a bounded size: long strings shortened, long lists and maps cut, and said so."""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 64 * 1024  # an answer an assistant can read whole
MAX_STRING = 2000
PASSES = 30  # each pass cuts the largest container to the share that fits


def encode(answer: Any) -> bytes:
    """The bytes an answer is sent as."""
    return json.dumps(answer, indent=1, ensure_ascii=False).encode()


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

    answer = shorten(answer)
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
    """The list or map, below the top, holding the most entries (the top's own keys are the
    answer's fields and stay)."""
    best: list[Any] | dict[str, Any] | None = None
    stack = list(value.values()) if isinstance(value, dict) else [value]
    while stack:
        item = stack.pop()
        if isinstance(item, (list, dict)) and item:
            if best is None or len(item) > len(best):
                best = item
            stack.extend(item.values() if isinstance(item, dict) else item)
    return best
