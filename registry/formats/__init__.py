"""Importers and exporters of tracking plans in other tools' formats: one module a format."""

from __future__ import annotations

from types import ModuleType

from registry.formats import csvsheet, glean, iglu, mixpanel, opentp, rudderstack, segment

# Each module has NAME, SUMMARY and CARRIES; an exporter has FOLDER (it writes a folder, not
# one file) and export(), an importer read().
MODULES = (segment, rudderstack, iglu, csvsheet, mixpanel, glean, opentp)
FORMATS: dict[str, ModuleType] = {m.NAME: m for m in MODULES if hasattr(m, "export")}
IMPORTERS: dict[str, ModuleType] = {m.NAME: m for m in MODULES if hasattr(m, "read")}
