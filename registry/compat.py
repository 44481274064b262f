"""`registry.compat.compare(old_schema, new_schema)` [contract]: JSON Schema compatibility,
kept at this documented path; the engine lives in registry/diff/compat.py."""

from registry.diff.compat import compare

__all__ = ["compare"]
