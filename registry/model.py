"""The registry model: plans, events, properties and traits keyed by name, with their places."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from registry.codeowners import CodeOwners
from registry.findings import Location
from registry.settings import Settings
from registry.yamlsafe import Path, YamlDocument

if TYPE_CHECKING:
    from registry.policy import Policy


@dataclass
class Definition:
    """Something defined in one place of one file: where, and the mapping as written."""

    name: str
    spec: dict[str, Any]
    file: str
    path: Path  # where the definition's key stands inside the file
    doc: YamlDocument = field(repr=False, compare=False)

    @property
    def location(self) -> Location:
        """Looked up when asked for: most definitions are never reported."""
        line, column = self.doc.position(self.path)
        return Location(self.file, line, column)


@dataclass
class Property(Definition):
    """A property or trait; `spec` keeps the YAML sugar (`required`, `$ref`, ...)."""


@dataclass
class Event(Definition):
    @cached_property
    def properties(self) -> dict[str, Property]:
        """The event's own properties, built when first asked for (a diff skips most events)."""
        props = self.spec.get("properties")
        if not isinstance(props, dict):
            return {}
        at = (*self.path, "properties")
        return {
            name: Property(name, spec, self.file, (*at, name), self.doc)
            for name, spec in props.items()
            if isinstance(spec, dict)
        }


# The kinds of property map a plan has, keyed by the section they come from.
COMMON = "common"
IDENTIFY = "identify"
GROUP = "group"
SHARED = "properties"


@dataclass
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

    @property
    def location(self) -> Location:
        return self.meta_location or Location(f"{self.folder}/plan.yaml")


@dataclass
class Registry:
    """A loaded registry: settings, plans by id, and the parsed files for positions."""

    settings: Settings
    plans: dict[str, Plan]
    documents: dict[str, YamlDocument]
    # The CODEOWNERS file GitHub uses (first of .github/, root, docs/) and its text.
    codeowners_path: str | None = None
    codeowners_text: str = ""
    # The policy this registry is judged by when it is not its own (a pull request's HEAD
    # is judged by BASE's: registry.policy); None: its own settings and plan conventions.
    policy_from: Policy | None = None

    @property
    def policy(self) -> Policy:
        from registry.policy import HEAD, Policy

        if self.policy_from is None:
            self.policy_from = Policy.of(self, HEAD)
        return self.policy_from

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


@dataclass(frozen=True)
class SpecAt:
    """A property spec found by `walk_properties`; `name` is None for an array's `items`."""

    name: str | None
    spec: dict[str, Any]
    path: Path


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
