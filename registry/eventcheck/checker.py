"""One plan version's checker: each call in, its violations out (validators compiled once)."""

from __future__ import annotations

import threading
from typing import Any

from registry.eventcheck import kinds as k
from registry.eventcheck.calls import Malformed
from registry.eventcheck.compiler import Compiler, Validator
from registry.records import record

CHECKED_TYPES = ("track", "identify", "group")
SKIPPED_TYPES = ("page", "screen", "alias")


@record(frozen=True)
class Violation:
    """One problem of one call: its kind (a violation or a warning), subject and detail."""

    kind: str
    subject: str  # the event, or `identify` / `group`
    property: str  # a path inside the payload; "" for the call as a whole
    detail: str


@record(frozen=True)
class Rename:
    new: str
    version: str  # the plan version that has the rename (the one checked, lacking history)


class Checker:
    """Checks calls against a plan's document and schema bundle (release artifacts)."""

    def __init__(self, document: dict[str, Any], bundle: dict[str, Any],
                 renamed_in: dict[str, str] | None = None) -> None:  # fmt: skip
        self.plan = str(document.get("plan", ""))
        self.version = str(document.get("version", ""))
        defs = _mapping(bundle.get("$defs"))
        self.schemas: dict[str, dict[str, Any]] = _mapping(defs.get("events"))
        self.traits = {"identify": _mapping(defs.get("identify")),
                       "group": _mapping(defs.get("group"))}  # fmt: skip
        self.events: dict[str, dict[str, Any]] = {
            name: spec for name, spec in _mapping(document.get("events")).items()
            if isinstance(spec, dict)
        }  # fmt: skip
        self.renames: dict[str, Rename] = {}
        for name, spec in sorted(self.events.items()):
            olds = spec.get("renamed_from")
            for old in olds if isinstance(olds, list) else ():
                when = (renamed_in or {}).get(old, self.version)
                self.renames.setdefault(str(old), Rename(name, when))
        self._validators: dict[str, Validator] = {}
        self._compiler = Compiler()
        self._lock = threading.Lock()  # the read API shares a checker between threads
        # Planned events neither renamed nor deprecated, by name: their compiled validator.
        self._plain: dict[str, Validator] = {}

    def validator(self, key: str) -> Validator:
        """The compiled validator of an event (or of `identify` / `group` traits), compiled
        when first needed: most calls name a few events of a large plan."""
        found = self._validators.get(key)
        if found is not None:
            return found
        with self._lock:
            found = self._validators.get(key)
            if found is not None:
                return found
            if key in self.traits:
                found = self._compiler.compile_object(self.traits[key], k.UNKNOWN_TRAIT)
            else:
                found = self._compiler.compile_object(self.schemas[key], k.UNPLANNED_PROPERTY)
            self._validators[key] = found
        return found

    def check(self, call: Any) -> tuple[str, str, list[Violation]] | Malformed:
        """(call type, subject, findings) of one decoded call, or why it is not a call.
        Page, screen and alias calls come back with no findings: the plan has none."""
        # The fast path, for what most calls are: a track call of a planned, current event.
        if type(call) is dict and call.get("type", "track") == "track":
            event = call.get("event")
            properties = call.get("properties", _NONE)
            if type(properties) is dict and type(event) is str and event in self._plain:
                out: list[tuple[str, str, Any, str]] = []
                self._plain[event](properties, out)
                return "track", event, [Violation(f[0], event, f[1], f[3]) for f in out]
        return self._check(call)

    def _check(self, call: Any) -> tuple[str, str, list[Violation]] | Malformed:
        if not isinstance(call, dict):
            return Malformed("not a JSON object")
        kind = call.get("type")
        if kind is None:
            kind = "track" if "event" in call else None
        if kind not in CHECKED_TYPES:
            if kind in SKIPPED_TYPES:
                return str(kind), str(kind), []
            return Malformed(f"unknown call type {kind!r}" if kind else "no `type` and no `event`")
        if kind == "track":
            return self._track(call)
        traits = call.get("traits")
        if traits is None and isinstance(call.get("context"), dict):
            traits = call["context"].get("traits")  # Segment's spec allows both places
        traits = {} if traits is None else traits
        if not isinstance(traits, dict):
            return Malformed("`traits` is not an object")
        out: list[tuple[str, str, Any, str]] = []
        self.validator(kind)(traits, out)
        return kind, kind, [Violation(f[0], kind, f[1], f[3]) for f in out]

    def _track(self, call: dict[str, Any]) -> tuple[str, str, list[Violation]] | Malformed:
        event = call.get("event")
        if not isinstance(event, str):
            return Malformed("a track call without an `event` name")
        properties = call.get("properties")
        properties = {} if properties is None else properties
        if not isinstance(properties, dict):
            return Malformed("`properties` is not an object")
        findings: list[Violation] = []
        name = event
        if event not in self.schemas:
            rename = self.renames.get(event)
            if rename is None:
                said = f"not in plan {self.plan} {self.version}"
                return "track", event, [Violation(k.UNPLANNED_EVENT, event, "", said)]
            said = f"renamed to '{rename.new}' in {self.plan} {rename.version}; send that name"
            findings.append(Violation(k.RENAMED_EVENT, event, "", said))
            name = rename.new
        deprecated = self.events.get(name, {}).get("deprecated")
        if deprecated:
            findings.append(Violation(k.DEPRECATED_EVENT, event, "", _deprecation(deprecated)))
        out: list[tuple[str, str, Any, str]] = []
        validator = self.validator(name)
        if not findings and name == event:
            self._plain[event] = validator  # next time: the fast path
        validator(properties, out)
        findings += [Violation(f[0], event, f[1], f[3]) for f in out]
        return "track", event, findings


_NONE: dict[str, Any] = {}


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _deprecation(value: Any) -> str:
    if not isinstance(value, dict):
        return "deprecated"
    parts = ["deprecated"]
    if value.get("reason"):
        parts.append(str(value["reason"]).rstrip("."))
    if value.get("replaced_by"):
        parts.append(f"use '{value['replaced_by']}' instead")
    if value.get("sunset"):
        parts.append(f"sunset {value['sunset']}")
    return "; ".join(parts)
