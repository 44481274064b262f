"""Webhook signatures: X-Hub-Signature-256, the HMAC-SHA256 of the raw body, checked in
constant time (the body is fed to the MAC as it is read)."""

from __future__ import annotations

import hashlib
import hmac

PREFIX = "sha256="


def new_mac(secret: str) -> hmac.HMAC:
    """The MAC to feed the body to, chunk by chunk."""
    return hmac.new(secret.encode(), digestmod=hashlib.sha256)


def well_formed(header: str | None) -> bool:
    """Whether `header` can be a signature at all (nothing is read for one that cannot)."""
    if header is None or not header.startswith(PREFIX):
        return False
    return len(header.strip()) == len(PREFIX) + 64


def matches(mac: hmac.HMAC, header: str) -> bool:
    """Whether `header` is the signature `mac` computed, in constant time."""
    return hmac.compare_digest((PREFIX + mac.hexdigest()).encode(), header.strip().encode())


def sign(secret: str, body: bytes) -> str:
    mac = new_mac(secret)
    mac.update(body)
    return PREFIX + mac.hexdigest()
