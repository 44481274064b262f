"""What the catalog pages show, built from plan documents and their releases (pure)."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Mapping
from typing import Any

from registry.catalog.compare import Comparison
from registry.catalog.example import calls, example_payload, methods
from registry.catalog.observed import PlanObserved, Seen
from registry.escape import md_url_path
from registry.jsontext import indented_json
from registry.load.digest import sha256_hex
from registry.load.pii import carries, pii_class
from registry.records import field, record
from registry.release.artifacts import document_properties
from registry.release.versions import parse_version


@record
class PropertyRow:
    name: str
    type: str
    required: bool
    allowed: str  # enum values, const, or ""
    constraints: str  # format, pattern, bounds
    description: str
    pii: str  # the personal-data class (indirect, direct, sensitive), or ""


@record
class EventPage:
    name: str
    slug: str
    description: str
    owners: list[str]
    sources: list[str]
    stage: str
    property_specs: dict[str, Any]  # its properties as the plan document has them
    deprecated: dict[str, str] | None
    renamed_from: list[str]
    kpis: list[tuple[str, str]] = field(default_factory=list)  # ("objective/kpi", anchor)
    stages: list[str] = field(default_factory=list)  # lifecycle stages it enters
    history: list[tuple[str, list[str]]] = field(default_factory=list)  # version, lines
    # The cases of its variants: (when the case applies, its name, what it asks of properties)
    cases: list[tuple[str, str, list[PropertyRow]]] = field(default_factory=list)
    edit: str = ""  # where to edit its definition (a URL), when the registry's is known
    # What its example payload and calls are worked out from, when a page first shows them:
    # (its properties, the plan's common properties, its Tracker method in each language).
    sending: tuple[dict[str, Any], dict[str, Any], dict[str, str]] = ({}, {}, {})
    observed: Seen | None = None  # what reports of `check` saw of it (None: not seen)
    consumers: list[tuple[str, str]] = field(default_factory=list)  # (name, http(s) URL or "")

    @functools.cached_property
    def properties(self) -> list[PropertyRow]:
        """Its properties, nested ones included: worked out when a page first shows them."""
        return _rows(self.property_specs)

    @functools.cached_property
    def outline(self) -> tuple[int, list[str]]:
        """How many property rows it has, and their names and descriptions (for search),
        without building the rows."""
        words: list[str] = []
        count = 0
        for path, spec in document_properties(self.property_specs):
            count += 1
            words.append(path)
            if isinstance(spec.get("description"), str):
                words.append(spec["description"])
        return count, words

    @functools.cached_property
    def search_text(self) -> str:
        """What the catalog's searches look in: its names, description, property paths and
        their descriptions, lower case."""
        return " ".join([self.name, self.description, *self.renamed_from,
                         *self.outline[1]]).lower()  # fmt: skip

    @functools.cached_property
    def payload(self) -> dict[str, Any]:
        """A payload the plan accepts: each property's first example, else a value it allows."""
        return example_payload(self.sending[0], self.sending[1])

    @functools.cached_property
    def example(self) -> str:
        return indented_json(self.payload)

    @property
    def calls(self) -> list[tuple[str, str]]:
        """(language, the line that sends the payload) in each language generate writes."""
        return calls(self.sending[2], self.payload, self.example)


@record
class Release:
    version: str
    changelog: str


@record
class PlanPage:
    id: str
    title: str
    description: str
    owners: list[str]
    sources: dict[str, dict[str, Any]]
    # objective id, its anchor, text, and its KPIs: (id, anchor, text, events counted)
    objectives: list[tuple[str, str, str, list[tuple[str, str, str, list[str]]]]]
    lifecycle: list[tuple[str, str, list[str]]]  # stage, condition, events
    common: list[PropertyRow]
    identify: list[PropertyRow]
    group: list[PropertyRow]
    events: list[EventPage]
    releases: list[Release]  # newest first
    observed: PlanObserved | None = None  # what reports of `check` saw (None: no reports)
    consumers: list[tuple[str, str]] = field(default_factory=list)  # of every event: (name, URL)
    comparisons: list[Comparison] = field(default_factory=list)  # pairs of releases compared
    conventions: dict[str, Any] = field(default_factory=dict)  # the naming conventions it keeps

    def comparison(self, old: str, new: str) -> Comparison | None:
        return next((c for c in self.comparisons if (c.old, c.new) == (old, new)), None)

    def previous(self, version: str) -> str:
        """The release before `version` ("" for the first)."""
        names = [r.version for r in self.releases]  # newest first
        at = names.index(version) if version in names else -1
        return names[at + 1] if 0 <= at < len(names) - 1 else ""

    @property
    def latest(self) -> str:
        return self.releases[0].version if self.releases else "unreleased"

    def event(self, name: str) -> EventPage | None:
        return self._by_name.get(name)

    @functools.cached_property
    def _by_name(self) -> dict[str, EventPage]:
        return {e.name: e for e in self.events}

    def unplanned(self) -> dict[str, Seen]:
        """What reports saw that the plan does not define, by name."""
        return self.observed.unplanned(e.name for e in self.events) if self.observed else {}

    def seen(self) -> int:
        """How many of its events the reports saw."""
        return sum(1 for e in self.events if e.observed is not None)


BOUNDS = ("format", "pattern", "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
          "minLength", "maxLength")  # fmt: skip


def anchor(kind: str, *names: str) -> str:
    """An id for a page fragment: readable, unique (a hash of the exact names) and safe in
    an id and a URL fragment, whatever the plan's keys hold."""
    return f"{kind}-{slug(chr(0).join(names))}"


def slug(name: str) -> str:
    """A file name for an event: readable, unique and stable (a hash of the exact name)."""
    readable = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:50] or "event"
    return f"{readable}-{sha256_hex(name.encode())[:8]}"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _names(value: Any) -> list[str]:
    return (
        [str(v) for v in value if isinstance(v, (str, int, float))]
        if isinstance(value, list)
        else []
    )


def _value(value: Any) -> str:
    """A value as the plan's JSON has it: strings as they are, others as JSON (null, true)."""
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _type(spec: dict[str, Any]) -> str:
    kinds = spec.get("type")
    text = " | ".join(map(str, kinds)) if isinstance(kinds, list) else str(kinds or "any")
    if isinstance(spec.get("items"), dict):
        text += f" of {_type(spec['items'])}"
    return text


def _rows(props: Any) -> list[PropertyRow]:
    rows = []
    for path, spec in document_properties(props):
        allowed = ""
        if isinstance(spec.get("enum"), list):
            allowed = ", ".join(map(_value, spec["enum"]))
        elif "const" in spec:
            allowed = _value(spec["const"])
        bounds = [f"{k} {spec[k]}" for k in BOUNDS if k in spec]
        rows.append(
            PropertyRow(
                path,
                _type(spec),
                spec.get("required") is True,
                allowed,
                "; ".join(bounds),
                _text(spec.get("description")),
                (pii_class(spec.get("pii")) or "") if carries(spec.get("pii")) else "",
            )
        )
    return rows


def _consumers(value: Any) -> list[tuple[str, str]]:
    """Who reads the data, as the review names them (`Revenue dashboard (@acme/finance)`),
    each with its http(s) URL or ""."""
    found = []
    for item in value if isinstance(value, list) else ():
        if isinstance(item, str):
            found.append((item, ""))
        elif isinstance(item, dict) and isinstance(item.get("name"), str):
            owner, url = item.get("owner"), item.get("url")
            name = item["name"] + (f" ({owner})" if isinstance(owner, str) else "")
            ok = isinstance(url, str) and re.fullmatch(r"https?://\S+", url) is not None
            found.append((name, url if ok else ""))  # type: ignore[arg-type]
    return found


def _edit_link(prefix: str, place: tuple[str, int] | None) -> str:
    if not prefix or place is None:
        return ""
    file, line = place
    return f"{prefix}{md_url_path(file)}#L{line}"


def _cases(variants: Any) -> list[tuple[str, str, list[PropertyRow]]]:
    """Each case of an event's variants: when it applies, its name, its property rows."""
    found = []
    for variant in variants if isinstance(variants, list) else ():
        if not isinstance(variant, dict):
            continue
        on = _text(variant.get("discriminator"))
        cases = [c for c in variant.get("cases") or () if isinstance(c, dict)]
        for case in cases:
            match = case.get("match")
            values: list[Any] = match if isinstance(match, list) else []
            found.append((f"{on} is " + " or ".join(_value(v) for v in values),
                          _text(case.get("name")), _rows(case.get("properties"))))  # fmt: skip
        if isinstance(variant.get("default"), dict):
            found.append((f"{on} is anything else", _text(variant["default"].get("name")),
                          _rows(variant["default"].get("properties"))))  # fmt: skip
    return found


def plan_page(document: dict[str, Any], releases: list[Release],
              places: Mapping[str, tuple[str, int]] | None = None,
              edit_url: str = "", observed: PlanObserved | None = None) -> PlanPage:  # fmt: skip
    """`places`: each event's file and line in the registry; with `edit_url` (the prefix
    of an editable file's URL) they become "edit in git" links. `observed`: what reports of
    `trackplan check` saw of the plan."""
    plan_id = str(document.get("plan"))
    owners = _names(document.get("owners"))
    found = document.get("sources")
    sources: dict[str, dict[str, Any]] = found if isinstance(found, dict) else {}
    events: list[EventPage] = []
    common = (document.get("common") or {}).get("properties") or {}
    sends = methods(sorted(document.get("events") or {}))
    for name, spec in sorted((document.get("events") or {}).items()):
        deprecated = spec.get("deprecated")
        events.append(
            EventPage(
                name=name,
                slug=slug(name),
                description=_text(spec.get("description")),
                owners=_names(spec.get("owners")) or owners,
                sources=_names(spec.get("sources")) or sorted(sources),
                stage=_text(spec.get("stage")),
                property_specs=spec.get("properties") or {},
                deprecated=(
                    {k: str(v) for k, v in deprecated.items()}
                    if isinstance(deprecated, dict)
                    else {}
                    if deprecated
                    else None
                ),
                renamed_from=_names(spec.get("renamed_from")),
                cases=_cases(spec.get("variants")),
                edit=_edit_link(edit_url, (places or {}).get(name)),
                sending=(spec.get("properties") or {}, common, sends.get(name, {})),
                observed=observed.subjects.get(name) if observed else None,
                consumers=_consumers(spec.get("consumers")),
            )
        )
    by_name = {e.name: e for e in events}
    objectives = []
    for objective, ospec in sorted((document.get("objectives") or {}).items()):
        kpis = []
        for kpi, kspec in sorted(((ospec or {}).get("kpis") or {}).items()):
            counted = _names((kspec or {}).get("events"))
            here = anchor("kpi", str(objective), str(kpi))
            kpis.append((str(kpi), here, _text((kspec or {}).get("description")), counted))
            for name in counted:
                if name in by_name:
                    by_name[name].kpis.append((f"{objective}/{kpi}", here))
        objectives.append((str(objective), anchor("objective", str(objective)),
                           _text((ospec or {}).get("description")), kpis))  # fmt: skip
    lifecycle = []
    for stage in document.get("lifecycle") or []:
        if not isinstance(stage, dict):
            continue
        named = str(stage.get("stage"))
        entering = sorted(
            set(_names(stage.get("events"))) | {e.name for e in events if e.stage == named}
        )
        lifecycle.append((named, _text(stage.get("condition")), entering))
        for name in entering:
            if name in by_name:
                by_name[name].stages.append(named)
    ordered = sorted(releases, key=lambda r: parse_version(r.version) or (0, 0, 0), reverse=True)
    for event in events:
        names = [event.name, *event.renamed_from]
        for release in ordered:
            lines = [
                line.strip("- ").strip()
                for line in release.changelog.splitlines()
                if line.startswith("- ") and any(f"'{n}'" in line for n in names)
            ]
            if lines:
                event.history.append((release.version, lines))

    def section(key: str, inner: str) -> list[PropertyRow]:
        part = document.get(key)
        return _rows(part.get(inner)) if isinstance(part, dict) else []

    return PlanPage(
        id=plan_id,
        title=_text(document.get("title")) or plan_id,
        description=_text(document.get("description")),
        owners=owners,
        sources=sources,
        objectives=objectives,
        lifecycle=lifecycle,
        common=section("common", "properties"),
        identify=section("identify", "traits"),
        group=section("group", "traits"),
        events=events,
        releases=ordered,
        observed=observed,
        consumers=_consumers(document.get("consumers")),
    )
