"""The JSON Schemas of the registry formats, shipped as package data."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

PLAN_SCHEMA = "plan.schema.json"
SETTINGS_SCHEMA = "trackplan.schema.json"
WAIVERS_SCHEMA = "waivers.schema.json"


@cache
def load(name: str) -> dict[str, Any]:
    """One schema by file name, e.g. `load(PLAN_SCHEMA)`."""
    text = resources.files(__name__).joinpath(name).read_text(encoding="utf-8")
    schema: dict[str, Any] = json.loads(text)
    return schema
