"""The JSON Schemas of the registry formats, shipped as package data."""

from __future__ import annotations

import json
import os
from functools import cache
from typing import Any

PLAN_SCHEMA = "plan.schema.json"
SETTINGS_SCHEMA = "trackplan.schema.json"
WAIVERS_SCHEMA = "waivers.schema.json"


@cache
def load(name: str) -> dict[str, Any]:
    """One schema by file name, e.g. `load(PLAN_SCHEMA)`."""
    # Beside this module: the package is always installed as files, and importlib.resources
    # costs 2 ms of every command's start-up.
    with open(os.path.join(os.path.dirname(__file__), name), encoding="utf-8") as file:
        text = file.read()
    schema: dict[str, Any] = json.loads(text)
    return schema
