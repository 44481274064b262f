"""Keep the database password out of every message and log line."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

_USERINFO = re.compile(r"(://[^/?#@:]*:)([^/?#@]*)@")
_PARAMETER = re.compile(r"([?&]password=)([^&#]*)", re.IGNORECASE)
MASK = "***"


def redacted(url: str) -> str:
    """The URL with its password (user info or `?password=`) masked; never raises."""
    return _PARAMETER.sub(rf"\g<1>{MASK}", _USERINFO.sub(rf"\g<1>{MASK}@", url))


def _passwords(url: str) -> set[str]:
    found = {m.group(2) for m in _USERINFO.finditer(url)}
    found |= {m.group(2) for m in _PARAMETER.finditer(url)}
    # libpq quotes the password back decoded, encoded or as written: mask every form.
    spelled = {form for p in found for form in (p, unquote(p), quote(p, safe=""))}
    return {p for p in spelled if p}


def scrub(text: str, url: str) -> str:
    """`text` (an error from the database driver, say) with the URL's password masked."""
    for password in sorted(_passwords(url), key=len, reverse=True):
        text = text.replace(password, MASK)
    return redacted(text)
