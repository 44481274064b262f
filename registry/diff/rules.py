"""The diff rule catalog: every kind of semantic change, whom it breaks, and how to migrate."""

from __future__ import annotations

from registry.diff.changes import CONSUMERS, MINOR, NONE, PATCH, PRODUCERS
from registry.records import record

P, C = PRODUCERS, CONSUMERS
PLAN = "plans/web/plan.yaml"


@record(frozen=True)
class DiffRule:
    """One kind of change. `breaks` is whom it breaks (rules fed by the JSON Schema comparison
    list the usual audience; the comparison decides). `bump` applies when it is not breaking.

    `before` and `after` are plan.yaml bodies of plan 'web' (after `plan: {id: web}`): diffing
    them must report the rule at line `line` of the after file (of the before file for
    removals). They document the rule and double as its test.
    """

    id: str
    summary: str
    breaks: tuple[str, ...]
    bump: str
    migration: str
    before: str
    after: str
    line: int
    in_base: bool = False
    max_level: str | None = None  # a cap, e.g. removing an event past its sunset is a warning
    level: str | None = None  # a fixed level, whatever the compatibility mode
    file: str = PLAN  # the file `before` and `after` are (a plan.yaml body unless it is PLAN)


def _events(body: str) -> str:
    return "events:\n" + body


def _prop(spec: str, name: str = "method") -> str:
    """A plan body with one event 'Signed Up' whose property `name` is `spec`."""
    return _events(f"  Signed Up:\n    properties:\n      {name}: {spec}\n")


DIFF_RULES: tuple[DiffRule, ...] = (
    # --- the registry's policy -----------------------------------------------------------
    DiffRule(
        "settings-changed", "A setting of trackplan.yaml (compatibility, fail_on, conventions, "
        "review, release, notify) was added, removed or changed: the change is judged by the "
        "settings it replaces and takes effect once merged.", (), NONE,
        "Nothing to migrate; the owners of trackplan.yaml approve the new policy.",
        "compatibility: full\n", "compatibility: none\n", 1, level="warning",
        file="trackplan.yaml",
    ),
    # --- plans --------------------------------------------------------------------------
    DiffRule(
        "plan-added", "A plan was added.", (), MINOR,
        "Nothing to migrate: start sending the new plan's events.",
        "", "", 1,
    ),
    DiffRule(
        "plan-removed", "A plan was removed.", (C,), MINOR,
        "Stop sending the plan's events; retire dashboards and destinations that read them.",
        "", "", 1, in_base=True,
    ),
    DiffRule(
        "plan-metadata-changed", "Plan metadata (title, owners, sources, objectives...) changed.",
        (), PATCH, "Nothing to migrate.",
        "  title: Web\n", "  title: Web app\n", 3,
    ),
    DiffRule(
        "plan-objectives-changed", "An objective or KPI changed: added, removed, its "
        "description or the events it counts.", (), PATCH,
        "Update the dashboards that compute '{name}' KPIs.",
        "  objectives:\n    activation:\n      kpis:\n        signups: {events: [Signed Up]}\n",
        "  objectives:\n    activation:\n      kpis:\n        signups: {events: [Signed Up, "
        "Page Viewed]}\n", 3,
    ),
    DiffRule(
        "plan-lifecycle-changed", "A lifecycle stage was added, removed, reordered, or its "
        "condition or events changed.", (), PATCH,
        "Update the funnels built on the lifecycle of '{name}'.",
        "  lifecycle:\n    - {stage: Visitor, condition: Viewed a page}\n",
        "  lifecycle:\n    - {stage: Visitor, condition: Viewed two pages}\n", 3,
    ),
    DiffRule(
        "plan-sources-changed", "A source was added or removed, or its platform or "
        "description changed.", (), PATCH, "Nothing to migrate.",
        "  sources:\n    web: {platform: web}\n",
        "  sources:\n    web: {platform: web}\n    ios: {platform: ios}\n", 3,
    ),
    DiffRule(
        "plan-owners-changed", "An owner of the plan was added or removed.", (), PATCH,
        "Nothing to migrate.",
        "  owners: ['@acme/growth']\n", "  owners: ['@acme/growth', '@acme/data']\n", 3,
    ),
    DiffRule(
        "plan-conventions-changed", "A naming convention of the plan was added, removed or "
        "changed.", (), PATCH,
        "Rename what the new convention rejects (validation lists it), keeping the old names "
        "in renamed_from.",
        "  conventions: {event_name: title-case}\n",
        "  conventions: {event_name: snake-case}\n", 3,
    ),
    DiffRule(
        "plan-policy-changed", "The plan's own `policy:` was added, removed or changed: the "
        "change is judged by the policy it replaces, takes effect once merged, and the owners "
        "of trackplan.yaml approve it.", (), NONE,
        "Nothing to migrate; the owners of trackplan.yaml approve the plan's new policy.",
        "  policy: {compatibility: full}\n",
        "  policy: {compatibility: none}\n", 3, level="warning",
    ),
    # --- events -------------------------------------------------------------------------
    DiffRule(
        "event-added", "An event was added.", (), MINOR,
        "Nothing to migrate: instrument the new event.",
        _events("  Page Viewed: {}\n"), _events("  Page Viewed: {}\n  Order Completed: {}\n"), 5,
    ),
    DiffRule(
        "event-removed", "An event was removed.", (C,), MINOR,
        "Stop sending '{old}'; move the dashboards, queries and destinations that read it.",
        _events("  Page Viewed: {}\n  Order Completed: {}\n"), _events("  Page Viewed: {}\n"), 5,
        in_base=True,
    ),
    DiffRule(
        "event-sunset-removed",
        "A deprecated event was removed after its sunset date (a warning, not breaking).",
        (C,), MINOR,
        "Nothing new: '{old}' was deprecated until its sunset; check nothing still reads it.",
        _events("  Page Viewed: {}\n  Order Completed:\n    deprecated: {sunset: 2020-01-31}\n"),
        _events("  Page Viewed: {}\n"), 5, in_base=True, max_level="warning",
    ),
    DiffRule(
        "event-renamed", "An event was renamed (renamed_from).", (P, C), MINOR,
        "Send '{new}' instead of '{old}'; queries on '{old}' must include both names.",
        _events("  Signup: {}\n"), _events("  Signed Up:\n    renamed_from: [Signup]\n"), 4,
    ),
    DiffRule(
        "event-rename-suggested",
        "A removed and an added event look alike: maybe a rename.", (), NONE,
        "If '{new}' replaces '{old}', add `renamed_from: [{old}]` to '{new}'.",
        _events("  Signup:\n    properties: {method: {type: string}}\n"),
        _events("  Signed Up:\n    properties: {method: {type: string}}\n"), 4,
    ),
    DiffRule(
        "event-closed", "An event now rejects unplanned properties.", (P,), MINOR,
        "Make producers stop sending properties that are not in the plan for '{name}'.",
        _events("  Signed Up: {}\n"),
        _events("  Signed Up:\n    additional_properties: false\n"), 5,
    ),
    DiffRule(
        "event-opened", "An event now accepts unplanned properties.", (C,), MINOR,
        "Consumers of '{name}' may now see properties that are not in the plan.",
        _events("  Signed Up:\n    additional_properties: false\n"),
        _events("  Signed Up:\n    additional_properties: true\n"), 5,
    ),
    DiffRule(
        "event-deprecated", "An event was deprecated.", (), MINOR,
        "Plan the move away from '{name}' before its sunset.",
        _events("  Signed Up: {}\n"), _events("  Signed Up:\n    deprecated: true\n"), 5,
    ),
    DiffRule(
        "event-metadata-changed", "Event metadata (description, owners, sources...) changed.",
        (), PATCH, "Nothing to migrate.",
        _events("  Signed Up: {description: Old}\n"), _events("  Signed Up: {description: New}\n"),
        4,
    ),
    DiffRule(
        "kpi-event-removed", "A KPI was computed from an event that was removed.", (C,), MINOR,
        "Recompute KPI '{name}' from the replacement of '{old}', or retire it.",
        "  objectives:\n    growth:\n      kpis:\n"
        "        signups: {events: [Signup, Page Viewed]}\n"
        + _events("  Signup: {}\n  Page Viewed: {}\n"),
        "  objectives:\n    growth:\n      kpis:\n        signups: {events: [Page Viewed]}\n"
        + _events("  Page Viewed: {}\n"), 6,
    ),
    DiffRule(
        "lifecycle-event-removed", "A lifecycle stage was reached by an event that was removed.",
        (C,), MINOR,
        "Say which event now moves customers into stage '{name}'.",
        "  lifecycle:\n    - stage: Subscriber\n      events: [Signup]\n"
        + _events("  Signup: {}\n"),
        "  lifecycle:\n    - stage: Subscriber\n      events: []\n", 4,
    ),
    # --- properties and traits ----------------------------------------------------------
    DiffRule(
        "property-added", "An optional property or trait was added.", (), MINOR,
        "Nothing to migrate: producers may start sending '{name}'.",
        _events("  Signed Up: {}\n"),
        _prop("{type: string}"), 6,
    ),
    DiffRule(
        "required-property-added", "A required property or trait was added.", (P,), MINOR,
        "Make every producer send '{name}'; app versions in the field will fail validation.",
        _events("  Signed Up: {}\n"),
        _prop("{type: string, required: true}"), 6,
    ),
    DiffRule(
        "property-removed", "A property or trait was removed.", (C,), MINOR,
        "Stop sending '{name}'; update the queries and destinations that read it.",
        _prop("{type: string}"),
        _events("  Signed Up: {}\n"), 6, in_base=True,
    ),
    DiffRule(
        "property-renamed", "A property or trait was renamed (renamed_from).", (P, C), MINOR,
        "Send '{new}' instead of '{old}'; queries must read both keys for old data.",
        _events("  Signed Up:\n    properties:\n      userLogin: {type: string}\n"),
        _events("  Signed Up:\n    properties:\n      user_login:\n        type: string\n"
                "        renamed_from: [userLogin]\n"), 6,
    ),
    DiffRule(
        "property-rename-suggested",
        "A removed and an added property of one event look alike: maybe a rename.", (), NONE,
        "If '{new}' replaces '{old}', add `renamed_from: [{old}]` to '{new}'.",
        _events("  Signed Up:\n    properties:\n      userLogin: {type: string}\n"),
        _events("  Signed Up:\n    properties:\n      user_login: {type: string}\n"), 6,
    ),
    DiffRule(
        "property-made-required", "An optional property became required.", (P,), MINOR,
        "Make every producer send '{name}' before releasing this plan.",
        _prop("{type: string}"),
        _prop("{type: string, required: true}"), 6,
    ),
    DiffRule(
        "property-made-optional", "A required property became optional.", (C,), MINOR,
        "Consumers of '{name}' must handle it being absent.",
        _prop("{type: string, required: true}"),
        _prop("{type: string}"), 6,
    ),
    DiffRule(
        "property-type-narrowed", "A property's type accepts fewer values.", (P,), MINOR,
        "Make every producer send '{name}' as '{new}'; data sent as '{old}' will fail validation.",
        _events("  Signed Up:\n    properties:\n      seats: {type: number}\n"),
        _events("  Signed Up:\n    properties:\n      seats: {type: integer}\n"), 6,
    ),
    DiffRule(
        "property-type-widened", "A property's type accepts more values.", (C,), MINOR,
        "Consumers of '{name}' must handle '{new}' values, not only '{old}'.",
        _events("  Signed Up:\n    properties:\n      seats: {type: integer}\n"),
        _events("  Signed Up:\n    properties:\n      seats: {type: number}\n"), 6,
    ),
    DiffRule(
        "property-type-changed", "A property changed to an unrelated type.", (P, C), MINOR,
        "Send '{name}' as '{new}' everywhere and convert stored '{old}' values for consumers.",
        _events("  Signed Up:\n    properties:\n      seats: {type: string}\n"),
        _events("  Signed Up:\n    properties:\n      seats: {type: integer}\n"), 6,
    ),
    DiffRule(
        "enum-value-removed", "An allowed value was removed from an enum.", (P,), MINOR,
        "Make producers stop sending '{old}' for '{name}'.",
        _events("  Signed Up:\n    properties:\n      type: {type: string, enum: [a, b]}\n"),
        _events("  Signed Up:\n    properties:\n      type: {type: string, enum: [a]}\n"), 6,
    ),
    DiffRule(
        "enum-value-added", "An allowed value was added to an enum.", (C,), MINOR,
        "Consumers of '{name}' must handle the new value '{new}'.",
        _events("  Signed Up:\n    properties:\n      type: {type: string, enum: [a]}\n"),
        _events("  Signed Up:\n    properties:\n      type: {type: string, enum: [a, b]}\n"), 6,
    ),
    DiffRule(
        "property-constraint-narrowed",
        "A constraint (enum, pattern, format, bounds, length...) accepts fewer values.", (P,),
        MINOR, "Make producers send '{name}' values that meet the new constraint.",
        _events("  Signed Up:\n    properties:\n      seats: {type: integer}\n"),
        _events("  Signed Up:\n    properties:\n      seats: {type: integer, minimum: 1}\n"), 6,
    ),
    DiffRule(
        "property-constraint-widened",
        "A constraint (enum, pattern, format, bounds, length...) accepts more values.", (C,),
        MINOR, "Consumers of '{name}' must handle values the old constraint ruled out.",
        _events("  Signed Up:\n    properties:\n      seats: {type: integer, minimum: 1}\n"),
        _events("  Signed Up:\n    properties:\n      seats: {type: integer}\n"), 6,
    ),
    DiffRule(
        "property-constraint-changed", "A constraint changed in both directions.", (P, C),
        MINOR, "Check producers and consumers of '{name}' against the new constraint.",
        _events("  Signed Up:\n    properties:\n      code: {type: string, pattern: '^a'}\n"),
        _events("  Signed Up:\n    properties:\n      code: {type: string, pattern: '^b'}\n"), 6,
    ),
    DiffRule(
        "property-schema-unknown",
        "A change the compatibility check cannot decide (an unknown format, a keyword it does "
        "not model): reported, never taken as compatible.",
        (P, C), MINOR, "Check by hand what '{name}' now accepts; producers and consumers may "
        "both be affected.",
        _prop("{type: string, format: sku}", "code"),
        _prop("{type: string, format: ean}", "code"), 6,
        max_level="warning",
    ),
    DiffRule(
        "property-deprecated", "A property or trait was deprecated.", (), MINOR,
        "Plan the move away from '{name}'.",
        _prop("{type: string}"),
        _prop("{type: string, deprecated: true}"),
        6,
    ),
    DiffRule(
        "property-pii-changed", "A property's personal-data class (`pii:`) changed.",
        (), PATCH, "Nothing to migrate for the data; the policy's privacy reviewers approve.",
        _prop("{type: string}", "email"),
        _prop("{type: string, pii: direct}", "email"),
        6,
    ),
    DiffRule(
        "property-metadata-changed", "Property metadata (description, examples) changed.",
        (), PATCH, "Nothing to migrate.",
        _events("  Signed Up:\n    properties:\n      method: {type: string, description: A}\n"),
        _events("  Signed Up:\n    properties:\n      method: {type: string, description: B}\n"),
        6,
    ),
)  # fmt: skip

DIFF_BY_ID: dict[str, DiffRule] = {rule.id: rule for rule in DIFF_RULES}
