"""What trackplan this is: its installed version, for --version and the bot's comment."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version


def installed_version() -> str:
    try:
        return version("trackplan")
    except PackageNotFoundError:  # running from a source tree
        return "0+unknown"
