"""Version ranges for `trackplan pull`: ^1.2, ~1.2, >=1.0 <2, 1.2.3, latest."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from registry.versions import Version, parse_version

Test = Callable[[Version], bool]
_PARTIAL = re.compile(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?")
_COMPARATOR = re.compile(r"(>=|<=|>|<|=)?\s*v?(\d+(?:\.\d+){0,2})")


class RangeError(ValueError):
    """A range that cannot be parsed."""


def _partial(text: str) -> tuple[int, int | None, int | None]:
    found = _PARTIAL.fullmatch(text)
    if found is None:
        raise RangeError(f"'{text}' is not a version")
    major, minor, patch = found.groups()
    return int(major), int(minor) if minor else None, int(patch) if patch else None


def _floor(text: str) -> Version:
    major, minor, patch = _partial(text)
    return (major, minor or 0, patch or 0)


def parse_range(spec: str) -> Test:
    """A predicate over versions for `spec` (an npm-style subset)."""
    spec = spec.strip()
    if spec in ("", "latest", "*", "x"):
        return lambda v: True
    if spec[0] == "^":
        low = _floor(spec[1:])
        major, minor, _ = _partial(spec[1:])
        if major > 0 or minor is None:
            high = (major + 1, 0, 0)
        elif low[1] > 0:
            high = (0, low[1] + 1, 0)
        else:
            high = (0, 0, low[2] + 1)
        return lambda v: low <= v < high
    if spec[0] == "~":
        low = _floor(spec[1:])
        major, minor, _ = _partial(spec[1:])
        high = (major + 1, 0, 0) if minor is None else (major, minor + 1, 0)
        return lambda v: low <= v < high
    exact = parse_version(spec.lstrip("v="))
    if exact is not None:
        return lambda v: v == exact
    tests = [_comparator(part) for part in spec.replace(",", " ").split()]
    if not tests:
        raise RangeError(f"'{spec}' is not a version range")
    return lambda v: all(test(v) for test in tests)


def _comparator(text: str) -> Test:
    found = _COMPARATOR.fullmatch(text)
    if found is None:
        raise RangeError(f"'{text}' is not a comparator such as >=1.0 or <2")
    op, version_text = found.groups()
    bound = _floor(version_text)
    if op in (None, "="):
        major, minor, patch = _partial(version_text)
        if patch is not None:
            return lambda v: v == bound
        high = (major + 1, 0, 0) if minor is None else (major, minor + 1, 0)
        return lambda v: bound <= v < high
    return {
        ">=": lambda v: v >= bound,
        ">": lambda v: v > bound,
        "<=": lambda v: v <= bound,
        "<": lambda v: v < bound,
    }[op]


def best_match(spec: str, versions: Iterable[str]) -> str | None:
    """The highest of `versions` inside the range, or None."""
    test = parse_range(spec)
    candidates = [(parsed, text) for text in versions if (parsed := parse_version(text))]
    matching = [item for item in candidates if test(item[0])]
    return max(matching)[1] if matching else None
