"""Keep the database password out of every message and log line."""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

MASK = "***"
# In free text (a driver's error message): the user info of any URL, `password=` anywhere.
_USERINFO = re.compile(r"(://[^\s/?#@:]*:)([^\s@]*)@")
_PARAMETER = re.compile(r"(\bpassword\s*=\s*)('[^']*'|[^\s&]*)", re.IGNORECASE)


def _libpq(url: str) -> dict[str, str] | None:
    """The URL as libpq reads it (what the server is asked with), or None if it cannot."""
    import psycopg

    try:
        return {k: str(v) for k, v in psycopg.conninfo.conninfo_to_dict(url).items()}
    except psycopg.Error:
        return None


def url_problem(url: str) -> str | None:
    """Why libpq cannot read the URL (password scrubbed), or None when it can."""
    import psycopg

    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error as exc:
        return scrub(str(exc).strip(), url)
    return None


def redacted(url: str) -> str:
    """Where the URL points, rebuilt from what libpq reads: user, host, port and database,
    the password as ***; a URL libpq cannot read is not shown at all."""
    parts = _libpq(url)
    if parts is None:
        return "(a database URL that cannot be read: not shown)"
    if _written(url) - {parts.get("password", "")}:
        # libpq reads the password differently from how it was written ('@', '/' or '#'
        # unencoded in it): its host or port would show part of it.
        return "(a database URL whose password is not percent-encoded: not shown)"
    secret = f":{MASK}" if parts.get("password") else ""
    user = parts.get("user", "")
    login = f"{user}{secret}@" if user or secret else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{login}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def _written(url: str) -> set[str]:
    """The password as a plain reading of the text finds it (decoded): between the first
    ':' of the user info and the last '@', or after `password=`."""
    found = set()
    head, _, rest = url.partition("://")
    userinfo = rest.rpartition("@")[0] if head and "@" in rest else ""
    if ":" in userinfo:
        found.add(unquote(userinfo.split(":", 1)[1]))
    found |= {unquote(m.group(2).strip("'")) for m in _PARAMETER.finditer(url)}
    return {p for p in found if p}


def _passwords(url: str) -> set[str]:
    """The password as libpq reads it and as it was written (a URL libpq refuses still
    holds one), with its pieces around an '@', in every spelling an error may quote."""
    found = _written(url)
    parts = _libpq(url)
    if parts and parts.get("password"):
        found.add(parts["password"])
    found |= {piece for p in found for piece in p.split("@") if len(piece) > 1}
    spelled = {form for p in found for form in (p, unquote(p), quote(p, safe=""))}
    return {p for p in spelled if p}


def scrub(text: str, url: str) -> str:
    """`text` (an error from the database driver, say) with the URL's password masked
    wherever it stands as a whole (a password 'e' leaves 'connection' alone)."""
    for password in sorted(_passwords(url), key=len, reverse=True):
        whole = rf"(?<![A-Za-z0-9]){re.escape(password)}(?![A-Za-z0-9])"
        text = re.sub(whole, MASK, text)
    text = _USERINFO.sub(rf"\g<1>{MASK}@", text)
    return _PARAMETER.sub(rf"\g<1>{MASK}", text)
