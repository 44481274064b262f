"""Naming conventions: casing styles, object-action grammar and dynamic-name detection."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from registry.lint.patterns import compile_pattern

# Short connecting words may stay lowercase in Title Case ("Created a Source").
_MINOR_WORDS = frozenset(
    """a an and as at by for from in into of on or per the to via with""".split()
)

CASINGS: dict[str, re.Pattern[str]] = {
    "title-case": re.compile(r"[A-Z0-9][A-Za-z0-9]*( [A-Za-z0-9]+)*"),
    "snake-case": re.compile(r"[a-z][a-z0-9]*(_[a-z0-9]+)*"),
    "camel-case": re.compile(r"[a-z][a-zA-Z0-9]*"),
    "pascal-case": re.compile(r"[A-Z][a-zA-Z0-9]*"),
    "kebab-case": re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*"),
}


def words(name: str) -> list[str]:
    """Split any casing into lowercase words: 'orderID' and 'Order Id' give ['order', 'id']."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", name)
    # 'HTMLParser' -> 'HTML Parser'. Not `([A-Z]+)([A-Z][a-z])`: on a run of capitals it
    # backtracks at each one, quadratic (20,000 capitals took 3 s of an agent's search).
    spaced = re.sub(r"([A-Z])(?=[A-Z][a-z])", r"\1 ", spaced)
    return [w.lower() for w in re.split(r"[^A-Za-z0-9]+", spaced) if w]


def convert(name: str, casing: str) -> str:
    """`name` rewritten in `casing` (a best effort used for fix hints)."""
    parts = words(name)
    if not parts:
        return name
    if casing == "title-case":
        return " ".join(
            w if w in _MINOR_WORDS and i else w.capitalize() for i, w in enumerate(parts)
        )
    if casing == "snake-case":
        return "_".join(parts)
    if casing == "kebab-case":
        return "-".join(parts)
    if casing == "camel-case":
        return parts[0] + "".join(w.capitalize() for w in parts[1:])
    if casing == "pascal-case":
        return "".join(w.capitalize() for w in parts)
    return name


@cache
def casing_pattern(casing: str) -> Any:
    """The pattern a casing setting stands for; None for `any`. A custom regex comes from a
    plan or settings, so it runs in RE2 (linear time); raises PatternError when RE2 refuses it."""
    if casing == "any":
        return None
    if casing in CASINGS:
        return CASINGS[casing]
    return compile_pattern(casing)


def matches_casing(name: str, casing: str) -> bool:
    pattern = casing_pattern(casing)
    if pattern is None:
        return True
    if casing == "title-case":
        if not pattern.fullmatch(name):
            return False
        first, *rest = name.split(" ")
        return not first[0].islower() and all(not w[0].islower() or w in _MINOR_WORDS for w in rest)
    if casing in CASINGS:
        return bool(pattern.fullmatch(name))
    return bool(pattern.search(name))


# Past tenses that do not end in -ed, for the object-action grammar check.
_IRREGULAR_PAST = frozenset(
    """began bought brought built caught chose came cut did drew drove ate fell felt fought
    found flew forgot froze got gave went grew had heard held hid hit kept knew laid led
    left lent let lost made meant met paid put quit read rode rang rose ran said saw sought
    sold sent set shook shot showed shown shut sang sat slept spent split spoke spun stood
    stole struck swept swam took taught tore told thought threw understood woke wore won
    wrote done seen given taken written chosen forgotten frozen hidden spoken stolen""".split()
)
_PARTICLES = frozenset("""up in out off on down over back away""".split())


def is_past_tense(word: str) -> bool:
    w = word.lower()
    return (len(w) > 3 and w.endswith("ed")) or w in _IRREGULAR_PAST


def object_action_problem(name: str) -> str | None:
    """Why `name` is not 'Object Action' (noun then past-tense verb), or None when it is."""
    parts = words(name)
    if len(parts) < 2:
        return "it has a single word: name the object and then the action, e.g. 'Order Completed'"
    last = parts[-1]
    if is_past_tense(last):
        return None
    if last in _PARTICLES and is_past_tense(parts[-2]):
        return None  # phrasal verbs: 'Signed Up', 'Logged In'
    if is_past_tense(parts[0]):
        return "the action comes first: put the object first"
    return "it does not end with a past-tense action"


def object_action_suggestion(name: str) -> str:
    """'Created Source' -> 'Source Created'; other names are returned unchanged."""
    parts = name.split(" ")
    if len(parts) >= 2 and is_past_tense(parts[0]):
        return " ".join([*parts[1:], parts[0]])
    return name


_DATE = re.compile(r"\d{1,4}[-/._]\d{1,2}[-/._]\d{1,4}")
_LONG_NUMBER = re.compile(r"\d{4,}")
_HEX_ID = re.compile(r"(?<![a-z])[0-9a-f]{8,}(?![a-z])", re.IGNORECASE)


def dynamic_part(name: str) -> str | None:
    """The part of `name` that looks generated (a date, an id, a counter), or None."""
    for pattern in (_DATE, _HEX_ID, _LONG_NUMBER):
        found = pattern.search(name)
        if found and (pattern is not _HEX_ID or any(c.isdigit() for c in found.group())):
            return found.group()
    for word in re.split(r"[^A-Za-z0-9]+", name):
        if word.isdigit():
            return word  # a counter such as feature_1 or 'Step 2'
    return None
