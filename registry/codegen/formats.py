"""The JSON Schema formats generated code checks at run time, as regular expressions every
target engine reads alike (JavaScript, Python, Java, Kotlin, Go's RE2, Swift's ICU).

They accept what `trackplan check` accepts (registry/eventcheck/compiler.py, fastjsonschema's
patterns) but are written without lookaround, named groups or `\\d` (a Unicode class in
Python and ICU): ASCII classes only, so a value passes or fails the same in every language.
Each ends in `$`; `anchored` gives each language its end-of-text anchor, since `$` in
Python, Java and ICU also matches before a final newline. Formats not listed (ipv6,
uri-reference, ...) are left to `trackplan check`.
"""

from __future__ import annotations

_DATE = (
    "[0-9]{4}-(?:(?:0[13578]|1[02])-(?:0[1-9]|[12][0-9]|3[01])|(?:0[469]|11)-(?:0[1-9]|"
    "[12][0-9]|30)|02-(?:0[1-9]|1[0-9]|2[0-8]))|(?:[0-9]{2}(?:0[48]|[2468][048]|[13579][26])|"
    "(?:[02468][048]|[13579][26])00)-02-29"
)
_TIME = (
    "(?:[01][0-9]|2[0-3]):[0-5][0-9]:(?:[0-5][0-9]|60)(?:\\.[0-9]+)?(?:[+-](?:[01][0-9]|2[0-3])"
    ":[0-5][0-9]|[+-](?:[01][0-9]|2[0-3])[0-5][0-9]|z|Z)"
)
_LABEL = "(?:[A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9-]{0,61}[A-Za-z0-9])"
_OCTET = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])"
_URI = "^[A-Za-z0-9_]+:/?/?[^ \\t\\n\\r\\f\\v]+$"

FORMAT_PATTERNS: dict[str, str] = {
    "date": f"^(?:{_DATE})$",
    "date-time": f"^(?:{_DATE})[tT]{_TIME}$",
    "time": (
        "^(?:[01]?[0-9]|2[0-3]):[0-5]?[0-9](?::(?:[0-5]?[0-9]|60)(?:\\.[0-9]{1,6})?"
        "(?:[zZ]|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])?)?$"
    ),
    "email": "^[^@.](?:\\.?[^@.])*@[^@]+\\.[^@]+$",
    "idn-email": "^[^@]+@[^@]+\\.[^@]+$",
    "hostname": f"^(?:{_LABEL}\\.)*{_LABEL}$",
    "ipv4": f"^(?:{_OCTET}\\.){{3}}{_OCTET}$",
    "uri": _URI,
    "iri": _URI,
    "uuid": "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
}


def anchored(pattern: str, end: str) -> str:
    """The pattern with its final `$` replaced by `end` (`\\Z` for Python, `\\z` for Java,
    Kotlin, Go and Swift; JavaScript's `$` already means the end of the text)."""
    return pattern[:-1] + end if pattern.endswith("$") else pattern


def formats_for(end: str) -> dict[str, str]:
    """Every checked format's pattern with the language's end anchor."""
    return {name: anchored(pattern, end) for name, pattern in sorted(FORMAT_PATTERNS.items())}
