"""Headless Chromium for the catalog's browser tests (Debian's chromium, driven by Playwright)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

# Without the background-networking flags Chromium tries to reach Google's hosts at every
# start; this machine's network refuses them.
ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


def chromium_path() -> str | None:
    """$TRACKPLAN_CHROMIUM, else chromium on PATH; None when there is none (tests skip)."""
    found = os.environ.get("TRACKPLAN_CHROMIUM") or shutil.which("chromium")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return None
    return found


def artifacts_dir(fallback: Path) -> Path:
    """Where screenshots go: $TRACKPLAN_ARTIFACTS/screenshots (CI keeps it), else a temp dir."""
    root = os.environ.get("TRACKPLAN_ARTIFACTS")
    folder = Path(root) / "screenshots" if root else fallback
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@contextmanager
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    executable = chromium_path()
    assert executable is not None
    with sync_playwright() as driver:
        launched = driver.chromium.launch(executable_path=executable, args=ARGS)
        try:
            yield launched
        finally:
            launched.close()


class Page:
    """A page with its console errors and page errors collected, and dialogs recorded."""

    def __init__(self, browser: Any) -> None:
        self.page = browser.new_page(viewport={"width": 1280, "height": 900})
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> Any:
        self.page.goto(path.resolve().as_uri())
        return self.page
