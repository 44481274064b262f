"""SHA-256 of file contents: Python's own implementation for the first megabyte, then OpenSSL's."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

# Why not hashlib alone: importing it starts OpenSSL, 11 M instructions, a twentieth of a
# small registry's validate, which hashes a few kilobytes. Python's own sha256 module costs
# nothing to load but hashes five times slower, so past a megabyte (about 3 ms at its speed
# here) hashlib takes over for the rest of the process. Both compute the same SHA-256.
SWITCH_AFTER = 1 << 20


def _own_sha256() -> Callable[[bytes], Any] | None:
    """The interpreter's built-in sha256 (module _sha256 on 3.11, _sha2 from 3.12), if any."""
    for name in ("_sha256", "_sha2"):
        try:
            made: Callable[[bytes], Any] = importlib.import_module(name).sha256
        except (ImportError, AttributeError):
            continue
        return made
    return None


class _Sha256:
    def __init__(self) -> None:
        self.hashed = 0  # bytes hashed so far by this process
        self.own = _own_sha256()
        self.openssl: Callable[[bytes], Any] | None = None

    def __call__(self, data: bytes) -> str:
        self.hashed += len(data)
        if self.openssl is None and (self.own is None or self.hashed > SWITCH_AFTER):
            import hashlib

            self.openssl = hashlib.sha256
        make = self.openssl or self.own
        assert make is not None
        return str(make(data).hexdigest())


sha256_hex = _Sha256()
"""The hex SHA-256 of `data`, as `hashlib.sha256(data).hexdigest()`."""
