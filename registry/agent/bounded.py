"""Answers of a bounded size: long lists cut, long strings shortened, and said so."""

from __future__ import annotations

import json
from typing import Any

MAX_BYTES = 64 * 1024  # an answer an assistant can read whole
MAX_STRING = 2000


def bounded(answer: dict[str, Any], max_bytes: int = MAX_BYTES) -> dict[str, Any]:
    """`answer`, its strings at most MAX_STRING characters and its longest lists halved
    until its JSON fits `max_bytes`; `truncated: true` says something was left out."""
    cut = [False]

    def shorten(value: Any) -> Any:
        if isinstance(value, str) and len(value) > MAX_STRING:
            cut[0] = True
            return value[:MAX_STRING] + "…"
        if isinstance(value, dict):
            return {k: shorten(v) for k, v in value.items()}
        if isinstance(value, list):
            return [shorten(v) for v in value]
        return value

    answer = shorten(answer)
    while len(json.dumps(answer, ensure_ascii=False)) > max_bytes:
        longest = _longest_list(answer)
        if longest is None or len(longest) <= 1:
            return {"truncated": True, "error": "the answer is too large to send; ask for less "
                    "(a plan, an event, a smaller limit)"}  # fmt: skip
        del longest[len(longest) // 2 :]
        cut[0] = True
    if cut[0]:
        answer["truncated"] = True
    return answer


def _longest_list(value: Any) -> list[Any] | None:
    best: list[Any] | None = None
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if best is None or len(item) > len(best):
                best = item
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return best
