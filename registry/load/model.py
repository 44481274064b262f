"""The registry model: plans, events, properties and traits keyed by name, with their places."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import cached_property
from typing import TYPE_CHECKING, Any

from registry.findings import Location
from registry.load.codeowners import CodeOwners
from registry.load.settings import Settings
from registry.load.yamlsafe import Path, YamlDocument
from registry.records import field, record

if TYPE_CHECKING:
    from registry.load.policy import Policy
    from registry.load.waivers import Waiver


class Definition:
    """Something defined in one place of one file: where, and the mapping as written.

    Its kinds keep their fields in slots: a registry of 20,000 events holds half a million
    properties, and a property with a dict and a path tuple of its own cost 192 bytes."""

    __slots__ = ()
    name: str
    spec: dict[str, Any]
    file: str
    doc: YamlDocument

    # Event stores its place, Property makes it when asked; declared for the type checker
    # only (a property here would be taken for the dataclass field's default).
    if TYPE_CHECKING:

        @property
        def path(self) -> Path:
            """Where the definition's key stands inside the file."""

    @property
    def location(self) -> Location:
        """Looked up when asked for: most definitions are never reported."""
        line, column = self.doc.position(self.path)
        return Location(self.file, line, column)


@record(slots=True)
class Property(Definition):
    """A property or trait; `spec` keeps the YAML sugar (`required`, `$ref`, ...).

    Its place is `(*at, name)`, made when asked for: the map's place `at` is one tuple shared
    by all its properties (80 bytes a property, not 192). `place` overrides it where a
    property stands for something written elsewhere (a diff reports it at its event)."""

    name: str
    spec: dict[str, Any]
    file: str
    at: Path  # the place of the map the property's key stands in
    doc: YamlDocument = field(repr=False, compare=False)
    place: Path | None = None

    @classmethod
    def placed(cls, name: str, spec: dict[str, Any], file: str, path: Path,
               doc: YamlDocument) -> Property:  # fmt: skip
        """A property reported at `path` whatever its name."""
        return cls(name, spec, file, (), doc, path)

    @property
    def path(self) -> Path:
        return (*self.at, self.name) if self.place is None else self.place


@record(slots=True)
class Event(Definition):
    name: str
    spec: dict[str, Any]
    file: str
    path: Path  # where the event's key stands inside the file
    doc: YamlDocument = field(repr=False, compare=False)
    # Built when first asked for (a diff skips most events), then kept.
    _properties: dict[str, Property] | None = field(default=None, init=False, repr=False,
                                                    compare=False)  # fmt: skip
    _cases: list[Case] | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def properties(self) -> dict[str, Property]:
        """The event's own properties, built when first asked for."""
        if self._properties is None:
            props = self.spec.get("properties")
            at = (*self.path, "properties")
            self._properties = {
                name: Property(name, spec, self.file, at, self.doc)
                for name, spec in props.items()
                if isinstance(spec, dict)
            } if isinstance(props, dict) else {}  # fmt: skip
        return self._properties

    def property_names(self) -> list[str]:
        """The names `properties` holds, without building them (a rename search over every
        event of a plan needs only these)."""
        if self._properties is not None:
            return list(self._properties)
        props = self.spec.get("properties")
        if not isinstance(props, dict):
            return []
        return [name for name, spec in props.items() if isinstance(spec, dict)]

    @property
    def cases(self) -> list[Case]:
        """The cases of the event's `variants`, built when first asked for."""
        if self._cases is None:
            self._cases = event_cases(self) if "variants" in self.spec else []
        return self._cases


@record
class Case:
    """One case of an event's `variants`: when the discriminator holds one of `match`
    (or none of the variant's cases, for its `default`), `properties` apply as well."""

    discriminator: str
    match: tuple[Any, ...] | None  # None: the default
    properties: dict[str, Property]
    path: Path  # the case's place in the file
    name: str | None = None
    description: str | None = None

    @property
    def variant(self) -> Path:
        """The place of the variant the case belongs to (its discriminator's parent)."""
        return self.path[:-1] if self.match is None else self.path[:-2]

    @property
    def key(self) -> str:
        """The case by meaning (discriminator and values), as the diff matches it."""
        if self.match is None:
            return f"{self.discriminator} is anything else"
        return f"{self.discriminator} is " + " or ".join(_shown(m) for m in self.match)


def _shown(value: Any) -> str:
    """A discriminator value in a message: a string quoted, anything else as JSON."""
    return repr(value) if isinstance(value, str) else json.dumps(value, sort_keys=True)


def event_cases(event: Event) -> list[Case]:
    """Each case of the event's `variants` (a discriminator and its cases), in file order."""
    variants = event.spec.get("variants")
    found: list[Case] = []
    for index, variant in enumerate(variants if isinstance(variants, list) else ()):
        if not isinstance(variant, dict) or not isinstance(variant.get("discriminator"), str):
            continue
        at = (*event.path, "variants", index)
        cases = variant.get("cases")
        entries = [(c, (*at, "cases", i)) for i, c in enumerate(cases if isinstance(cases, list)
                                                                else ())]  # fmt: skip
        if isinstance(variant.get("default"), dict):
            entries.append((variant["default"], (*at, "default")))
        for case, case_at in entries:
            if not isinstance(case, dict):
                continue
            match = case.get("match") if case_at[-1] != "default" else None
            if case_at[-1] != "default" and not isinstance(match, list):
                continue
            props = case.get("properties")
            properties_at = (*case_at, "properties")
            found.append(Case(
                variant["discriminator"],
                tuple(match) if isinstance(match, list) else None,
                {name: Property(name, spec, event.file, properties_at, event.doc)
                 for name, spec in (props.items() if isinstance(props, dict) else ())
                 if isinstance(spec, dict)},
                case_at,
                case.get("name") if isinstance(case.get("name"), str) else None,
                case.get("description") if isinstance(case.get("description"), str) else None,
            ))  # fmt: skip
    return found


# The kinds of property map a plan has, keyed by the section they come from.
COMMON = "common"
IDENTIFY = "identify"
GROUP = "group"
SHARED = "properties"
VARIANTS = "variants"  # the properties a case of an event's variants brings


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


@record(frozen=True)
class Kpi:
    """A KPI of an objective, and the events it counts (names only, as written)."""

    objective: str
    id: str
    events: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"KPI '{self.objective}/{self.id}'"


@record(frozen=True)
class Stage:
    """A lifecycle stage: its place in `lifecycle:` (for locations), its name as written
    (None when it has none) and the events that enter it."""

    index: int
    name: Any
    events: tuple[str, ...]

    @property
    def label(self) -> str:
        return f"lifecycle stage '{self.name}'"


@record
class Plan:
    """One plan folder, its files merged."""

    id: str
    folder: str
    files: list[str] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    meta_file: str | None = None
    meta_location: Location | None = None
    common: dict[str, Property] = field(default_factory=dict)
    identify: dict[str, Property] = field(default_factory=dict)
    group: dict[str, Property] = field(default_factory=dict)
    shared: dict[str, Property] = field(default_factory=dict)
    events: dict[str, Event] = field(default_factory=dict)

    def property_maps(self) -> Iterator[tuple[str, str | None, dict[str, Property]]]:
        """Every property map of the plan: (section, event name or None, map)."""
        yield SHARED, None, self.shared
        yield COMMON, None, self.common
        yield IDENTIFY, None, self.identify
        yield GROUP, None, self.group
        for name in sorted(self.events):
            yield "events", name, self.events[name].properties
            for case in self.events[name].cases:
                yield VARIANTS, name, case.properties

    @property
    def location(self) -> Location:
        return self.meta_location or Location(f"{self.folder}/plan.yaml")

    # Typed views of the plan's metadata, which is kept as written (the diff compares it
    # whole): what is not of the expected shape is simply not there.

    def section(self, key: str) -> dict[str, Any]:
        """`sources:` or `objectives:` of the plan, by name ({} when absent or malformed)."""
        value = self.meta.get(key)
        return value if isinstance(value, dict) else {}

    def kpis(self) -> list[Kpi]:
        """Every KPI of every objective, in the order the plan writes them."""
        found = []
        for objective, spec in self.section("objectives").items():
            kpis = spec.get("kpis") if isinstance(spec, dict) else None
            for kpi, kpi_spec in kpis.items() if isinstance(kpis, dict) else []:
                events = kpi_spec.get("events") if isinstance(kpi_spec, dict) else None
                found.append(Kpi(str(objective), str(kpi), _strings(events)))
        return found

    def stages(self) -> list[Stage]:
        """The lifecycle stages in their order (entries that are no mapping left out)."""
        lifecycle = self.meta.get("lifecycle")
        return [
            Stage(index, stage.get("stage"), _strings(stage.get("events")))
            for index, stage in enumerate(lifecycle if isinstance(lifecycle, list) else [])
            if isinstance(stage, dict)
        ]


@record
class Registry:
    """A loaded registry: settings, plans by id, and the parsed files for positions."""

    settings: Settings
    plans: dict[str, Plan]
    documents: dict[str, YamlDocument]
    # The CODEOWNERS file GitHub uses (first of .github/, root, docs/) and its text.
    codeowners_path: str | None = None
    codeowners_text: str = ""
    # waivers.yaml: changes accepted on purpose (registry.load.waivers).
    waivers: tuple[Waiver, ...] = ()
    # The policy this registry is judged by when it is not its own (a pull request's HEAD
    # is judged by BASE's: registry.load.policy); None: its own settings and plan conventions.
    policy_from: Policy | None = None

    @property
    def policy(self) -> Policy:
        """The policy this registry is judged by: `policy_from`, else its own."""
        return self.policy_from or self.own_policy

    @cached_property
    def own_policy(self) -> Policy:
        """The settings and plan conventions as this registry's own files write them."""
        from registry.load.policy import HEAD, Policy

        return Policy.of(self, HEAD)

    @cached_property
    def codeowners(self) -> CodeOwners:
        return CodeOwners.from_text(self.codeowners_text)

    def locate(self, file: str, path: Path) -> Location:
        """The place of `path` inside `file` (its nearest recorded ancestor)."""
        doc = self.documents.get(file)
        if doc is None:
            return Location(file)
        line, column = doc.position(path)
        return Location(file, line, column)


@record(frozen=True)
class SpecAt:
    """A property spec found by `walk_properties`; `name` is None for an array's `items`."""

    name: str | None
    spec: dict[str, Any]
    path: Path


def property_names(segments: tuple[str, ...]) -> list[str]:
    """The property names a subject's path walks through after its owner (`properties/a/items/
    properties/b` -> `[a, b]`); a property literally named `properties` is a name here."""
    names, i = [], 0
    while i < len(segments):
        if segments[i] in ("properties", "traits") and i + 1 < len(segments):
            names.append(segments[i + 1])
            i += 2
        elif segments[i] == "items":
            i += 1
        else:
            break
    return names


def walk_properties(props: dict[str, Any], path: Path) -> Iterator[SpecAt]:
    """Each property spec of a map, nested `properties` and array `items` included."""
    for name, spec in props.items():
        if isinstance(spec, dict):
            yield SpecAt(name, spec, (*path, name))
            yield from _walk_nested(spec, (*path, name))


def _walk_nested(spec: dict[str, Any], path: Path) -> Iterator[SpecAt]:
    nested = spec.get("properties")
    if isinstance(nested, dict):
        yield from walk_properties(nested, (*path, "properties"))
    items = spec.get("items")
    if isinstance(items, dict):
        yield SpecAt(None, items, (*path, "items"))
        yield from _walk_nested(items, (*path, "items"))
    for keyword in ("anyOf", "oneOf"):  # each definition of a combinator, like an item
        branches = spec.get(keyword)
        for index, branch in enumerate(branches if isinstance(branches, list) else ()):
            if isinstance(branch, dict):
                yield SpecAt(None, branch, (*path, keyword, index))
                yield from _walk_nested(branch, (*path, keyword, index))
