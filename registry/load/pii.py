"""The personal-data vocabulary of `pii:`: none, indirect, direct, sensitive (true/false sugar)."""

from __future__ import annotations

from typing import Any

NONE, INDIRECT, DIRECT, SENSITIVE = "none", "indirect", "direct", "sensitive"
PII_CLASSES = (NONE, INDIRECT, DIRECT, SENSITIVE)
# What each class means, for docs and generated comments.
MEANING = {
    NONE: "no personal data",
    INDIRECT: "identifies a person only with other data, such as a device id or an IP address",
    DIRECT: "names or reaches a person, such as an email, a phone number or a name",
    SENSITIVE: "special-category data, such as health, religion, finances or precise location",
}


def pii_class(value: Any) -> str | None:
    """The class a `pii:` value means: true is direct, false none; None when unset (or a
    value the schema refuses)."""
    if value is True:
        return DIRECT
    if value is False:
        return NONE
    return value if value in PII_CLASSES else None


def carries(value: Any) -> bool:
    """Whether a `pii:` value (or an `x-pii` annotation) says the data is personal."""
    return pii_class(value) not in (None, NONE)


def label(value: Any) -> str:
    """`direct` for a personal value, `none` for the rest (unset included)."""
    return pii_class(value) or NONE
