"""Wording shared by every renderer: counts with their noun."""

from __future__ import annotations


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"
