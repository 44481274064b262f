"""Patterns from plans and settings, run in RE2: linear time in the text, whatever the pattern.

Every regular expression a plan or trackplan.yaml brings (naming conventions, property
`pattern`s, `patternProperties` of imported schemas) is compiled here and nowhere else.
Python's `re` backtracks: `^(a+)+$` against forty a's and a '!' never finishes, and a pull
request could hold the bot's worker that way. RE2 (google-re2) never backtracks; the price
is that it refuses backreferences and lookaround, which a plan then cannot use: the refusal
is a validation finding naming the file and line.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import re2

# RE2 bounds the memory of one compiled pattern; a pattern past it is refused, not slowed.
MAX_PATTERN_MEMORY = 8 << 20
MAX_PATTERN_LENGTH = 4096

Pattern = Any  # re2._Regexp[str]: the stubs' class is private


class PatternError(ValueError):
    """A pattern RE2 cannot take: the reason, in RE2's words."""


def _options() -> re2.Options:
    options = re2.Options()
    options.log_errors = False  # refusals are reported as findings, not printed to stderr
    options.max_mem = MAX_PATTERN_MEMORY
    return options


@lru_cache(maxsize=4096)
def compile_pattern(pattern: str) -> Pattern:
    """`pattern` compiled by RE2; raises PatternError with the reason when it cannot be."""
    if not isinstance(pattern, str):
        raise PatternError("not a string")
    if len(pattern) > MAX_PATTERN_LENGTH:
        raise PatternError(f"longer than {MAX_PATTERN_LENGTH} characters")
    try:
        return re2.compile(pattern, _options())
    except re2.error as exc:
        reason = exc.args[0] if exc.args else exc
        text = reason.decode("utf-8", "replace") if isinstance(reason, bytes) else str(reason)
        raise PatternError(text) from None


def pattern_problem(pattern: str) -> str | None:
    """Why RE2 refuses `pattern`, or None when it takes it."""
    try:
        compile_pattern(pattern)
    except PatternError as exc:
        return str(exc)
    return None


def search(pattern: str, text: str) -> bool:
    """Whether `pattern` matches anywhere in `text` (JSON Schema's `pattern` semantics)."""
    return compile_pattern(pattern).search(text) is not None


def backtracking_safe(pattern: str) -> bool:
    """Whether `pattern` is safe for the backtracking engines generated code runs in
    (JavaScript's RegExp, Python's re): RE2 takes it, it has at most one repetition of
    variable length, and no repetition holds another repetition or an alternation. Anything
    more can take exponential (`(a+)+`, `(a?){25}a{25}`) or polynomial (`\\d*\\d*\\d*x`)
    time on a near match. Generated validators leave such a pattern out; `trackplan check`
    still checks it, in RE2."""
    if pattern_problem(pattern) is not None:
        return False
    try:
        import re._parser as sre  # type: ignore[import-not-found]

        parsed = sre.parse(pattern)
    except Exception:  # any refusal of Python's parser means "not safe"
        return False
    variable: list[int] = []
    return _simple(parsed, inside=False, variable=variable) and len(variable) <= 1


def _simple(items: Any, inside: bool, variable: list[int]) -> bool:
    """No repetition or alternation inside a repetition; counts the variable repetitions."""
    import re._constants as c  # type: ignore[import-not-found]

    repeats = (c.MAX_REPEAT, c.MIN_REPEAT, getattr(c, "POSSESSIVE_REPEAT", None))
    for op, arg in items:
        if op in repeats:
            low, high, body = arg
            if inside:
                return False
            if low != high:
                variable.append(1)
            if not _simple(body, inside=high is c.MAXREPEAT or high > 1, variable=variable):
                return False
        elif op is c.BRANCH:
            if inside:
                return False
            if not all(_simple(branch, inside, variable) for branch in arg[1]):
                return False
        elif op in (c.SUBPATTERN, c.ASSERT, c.ASSERT_NOT) and not _simple(
            arg[-1], inside, variable
        ):
            return False  # a group's (or an assertion's) body is its last part
    return True
