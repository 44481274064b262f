"""The kinds of violation `trackplan check` reports: one catalog, named as the industry does."""

from __future__ import annotations

from registry.records import record

VIOLATION = "violation"
WARNING = "warning"
LEVELS = (VIOLATION, WARNING)


@record(frozen=True)
class Kind:
    id: str
    level: str
    summary: str
    also_known_as: str  # RudderStack's and Segment's names for it


UNPLANNED_EVENT = "unplanned-event"
RENAMED_EVENT = "renamed-event"
DEPRECATED_EVENT = "deprecated-event"
REQUIRED_MISSING = "required-property-missing"
DATATYPE_MISMATCH = "datatype-mismatch"
ENUM_NOT_ALLOWED = "enum-value-not-allowed"
ADDITIONAL_NOT_ALLOWED = "additional-property-not-allowed"
UNPLANNED_PROPERTY = "unplanned-property"
FORMAT_MISMATCH = "format-mismatch"
OUT_OF_RANGE = "value-out-of-range"
UNKNOWN_TRAIT = "unknown-trait"

KINDS: tuple[Kind, ...] = (
    Kind(UNPLANNED_EVENT, VIOLATION, "An event the plan does not define.",
         "Unplanned-Event (RudderStack), Unplanned event (Segment)"),
    Kind(RENAMED_EVENT, VIOLATION, "An event sent under its old name (`renamed_from`).",
         "sent under a former name"),
    Kind(DEPRECATED_EVENT, WARNING, "An event the plan deprecates.", "deprecated event"),
    Kind(REQUIRED_MISSING, VIOLATION, "A required property or trait is missing.",
         "Required-Missing (RudderStack), Required property missing (Segment)"),
    Kind(DATATYPE_MISMATCH, VIOLATION, "A value of the wrong JSON type.",
         "Datatype-Mismatch (RudderStack), Invalid type (Segment)"),
    Kind(ENUM_NOT_ALLOWED, VIOLATION, "A value outside the property's `enum` (or `const`).",
         "Unknown-Violation: enum (RudderStack), Invalid enum value (Segment)"),
    Kind(ADDITIONAL_NOT_ALLOWED, VIOLATION, "A property a closed event does not plan.",
         "Additional-Properties (RudderStack), Unplanned property (Segment)"),
    Kind(UNPLANNED_PROPERTY, WARNING, "A property an open event does not plan (a typo?).",
         "Unplanned property (Segment)"),
    Kind(FORMAT_MISMATCH, VIOLATION, "A string that fails its `pattern` or `format`.",
         "format/pattern mismatch"),
    Kind(OUT_OF_RANGE, VIOLATION, "A number or length outside its minimum or maximum.",
         "out of range"),
    Kind(UNKNOWN_TRAIT, VIOLATION, "An identify or group trait the plan does not define.",
         "Unplanned trait (Segment)"),
)  # fmt: skip
KIND_BY_ID = {kind.id: kind for kind in KINDS}
