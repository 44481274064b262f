"""Starter registries for `trackplan init`: one folder of files per template, package data."""

from __future__ import annotations

from importlib import resources
from importlib.resources.abc import Traversable

# name -> what it is for (the files are in the folder of that name beside this module)
TEMPLATES = {
    "ecommerce": "an online shop after Segment's ecommerce spec: search, cart, checkout, order",
    "saas-b2b": "a B2B SaaS product: sign-up, activation, trial, subscription; account traits",
    "mobile-app": "a mobile app: install, onboarding, opens, push notifications",
    "media": "video and audio playback after Segment's video spec: content and ads",
    "blank": "one plan with one event, an objective and two lifecycle stages to start from",
}
# Shared by every template, and where each goes in the new registry.
COMMON = {
    "trackplan.yaml": "trackplan.yaml",
    "CODEOWNERS": ".github/CODEOWNERS",
    "trackplan-workflow.yml": ".github/workflows/trackplan.yml",
    "trackplan-catalog-workflow.yml": ".github/workflows/trackplan-catalog.yml",
}


def _walk(folder: Traversable, prefix: str) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        path = f"{prefix}{entry.name}"
        if entry.is_dir():
            files.update(_walk(entry, path + "/"))
        elif not entry.name.endswith((".py", ".pyc")):
            files[path] = entry.read_bytes()
    return files


# Where the workflows install trackplan: this very version, never whatever is newest (the
# jobs hold a token; an unpinned install would run any later release's code with it).
VERSION_MARK = b"{trackplan_version}"


def starter_files(template: str) -> dict[str, bytes]:
    """Every file of a new registry from `template`, by path inside the registry."""
    from registry.about import installed_version

    root = resources.files(__name__)
    version = installed_version().encode()
    files = {target: (root / "common" / name).read_bytes().replace(VERSION_MARK, version)
             for name, target in COMMON.items()}  # fmt: skip
    files.update(_walk(root / template, ""))
    return files
