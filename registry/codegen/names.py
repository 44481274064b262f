"""Identifiers from plan names: valid in every target language, unique, and stable."""

from __future__ import annotations

import functools
import re
import unicodedata

from registry.load.digest import sha256_hex
from registry.records import field, record

# Words of a name: runs of ASCII letters and digits, split again at camelCase humps.
_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|[0-9]+")


@functools.lru_cache(maxsize=65536)
def _words(name: str) -> tuple[str, ...]:
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return tuple(_WORDS.findall(folded))


def words(name: str) -> list[str]:
    """`Signed Up` -> [Signed, Up]; `userLogin` -> [user, Login]; accents folded
    (`Café` -> [Cafe]); emoji and punctuation dropped."""
    return list(_words(name))


@functools.lru_cache(maxsize=65536)  # property names repeat across a plan's events
def pascal(name: str) -> str:
    """`Signed Up` -> SignedUp; `URL opened` -> UrlOpened."""
    return "".join(w.capitalize() for w in words(name))


def snake(name: str) -> str:
    return "_".join(w.lower() for w in words(name))


def snake_ident(ident: str) -> str:
    """An identifier of `Namer` in snake case, its hash suffix kept whole:
    `SignedUp_0a0bdf` -> signed_up_0a0bdf."""
    base, _, suffix = ident.partition("_")
    return snake(base) + (f"_{suffix}" if suffix else "")


def short_hash(name: str) -> str:
    return sha256_hex(name.encode())[:6]


@record(frozen=True)
class Collision:
    """Plan names that normalise to the same identifier, and what each one got."""

    identifier: str
    names: tuple[str, ...]
    given: tuple[str, ...]

    def message(self) -> str:
        pairs = ", ".join(f"'{n}' -> {g}" for n, g in zip(self.names, self.given, strict=True))
        return f"names that all become {self.identifier} are told apart: {pairs}"


@record
class Namer:
    """Hands out identifiers for names, in a deterministic order the caller keeps (sorted
    names): the first name to want an identifier gets it as it is; a later one gets it with
    a suffix from a hash of its own exact name, which no other name's arrival changes."""

    taken: set[str] = field(default_factory=set)
    wanted_by: dict[str, list[tuple[str, str]]] = field(default_factory=dict)

    def give(self, wanted: str, name: str) -> str:
        given = wanted
        if given in self.taken:
            given = f"{wanted}_{short_hash(name)}"
            while given in self.taken:  # a hash clash too: extend it, still deterministic
                given += "x"
        self.taken.add(given)
        self.wanted_by.setdefault(wanted, []).append((name, given))
        return given

    def collisions(self) -> list[Collision]:
        return [
            Collision(wanted, tuple(n for n, _ in got), tuple(g for _, g in got))
            for wanted, got in sorted(self.wanted_by.items())
            if len(got) > 1
        ]
