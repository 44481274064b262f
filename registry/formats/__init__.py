"""Importers and exporters of tracking plans in other tools' formats: one module a format."""

from __future__ import annotations

from types import ModuleType

from registry.formats import csvsheet, iglu, mixpanel, rudderstack, segment

# Each module has NAME, SUMMARY, CARRIES, FOLDER (exports a folder, not one file), export()
# and, where the format can be read back, read().
FORMATS: dict[str, ModuleType] = {
    m.NAME: m for m in (segment, rudderstack, iglu, csvsheet, mixpanel)
}
IMPORTERS = {name: m for name, m in FORMATS.items() if hasattr(m, "read")}
