"""Mixpanel Lexicon: one JSON Schema per event and one for user profiles, as its schemas
API takes them (export only: Lexicon holds less than a plan)."""

from __future__ import annotations

from typing import Any

from registry.formats.base import Carries, Document
from registry.formats.schema_props import CARRIED, object_schema
from registry.release.artifacts import canonical_json

NAME = "mixpanel"
SUMMARY = "Mixpanel Lexicon schemas (the body of its schemas API: entries of events and profiles)"
FOLDER = False
# A deprecated event is hidden in Lexicon: why, by what and until when are not kept.
CARRIES = Carries(sections=("identify",), event=("description", "deprecated"), property=CARRIED,
                  deprecation=())  # fmt: skip
DRAFT_07 = "http://json-schema.org/draft-07/schema"


def export(document: Document) -> dict[str, bytes]:
    entries = []
    for name, event in sorted((document.get("events") or {}).items()):
        schema: dict[str, Any] = {
            "$schema": DRAFT_07,
            **object_schema(event.get("properties") or {}),
        }
        if event.get("description"):
            schema["description"] = event["description"]
        # Lexicon's own flags: a deprecated event is hidden in the UI, not dropped.
        schema["metadata"] = {"com.mixpanel": {"hidden": bool(event.get("deprecated"))}}
        entries.append({"entityType": "event", "name": name, "schemaJson": schema})
    traits = (document.get("identify") or {}).get("traits") or {}
    if traits:
        entries.append(
            {
                "entityType": "profile",
                "name": "$user",
                "schemaJson": {"$schema": DRAFT_07, **object_schema(traits)},
            }
        )
    return {
        f"{document['plan']}.mixpanel.json": canonical_json({"entries": entries, "truncate": False})
    }
