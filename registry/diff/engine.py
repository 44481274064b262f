"""The semantic diff: match plans, events, properties and traits by name, then compare them."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from datetime import date
from fnmatch import fnmatchcase
from typing import Any

from registry.diff import compat
from registry.diff.cases import applied_groups
from registry.diff.changes import (
    BREAKING,
    BUMP_ORDER,
    CONSUMERS,
    INFO,
    MAJOR,
    MINOR,
    NONE,
    PRODUCERS,
    SEVERE,
    WARNING,
    Change,
    level_for,
    path_of,
    subject_of,
)
from registry.diff.deep import deep_diff
from registry.diff.messages import (
    attributed,
    from_to,
    list_delta,
    nested_suffix,
    quoted,
    schema_message,
    show,
    structural,
)
from registry.diff.renames import declared_renames, suggest_event_renames, suggest_property_renames
from registry.diff.rules import DIFF_BY_ID
from registry.escape import pointer_name
from registry.findings import Location
from registry.load.model import Event, Plan, Property, Registry, property_names
from registry.load.pii import label as pii_label
from registry.load.resolve import COMBINATORS, required_or_written, schema_or_written
from registry.load.settings import PolicyRule
from registry.load.snapshot import SETTINGS_FILE
from registry.progress import checkpoint
from registry.records import asdict, field, record

ADDITIVE, STRICT = "additive", "strict"
ADDITIONS = (ADDITIVE, STRICT)
META_FIELDS = (
    "title",
    "description",
    "owners",
    "sources",
    "objectives",
    "lifecycle",
    "conventions",
    "policy",
    "consumers",
)
EVENT_META_FIELDS = ("description", "owners", "consumers", "sources", "objectives", "stage",
                     "labels")  # fmt: skip
# Handled by their own rules, so left out of the JSON Schema comparison.
ANNOTATIONS = ("deprecated", "x-pii")


# Plan metadata compared part by part, each part its own change.
STRUCTURED_META = {
    "objectives": "plan-objectives-changed",
    "lifecycle": "plan-lifecycle-changed",
    "sources": "plan-sources-changed",
    "owners": "plan-owners-changed",
    "conventions": "plan-conventions-changed",
}


def _natural(key: str, value: Any) -> Any:
    """Metadata keyed by meaning: lifecycle stages by name, lists of names as sets."""
    if key == "lifecycle" and isinstance(value, list):
        stages = {}
        for index, stage in enumerate(value):
            name = stage.get("stage") if isinstance(stage, dict) else None
            body = stage
            if isinstance(stage, dict):
                body = {k: v for k, v in stage.items() if k != "stage"}
            stages[str(name) if name is not None else f"#{index + 1}"] = _natural("", body)
        return stages
    if isinstance(value, dict):
        return {str(k): _natural("", v) for k, v in value.items()}
    if isinstance(value, list) and all(isinstance(v, (str, int, float, bool)) for v in value):
        return {str(v): True for v in value}
    return value


def _listed(before: Any, after: Any) -> bool:
    """Both sides lists (or one not set): compared as collections, in any order."""
    return all(isinstance(v, list) or v is None for v in (before, after)) and (
        before is not None or after is not None)  # fmt: skip


def _stage_order(value: Any) -> list[str]:
    if not isinstance(value, list):
        return []
    return [str(s.get("stage")) for s in value if isinstance(s, dict)]


def _plain(value: Any) -> Any:
    """A DeepDiff side as plain data (its 'not present' marker as None)."""
    if value is None or isinstance(value, (str, int, float, bool, list, dict)):
        return value
    return None


def _describe(key: str, path: list[str]) -> str:
    """A path into plan metadata in the plan's own words: KPI 'activation/signups' events."""
    if key == "objectives" and len(path) >= 3 and path[1] == "kpis":
        return " ".join([f"KPI '{path[0]}/{path[2]}'", *path[3:]])
    head = {"objectives": "objective", "lifecycle": "stage", "sources": "source",
            "owners": "owner", "conventions": "convention"}[key]  # fmt: skip
    return " ".join([f"{head} '{path[0]}'", *path[1:]]) if path else key


def _meta_changes(key: str, kind: str, path: list[str], before: Any,
                  after: Any) -> list[tuple[str, Any, Any, list[str]]]:  # fmt: skip
    """(message tail, old, new, path of what changed) for one DeepDiff item over
    natural-keyed metadata; a name gained or lost by a list is a change of the list."""
    names_before, names_after = _names_of(before), _names_of(after)
    if names_before is not None and names_after is not None:  # a list of names changed
        what = _describe(key, path)
        changes: list[tuple[str, Any, Any, list[str]]] = [
            (f" {what} gained {quoted(n)}", None, n, path)
            for n in sorted(names_after - names_before)
        ]
        changes += [(f" {what} lost {quoted(n)}", n, None, path)
                    for n in sorted(names_before - names_after)]  # fmt: skip
        return changes
    if kind == "dictionary_item_added":
        if after is True:  # a name added to a list
            return [(f" {_describe(key, path[:-1])} gained {quoted(path[-1])}", None, path[-1],
                     path[:-1])]  # fmt: skip
        said = f" ({quoted(after)})" if isinstance(after, (str, int, float)) else ""
        return [(f" gained {_describe(key, path)}{said}", None, _plain(after), path)]
    if kind == "dictionary_item_removed":
        if before is True:
            return [(f" {_describe(key, path[:-1])} lost {quoted(path[-1])}", path[-1], None,
                     path[:-1])]  # fmt: skip
        said = f" ({quoted(before)})" if isinstance(before, (str, int, float)) else ""
        return [(f" lost {_describe(key, path)}{said}", _plain(before), None, path)]
    return [(f" {_describe(key, path)} changed from {quoted(before)} to {quoted(after)}",
             _plain(before), _plain(after), path)]  # fmt: skip


def _names_of(value: Any) -> set[str] | None:
    if isinstance(value, dict) and value and all(v is True for v in value.values()):
        return set(value)
    return None


# Whether a shared definition means something else in HEAD at a pointer into its schema.
Changed = Callable[[str, tuple[str | int, ...]], bool]


@record
class _Diff:
    """Collects the changes between one base and one head registry."""

    base: Registry
    head: Registry
    today: date
    additions: str | None = None  # how adding an optional property counts (ADDITIONS);
    # None: as the judging policy says for each plan
    changes: list[Change] = field(default_factory=list)
    # True while the plan being compared has the same shared properties on both sides: then
    # equal specs resolve equally and can be skipped without resolving them.
    same_shared: bool = False
    # Whether each shared definition (by plan and name) means something else in HEAD.
    _shared_changed: dict[tuple[str, str, tuple[str | int, ...]], bool] = field(
        default_factory=dict)  # fmt: skip

    def compatibility(self, plan: str) -> str:
        return self.head.policy.compatibility(plan)  # BASE's, in a review

    def additions_in(self, plan: str) -> str:
        return self.additions or self.head.policy.additions(plan)

    def add(
        self,
        rule_id: str,
        plan: str,
        subject: str,
        message: str,
        old: Any,
        new: Any,
        location: Location,
        *,
        name: str,
        breaks: Iterable[str] | None = None,
        in_base: bool | None = None,
    ) -> None:
        """Record a change; `in_base` (default: the rule's) says the location is a base file."""
        rule = DIFF_BY_ID[rule_id]
        wanted = set(rule.breaks if breaks is None else breaks)
        audiences = tuple(a for a in (PRODUCERS, CONSUMERS) if a in wanted)
        level = rule.level or level_for(audiences, self.compatibility(plan))
        if rule.max_level == WARNING and level == BREAKING:
            level = WARNING
        override = self.override(rule_id, plan, subject)
        if override == "off":
            return  # the registry's policy does not want this rule here
        level = override or level
        migration = rule.migration.format(name=name, old=show(old), new=show(new))
        if level == INFO and rule.breaks:
            # The rule usually breaks someone; this instance breaks nobody (an enum already
            # allowed only integers, a bound the pattern implied): say so, not "will fail".
            migration = "Nothing to migrate: what was sent and read before stays valid."
        bump = MAJOR if level in SEVERE else MINOR if rule.bump == MAJOR else rule.bump
        self.changes.append(
            Change(rule_id, level, plan, subject, message, old, new, audiences, location,
                   migration, bump, in_base=rule.in_base if in_base is None else in_base)
        )  # fmt: skip

    def override(self, rule_id: str, plan: str, subject: str) -> str | None:
        """The level `policy.rules` gives this change (the last matching entry), if any.
        The policy is the judging side's: BASE's, in a review."""
        found = None
        for entry in self.head.policy.rules(plan):
            if entry.overrides and entry.names(rule_id) and in_scope(entry, plan, subject):
                found = entry.level
        return found

    # --- plans ----------------------------------------------------------------------------

    def run(self) -> list[Change]:
        self.settings()
        for plan_id in sorted(set(self.base.plans) | set(self.head.plans)):
            checkpoint()
            old, new = self.base.plans.get(plan_id), self.head.plans.get(plan_id)
            if old is None and new is not None:
                self.add("plan-added", plan_id, "plan", f"plan '{plan_id}' was added", None,
                         plan_id, new.location, name=plan_id)  # fmt: skip
            elif new is None and old is not None:
                self.add("plan-removed", plan_id, "plan", f"plan '{plan_id}' was removed",
                         plan_id, None, old.location, name=plan_id)  # fmt: skip
            elif old is not None and new is not None:
                self.plan(old, new)
        return sorted(self.changes, key=Change.sort_key)

    def settings(self) -> None:
        """trackplan.yaml compared setting by setting, as each side takes effect (defaults
        filled in): a policy change is reported, never applied to the change that makes it."""
        before, after = _settings_items(self.base), _settings_items(self.head)
        for key in sorted(set(before) | set(after)):
            old, new = before.get(key), after.get(key)
            if old == new:
                continue
            at = tuple(key.split("."))
            written = SETTINGS_FILE in self.head.documents
            where = (self.head if written else self.base).locate(SETTINGS_FILE, at)
            self.add("settings-changed", "", subject_of("settings", key),
                     f"setting '{key}' changed" + from_to(old, new) + " (takes effect after "
                     "merge)", old, new, where, name=key, in_base=not written)  # fmt: skip

    def plan(self, old: Plan, new: Plan) -> None:
        for key in META_FIELDS:
            before, after = old.meta.get(key), new.meta.get(key)
            if before != after and key in STRUCTURED_META:
                self.structured_meta(old, new, key)
            elif before != after and _listed(before, after):
                delta = list_delta(before, after)
                if delta:  # not only reordered
                    self.add("plan-metadata-changed", new.id, subject_of("plan", key),
                             f"plan '{new.id}' changed {key}: {delta}", before, after,
                             self.head.locate(new.meta_file or "", ("plan", key)),
                             name=new.id)  # fmt: skip
            elif before != after:
                rule = "plan-policy-changed" if key == "policy" else "plan-metadata-changed"
                self.add(rule, new.id, subject_of("plan", key),
                         f"plan '{new.id}' changed {key}" + from_to(before, after),
                         before, after, self.head.locate(new.meta_file or "", ("plan", key)),
                         name=new.id)  # fmt: skip
        self.same_shared = _specs(old.shared) == _specs(new.shared)
        removed = self.events(old, new)
        self.references_to_removed(old, new, removed)
        for section, label in (("common", "common property"), ("identify", "identify trait"),
                               ("group", "group trait")):  # fmt: skip
            before, after = getattr(old, section), getattr(new, section)
            closed: frozenset[str] = frozenset()
            if section == "common":
                before, after, closed = _common_in_use(old, new)
            self.properties(
                old, new, before, after,
                f"{section}/{'properties' if section == 'common' else 'traits'}",
                _labeller(label),
                closed=closed,
            )  # fmt: skip

    # --- events ---------------------------------------------------------------------------

    def events(self, old: Plan, new: Plan) -> set[str]:
        """Diff the events of a plan; returns the names that were removed (not renamed)."""
        renames = declared_renames(old.events, new.events)
        renamed_to = set(renames.values())
        removed = sorted(n for n in old.events if n not in new.events and n not in renames)
        added = sorted(n for n in new.events if n not in old.events and n not in renamed_to)
        for before, after in sorted(renames.items()):
            event = new.events[after]
            self.add("event-renamed", new.id, subject_of("events", after),
                     f"event '{before}' was renamed to '{after}'", before, after,
                     event.location, name=after)  # fmt: skip
            self.event(old, new, old.events[before], event)
        for name in sorted(set(old.events) & set(new.events)):
            self.event(old, new, old.events[name], new.events[name])
        for name in removed:
            event = old.events[name]
            rule = "event-sunset-removed" if self.past_sunset(event) else "event-removed"
            self.add(rule, new.id, subject_of("events", name), f"event '{name}' was removed",
                     name, None, event.location, name=name)  # fmt: skip
        for name in added:
            self.add("event-added", new.id, subject_of("events", name),
                     f"event '{name}' was added", None, name, new.events[name].location,
                     name=name)  # fmt: skip
        for before, after, why in suggest_event_renames(old, new, removed, added):
            self.add("event-rename-suggested", new.id, subject_of("events", after),
                     f"event '{before}' was removed and '{after}' added: they look alike ({why})",
                     before, after, new.events[after].location, name=after)  # fmt: skip
        return set(removed)

    def structured_meta(self, old: Plan, new: Plan, key: str) -> None:
        """Objectives and KPIs, lifecycle stages, sources and owners: each difference its own
        change, matched by natural keys (a stage by its name, a list item by its value)."""
        rule = STRUCTURED_META[key]
        before, after = _natural(key, old.meta.get(key)), _natural(key, new.meta.get(key))
        where = self.head.locate(new.meta_file or "", ("plan", key))
        found = deep_diff(before, after)  # a diff that meets no metadata change never loads it
        for kind in sorted(found):
            for item in sorted(found[kind], key=lambda i: str(i.path())):
                path = [str(p) for p in item.path(output_format="list")]
                for tail, old_value, new_value, at in _meta_changes(key, kind, path, item.t1,
                                                                    item.t2):  # fmt: skip
                    self.add(rule, new.id, subject_of("plan", key, *map(str, at)),
                             f"plan '{new.id}'" + tail, old_value, new_value, where,
                             name=new.id)  # fmt: skip
        old_order, new_order = _stage_order(old.meta.get(key)), _stage_order(new.meta.get(key))
        if key == "lifecycle" and old_order != new_order and set(old_order) == set(new_order):
            self.add(rule, new.id, "plan/lifecycle", f"plan '{new.id}' lifecycle stages were "
                     f"reordered from {quoted(old_order)} to {quoted(new_order)}", old_order,
                     new_order, where, name=new.id)  # fmt: skip

    def past_sunset(self, event: Event) -> bool:
        deprecated = event.spec.get("deprecated")
        sunset = deprecated.get("sunset") if isinstance(deprecated, dict) else None
        return isinstance(sunset, str) and sunset < self.today.isoformat()

    def event(self, old_plan: Plan, new_plan: Plan, old: Event, new: Event) -> None:
        checkpoint()
        if self.same_shared and old.spec == new.spec and old.name == new.name:
            return  # most events of a change are untouched: dict equality is C-fast
        subject, plan = subject_of("events", new.name), new_plan.id
        closed_before = old.spec.get("additional_properties") is False
        closed_after = new.spec.get("additional_properties") is False
        if closed_before != closed_after:
            rule = "event-closed" if closed_after else "event-opened"
            verb = "now rejects" if closed_after else "now accepts"
            self.add(rule, plan, subject, f"event '{new.name}' {verb} unplanned properties",
                     not closed_before, not closed_after,
                     self.head.locate(new.file, (*new.path, "additional_properties")),
                     name=new.name)  # fmt: skip
        if not old.spec.get("deprecated") and new.spec.get("deprecated"):
            self.add(
                "event-deprecated",
                plan,
                subject,
                f"event '{new.name}' was deprecated",
                None,
                new.spec.get("deprecated"),
                self.head.locate(new.file, (*new.path, "deprecated")),
                name=new.name,
            )
        elif old.spec.get("deprecated") != new.spec.get("deprecated"):
            self.meta_change("event-metadata-changed", plan, subject, f"event '{new.name}'",
                             "deprecated", old.spec, new, new.name)  # fmt: skip
        for key in EVENT_META_FIELDS:
            before, after = old.spec.get(key), new.spec.get(key)
            if before == after:
                continue
            if _listed(before, after):  # owners, sources, consumers: their order means nothing
                delta = list_delta(before, after)
                if delta:
                    where = self.head.locate(new.file, (*new.path, key))
                    self.add("event-metadata-changed", plan, subject,
                             f"event '{new.name}' changed {key}: {delta}", before, after, where,
                             name=new.name)  # fmt: skip
                continue
            self.meta_change("event-metadata-changed", plan, subject, f"event '{new.name}'",
                             key, old.spec, new, new.name)  # fmt: skip
        before = len(self.changes)
        # What the event sends: its own definitions and, where it has none on one side, the
        # plan's common one (moved into `common`, an override added or dropped). What comes
        # from `common` on both sides is compared once, as the common property.
        old_props, new_props = dict(old.properties), dict(new.properties)
        for name in set(old.properties) | set(new.properties):
            if name not in old_props and name in old_plan.common:
                old_props[name] = old_plan.common[name]
            if name not in new_props and name in new_plan.common:
                new_props[name] = new_plan.common[name]
        self.properties(
            old_plan,
            new_plan,
            old_props,
            new_props,
            f"{subject}/properties",
            lambda n: f"property '{n}' of '{new.name}'",
            closed=closed_after,
        )
        if old.cases or new.cases:
            self.cases(old_plan, new_plan, old, new, subject, self.changes[before:])

    def cases(self, old_plan: Plan, new_plan: Plan, old: Event, new: Event, subject: str,
              unconditional: list[Change]) -> None:  # fmt: skip
        """The event's variants, by what applies for each discriminator value (see
        registry/diff/cases.py): each property a case constrains, on either side, compared
        as the event's definition narrowed by the case. What the event's own definition
        changes is reported once, unconditionally, not again for each case."""
        start = len(self.changes)
        said: set[tuple[str, str, str, str]] = {_said(c, "") for c in unconditional}
        whens: list[str] = []
        for group in applied_groups(old_plan, old, new_plan, new):
            whens.append(group.when)
            label = _case_label(new.name, group.when)
            prefix = f"{subject}/variants/{subject_of(group.when)}/properties"
            for name in sorted(set(group.old) | set(group.new)):
                at = group.new_at.get(name) or new.properties.get(name)
                file, path, doc = (at.file, at.path, at.doc) if at else (new.file, new.path,
                                                                         new.doc)  # fmt: skip
                before = group.old[name] if name in group.old else _own(old_plan, old, name)
                after = group.new[name] if name in group.new else _own(new_plan, new, name)
                self.property(old_plan, new_plan,
                              Property.placed(name, before, old.file, old.path, old.doc),
                              Property.placed(name, after, file, path, doc), prefix,
                              label)  # fmt: skip
        self.changes[start:] = [c for c in self.changes[start:]
                                if not any(_said(c, w) in said for w in whens)]  # fmt: skip

    def meta_change(
        self,
        rule: str,
        plan: str,
        subject: str,
        what: str,
        key: str,
        old_spec: dict[str, Any],
        new: Property | Event,
        name: str,
    ) -> None:
        before, after = old_spec.get(key), new.spec.get(key)
        self.add(rule, plan, subject, f"{what} changed {key}" + from_to(before, after), before,
                 after, self.head.locate(new.file, (*new.path, key)), name=name)  # fmt: skip

    def references_to_removed(self, old: Plan, new: Plan, removed: set[str]) -> None:
        """KPIs and lifecycle stages of the base that used an event now removed."""
        for kpi in sorted(old.kpis(), key=lambda k: (k.objective, k.id)):
            for name in sorted(set(kpi.events) & removed):
                where, in_base = self.place(
                    new, old, ("plan", "objectives", kpi.objective, "kpis", kpi.id)
                )
                self.add("kpi-event-removed", new.id,
                         subject_of("plan", "objectives", kpi.objective, "kpis", kpi.id),
                         f"KPI '{kpi.id}' was computed from event '{name}', which was removed",
                         name, None, where, name=kpi.id, in_base=in_base)  # fmt: skip
        new_stages = {s.name: s.index for s in new.stages() if isinstance(s.name, str)}
        for stage in old.stages():
            if not isinstance(stage.name, str):
                continue
            for name in sorted(set(stage.events) & removed):
                at = ("plan", "lifecycle", new_stages.get(stage.name, -1))
                where, in_base = self.place(new, old, at,
                                            base_at=("plan", "lifecycle", stage.index))  # fmt: skip
                self.add("lifecycle-event-removed", new.id,
                         subject_of("plan", "lifecycle", stage.name),
                         f"{stage.label} was reached by event '{name}', which was removed",
                         name, None, where, name=stage.name, in_base=in_base)  # fmt: skip

    def place(self, new: Plan, old: Plan, at: tuple[Any, ...],
              base_at: tuple[Any, ...] | None = None) -> tuple[Location, bool]:  # fmt: skip
        """Where `at` stands in the head plan file, else (`base_at`, or `at`) in the base one."""
        doc = self.head.documents.get(new.meta_file or "")
        if doc is not None and at in doc.positions:
            return self.head.locate(new.meta_file or "", at), False
        return self.base.locate(old.meta_file or "", base_at or at), True

    # --- properties -----------------------------------------------------------------------

    def addition_breaks(self, plan: str, closed: bool) -> list[str]:
        """Whom adding an optional property breaks. `additive` (the analytics convention:
        Segment, Snowplow, Wikimedia): nobody, the property was not planned before. `strict`
        (Confluent's reading of JSON Schema): in an open object the name was unconstrained,
        so data already sent under it may now fail (producers); in a closed one, consumers
        meet a key they never saw."""
        if self.additions_in(plan) == ADDITIVE:
            return []
        return [CONSUMERS] if closed else [PRODUCERS]

    def properties(
        self,
        old_plan: Plan,
        new_plan: Plan,
        old: dict[str, Property],
        new: dict[str, Property],
        prefix: str,
        label: Callable[[str], str],
        closed: bool | frozenset[str] = False,
    ) -> None:
        """`closed`: the properties belong to a closed event (True), or, for the common
        ones, the names some closed event sends from `common`."""

        def shut(name: str) -> bool:
            return closed if isinstance(closed, bool) else name in closed

        renames = declared_renames(old, new)
        renamed_to = set(renames.values())
        removed = sorted(n for n in old if n not in new and n not in renames)
        added = sorted(n for n in new if n not in old and n not in renamed_to)
        plan = new_plan.id
        for before, after in sorted(renames.items()):
            self.add("property-renamed", plan, f"{prefix}/{subject_of(after)}",
                     f"{label(before)} was renamed to '{after}'", before, after,
                     new[after].location, name=after)  # fmt: skip
            self.property(old_plan, new_plan, old[before], new[after], prefix, label)
        for name in sorted(set(old) & set(new)):
            self.property(old_plan, new_plan, old[name], new[name], prefix, label)
        for name in removed:
            # From a closed event, what producers still send is now rejected too.
            gone = [PRODUCERS, CONSUMERS] if shut(name) else None
            self.add("property-removed", plan, f"{prefix}/{subject_of(name)}",
                     f"{label(name)} was removed", name, None, old[name].location,
                     name=name, breaks=gone)  # fmt: skip
        for name in added:
            required = required_or_written(new[name].spec, new_plan)
            rule = "required-property-added" if required else "property-added"
            what = "required " if required else ""
            breaks = None if required else self.addition_breaks(plan, shut(name))
            self.add(rule, plan, f"{prefix}/{subject_of(name)}", f"{what}{label(name)} was added",
                     None, name, new[name].location, name=name, breaks=breaks)  # fmt: skip
        for before, after in suggest_property_renames(old_plan, new_plan, old, new, removed,
                                                       added):  # fmt: skip
            self.add("property-rename-suggested", plan, f"{prefix}/{subject_of(after)}",
                     f"{label(before)} was removed and '{after}' added with the same schema",
                     before, after, new[after].location, name=after)  # fmt: skip

    def property(
        self,
        old_plan: Plan,
        new_plan: Plan,
        old: Property,
        new: Property,
        prefix: str,
        label: Callable[[str], str],
    ) -> None:
        if self.same_shared and old.spec == new.spec and old.name == new.name:
            return
        subject, plan, what = f"{prefix}/{subject_of(new.name)}", new_plan.id, label(new.name)
        required_before = required_or_written(old.spec, old_plan)
        required_after = required_or_written(new.spec, new_plan)
        if required_before != required_after:
            rule = "property-made-required" if required_after else "property-made-optional"
            state = "required" if required_after else "optional"
            self.add(rule, plan, subject, f"{what} became {state}", required_before,
                     required_after, self.head.locate(new.file, (*new.path, "required")),
                     name=new.name)  # fmt: skip
        old_schema = schema_or_written(old.spec, old_plan)
        new_schema = schema_or_written(new.spec, new_plan)

        def changed(name: str, rest: tuple[str | int, ...]) -> bool:
            return self.shared_changed(old_plan, new_plan, name, rest)

        if not old_schema.get("deprecated") and new_schema.get("deprecated"):
            where = _written_at(new_plan, new, ("deprecated",), changed)
            self.add("property-deprecated", plan, subject, f"{what} was deprecated", None, True,
                     self.head.locate(*where), name=new.name)  # fmt: skip
        old_pii, new_pii = _pii_classes(old_schema), _pii_classes(new_schema)
        # The property's own class, then those of nested properties both sides have (one
        # added or removed is a change of its own).
        for at in sorted(set(old_pii) & set(new_pii)):
            before, after = old_pii[at], new_pii[at]
            if before == after:
                continue
            nested_name = new.name + nested_suffix(list(at))
            where = _written_at(new_plan, new, (*at, "pii"), changed)
            self.add("property-pii-changed", plan, f"{prefix}/{subject_of(new.name, *at)}",
                     f"{label(nested_name)} changed pii" + from_to(before, after), before,
                     after, self.head.locate(*where), name=nested_name)  # fmt: skip
        for key in ANNOTATIONS:
            old_schema.pop(key, None)
            new_schema.pop(key, None)
        if old_schema == new_schema:
            return
        differences = compat.compare(old_schema, new_schema).differences
        for difference, member, rule in attributed(differences):
            self.schema_difference(plan, prefix, label, new, difference, member, rule,
                                   changed=lambda n, r: self.shared_changed(
                                       old_plan, new_plan, n, r),
                                   plan_at=new_plan)  # fmt: skip

    def shared_changed(self, old_plan: Plan, plan: Plan, name: str,
                       rest: tuple[str | int, ...] = ()) -> bool:  # fmt: skip
        """Whether shared definition `name` means something else in HEAD (with the
        definitions it uses) at `rest`, a pointer into its JSON Schema: asked once each."""
        key = (old_plan.id, name, rest)
        if key not in self._shared_changed:
            before, after = old_plan.shared.get(name), plan.shared.get(name)
            self._shared_changed[key] = before is None or after is None or (
                _at(schema_or_written(before.spec, old_plan), rest)
                != _at(schema_or_written(after.spec, plan), rest))  # fmt: skip
        return self._shared_changed[key]

    def schema_difference(self, plan: str, prefix: str, label: Callable[[str], str],
                          new: Property, difference: compat.Difference, member: str,
                          rule: str, changed: Changed | None = None,
                          plan_at: Plan | None = None) -> None:  # fmt: skip
        """One difference inside a property's schema, told of the member it is about
        (`member`: a pointer into the schema) under `rule`."""
        segments = [pointer_name(s) for s in member.split("/")[1:]]
        breaks = [PRODUCERS] * difference.narrows + [CONSUMERS] * difference.widens
        if rule == "property-metadata-changed":
            breaks = []
        elif rule == "property-added":
            # strict: as JSON Schema has it
            breaks = [] if self.additions_in(plan) == ADDITIVE else breaks
        elif rule == "required-property-added":
            breaks = [PRODUCERS]
        elif rule == "property-removed":  # and producers where a closed object rejects it
            breaks = [CONSUMERS] + [PRODUCERS] * difference.narrows
        structure = structural(segments)
        nested_name = new.name + nested_suffix(structure)
        message = schema_message(rule, label(nested_name), difference)
        # `member` names the property a change is about (never a `required` keyword); list
        # indexes (`anyOf/0`) are ints in the positions of the YAML.
        steps = tuple(int(s) if s.isdigit() and i and segments[i - 1] in COMBINATORS else s
                      for i, s in enumerate(segments))  # fmt: skip
        file, at = (new.file, (*new.path, *steps)) if changed is None or plan_at is None else (
            _written_at(plan_at, new, steps, changed))  # fmt: skip
        subject = f"{prefix}/{subject_of(new.name, *structure)}"
        self.add(rule, plan, subject, message, difference.old, difference.new,
                 self.head.locate(file, at), name=nested_name, breaks=breaks,
                 in_base=False)  # fmt: skip


def _written_at(plan: Plan, prop: Property, steps: tuple[str | int, ...],
                changed: Changed) -> tuple[str, tuple[Any, ...]]:  # fmt: skip
    """Where the part of a property's schema at `steps` is written in HEAD: through each use
    of a shared definition (`$ref: product_id`) that changed to the definition itself, so a
    change of it is placed on the line the pull request edits, not at each use in files it
    never touched. A key the use writes itself (`required`, an override), and a definition
    that did not change (an override dropped at the use), stay at the use."""
    file, path = prop.file, prop.path
    spec: Any = prop.spec
    index, hops = 0, 0
    while hops < 32:
        ref = spec.get("$ref") if isinstance(spec, dict) else None
        target = plan.shared.get(ref) if isinstance(ref, str) else None
        step = _plan_key(steps[index]) if index < len(steps) else None
        if (target is not None and (step is None or step not in spec)
                and changed(str(ref), steps[index:])):  # fmt: skip
            file, path, spec = target.file, target.path, target.spec
            hops += 1
            continue
        if step is None:
            break
        written = (isinstance(spec, dict) and step in spec) or (
            isinstance(spec, list) and isinstance(step, int) and step < len(spec))  # fmt: skip
        if not written:  # not written (an added key): placed below what is
            return file, (*path, *steps[index:])
        spec = spec[step]
        path = (*path, step)
        index += 1
    return file, path


def _at(schema: Any, steps: tuple[str | int, ...]) -> Any:
    """The part of a JSON Schema at `steps` (None where there is none)."""
    for step in steps:
        if isinstance(schema, dict) and isinstance(step, str):
            schema = schema.get("x-pii" if step == "pii" else step)  # the plan's `pii`
        elif isinstance(schema, list) and isinstance(step, int) and step < len(schema):
            schema = schema[step]
        else:
            return None
    return schema


def _plan_key(step: str | int) -> str | int:
    """A JSON Schema keyword as a plan writes it."""
    return "additional_properties" if step == "additionalProperties" else step


def _pii_classes(schema: dict[str, Any], at: tuple[str, ...] = ()) -> dict[tuple[str, ...], str]:
    """The personal-data class of a property schema and of every property nested in it (by
    `properties/<name>` and `items` steps), `none` where it says nothing."""
    found = {at: pii_label(schema.get("x-pii"))}
    nested = schema.get("properties")
    for name, sub in nested.items() if isinstance(nested, dict) else ():
        if isinstance(sub, dict):
            found.update(_pii_classes(sub, (*at, "properties", str(name))))
    if isinstance(schema.get("items"), dict):
        found.update(_pii_classes(schema["items"], (*at, "items")))
    return found


def _own(plan: Plan, event: Event, name: str) -> dict[str, Any]:
    """The event's own definition of a property (or the plan's common one), or {}."""
    found = event.properties.get(name) or plan.common.get(name)
    return found.spec if found is not None else {}


def _common_in_use(
    old: Plan, new: Plan
) -> tuple[dict[str, Property], dict[str, Property], frozenset[str]]:
    """The common properties whose change some event sends as it is: one the event leaves
    to `common` on both sides (an event that defines the name itself on a side compares
    there, as its own). With no event on both sides, every common property. And the names
    a closed event sends from `common` (its removal is rejected there)."""
    renames = declared_renames(old.events, new.events)
    pairs = [(old.events[b], new.events[a]) for b, a in renames.items()]
    pairs += [(old.events[n], new.events[n]) for n in sorted(set(old.events) & set(new.events))]
    if not pairs:
        return dict(old.common), dict(new.common), frozenset()
    users: dict[str, list[Event]] = {}
    for name in set(old.common) | set(new.common):
        users[name] = [
            after for before, after in pairs
            if name not in before.properties and name not in after.properties
        ]  # fmt: skip
    closed = frozenset(name for name, events in users.items() if any(
        e.spec.get("additional_properties") is False for e in events))  # fmt: skip
    return (
        {n: p for n, p in old.common.items() if users.get(n)},
        {n: p for n, p in new.common.items() if users.get(n)},
        closed,
    )


def _said(change: Change, when: str) -> tuple[str, str, str, str]:
    """A change as the event's unconditional diff would word it (its case's words cut)."""
    message = change.message.replace(f" when {when}", "", 1) if when else change.message
    return (change.rule, message, json.dumps(change.old, sort_keys=True, default=str),
            json.dumps(change.new, sort_keys=True, default=str))  # fmt: skip


def in_scope(entry: PolicyRule, plan: str, subject: str) -> bool:
    """Whether a change (its plan, and the event and property path its subject names) is in
    a policy entry's scope; a scope left out matches everything."""
    segments = path_of(subject)
    event = segments[1] if len(segments) > 1 and segments[0] == "events" else None
    props = property_names(segments[2:] if event is not None else segments[1:])
    path = ".".join(props) if props else None
    scopes = ((entry.plans, plan), (entry.events, event), (entry.properties, path))
    return all(_matches(patterns, value) for patterns, value in scopes)


def _matches(patterns: tuple[str, ...], value: str | None) -> bool:
    """A scope left out matches everything; a given one, only a value one glob matches."""
    return not patterns or (value is not None and any(fnmatchcase(value, p) for p in patterns))


def _case_label(event: str, key: str) -> Callable[[str], str]:
    """How a property of one case of an event's variants is named in messages."""
    return lambda n: f"property '{n}' of '{event}' when {key}"


def _specs(definitions: dict[str, Property]) -> dict[str, Any]:
    return {name: d.spec for name, d in definitions.items()}


def _labeller(kind: str) -> Callable[[str], str]:
    """`_labeller("identify trait")("email")` -> "identify trait 'email'"."""
    return lambda name: f"{kind} '{name}'"


def diff_registries(base: Registry, head: Registry, today: date | None = None,
                    additions: str | None = None) -> list[Change]:  # fmt: skip
    """Every semantic change from `base` to `head`, most severe first, in a stable order.
    `additions`: whether adding an optional property breaks anyone (`additive`: no; `strict`:
    as JSON Schema has it, see `_Diff.addition_breaks`); by default what the judging side's
    `policy.additions` says (additive unless set)."""
    if additions is not None and additions not in ADDITIONS:
        raise ValueError(f"additions must be one of {', '.join(ADDITIONS)}, not {additions!r}")
    return _Diff(base, head, today or date.today(), additions=additions).run()


def _settings_items(registry: Registry) -> dict[str, Any]:
    """A registry's settings as it applies them, one entry per setting: `compatibility`,
    `review.breaking`, `notify` (receivers as a list)."""
    items: dict[str, Any] = {}
    for key, value in asdict(registry.settings).items():
        if key == "policy":  # where an entry stands is no setting: moving it changes nothing
            value = {k: v for k, v in value.items() if k != "privacy_at"}
            value["rules"] = [{k: v for k, v in r.items() if k not in ("file", "line")}
                              for r in value["rules"]]  # fmt: skip
        if isinstance(value, dict):
            items.update({f"{key}.{k}": v for k, v in value.items()})
        elif isinstance(value, (list, tuple)):
            items[key] = json.loads(json.dumps(value))  # receivers as plain data
        else:
            items[key] = value
    return items


def plan_bumps(changes: Iterable[Change]) -> dict[str, str]:
    """The version bump each changed plan needs: the largest bump among its changes (a
    registry-wide change, such as a setting, versions no plan)."""
    bumps: dict[str, str] = {}
    for change in changes:
        if not change.plan:
            continue
        current = bumps.get(change.plan, NONE)
        if BUMP_ORDER.index(change.bump) > BUMP_ORDER.index(current):
            bumps[change.plan] = change.bump
        else:
            bumps.setdefault(change.plan, current)
    return bumps
