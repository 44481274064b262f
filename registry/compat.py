"""JSON Schema compatibility: what changed between two schemas and which way it cuts.

    >>> from registry.compat import compare
    >>> result = compare({"type": "number"}, {"type": "integer"})
    >>> [(d.kind, d.pointer, d.narrows) for d in result.differences]
    [('type-narrowed', '/type', True)]
    >>> result.backward   # does the new schema accept everything the old one accepted?
    False

`backward` is True when every instance valid under OLD is valid under NEW (data already
produced keeps validating). Forward compatibility is the same question the other way round:
`compare(new, old).backward`. The check is conservative: when it cannot tell (two different
patterns, say), it reports the difference as both narrowing and widening.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

Schema = dict[str, Any] | bool

ANNOTATION_KEYS = ("title", "description", "examples", "default", "deprecated", "$comment")
# (keyword, kind stem, True when a larger value accepts more)
BOUNDS = (
    ("minimum", "minimum", False),
    ("exclusiveMinimum", "exclusive-minimum", False),
    ("maximum", "maximum", True),
    ("exclusiveMaximum", "exclusive-maximum", True),
    ("minLength", "min-length", False),
    ("maxLength", "max-length", True),
    ("minItems", "min-items", False),
    ("maxItems", "max-items", True),
)
TEXT_CONSTRAINTS = (("pattern", "pattern"), ("format", "format"))
ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})


@dataclass(frozen=True)
class Difference:
    """One difference: its kind, where (a JSON pointer into the schema), and which way it cuts.

    `narrows`: NEW rejects some instance OLD accepted. `widens`: NEW accepts some instance OLD
    rejected. Annotation changes (description, examples...) do neither.
    """

    kind: str
    pointer: str
    old: Any
    new: Any
    narrows: bool
    widens: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "pointer": self.pointer, "old": self.old, "new": self.new,
            "narrows": self.narrows, "widens": self.widens,
        }  # fmt: skip


@dataclass(frozen=True)
class Comparison:
    differences: tuple[Difference, ...]
    backward: bool

    def to_dict(self) -> dict[str, Any]:
        return {"backward": self.backward, "differences": [d.to_dict() for d in self.differences]}


def compare(old_schema: Schema, new_schema: Schema) -> Comparison:
    """Compare two JSON Schemas (the subset plans use; `$ref` within each document)."""
    walker = _Walker(old_schema, new_schema)
    walker.schema(old_schema, new_schema, "")
    found = sorted(walker.found, key=lambda d: (d.pointer, d.kind, _canon(d.old), _canon(d.new)))
    return Comparison(tuple(found), not any(d.narrows for d in found))


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _escape(key: str) -> str:
    return key.replace("~", "~0").replace("/", "~1")


class _Walker:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)
        self.found: list[Difference] = []
        self._active: set[tuple[int, int]] = set()

    def add(self, kind: str, pointer: str, old: Any, new: Any, narrows: bool, widens: bool) -> None:
        self.found.append(Difference(kind, pointer, old, new, narrows, widens))

    def resolve(self, schema: Schema, root: Schema) -> Schema:
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            if ref in seen or not ref.startswith("#"):
                return {k: v for k, v in schema.items() if k != "$ref"}
            seen.add(ref)
            target: Any = root
            for part in ref[1:].split("/")[1:]:
                part = part.replace("~1", "/").replace("~0", "~")
                target = target.get(part) if isinstance(target, dict) else None
            if not isinstance(target, (dict, bool)):
                return {k: v for k, v in schema.items() if k != "$ref"}
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **rest} if isinstance(target, dict) and rest else target
        return schema

    def schema(self, old: Schema, new: Schema, pointer: str) -> None:
        old = self.resolve(old, self.roots[0])
        new = self.resolve(new, self.roots[1])
        key = (id(old), id(new))
        if key in self._active:  # a recursive schema: this pair is being compared already
            return
        self._active.add(key)
        try:
            self._schema(old, new, pointer)
        finally:
            self._active.discard(key)

    def _schema(self, old: Schema, new: Schema, pointer: str) -> None:
        if isinstance(old, bool) or isinstance(new, bool):
            old_all = old is True or old == {}
            new_all = new is True or new == {}
            if old != new and not (old_all and new_all):
                narrows = old is not False and new is not True
                widens = new is not False and old is not True
                self.add("schema-changed", pointer or "/", old, new, narrows, widens)
            return
        self.types(old, new, pointer)
        self.enums(old, new, pointer)
        self.const(old, new, pointer)
        for keyword, stem in TEXT_CONSTRAINTS:
            self.text_constraint(old, new, pointer, keyword, stem)
        for keyword, stem, larger_accepts_more in BOUNDS:
            self.bound(old, new, pointer, keyword, stem, larger_accepts_more)
        self.items(old, new, pointer)
        self.objects(old, new, pointer)
        for keyword in ANNOTATION_KEYS:
            if old.get(keyword) != new.get(keyword):
                self.add(f"{keyword.lstrip('$')}-changed", f"{pointer}/{keyword}",
                         old.get(keyword), new.get(keyword), False, False)  # fmt: skip

    def types(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        before, after = _types(old), _types(new)
        if before == after:
            return
        if after <= before:
            kind, narrows, widens = "type-narrowed", True, False
        elif before <= after:
            kind, narrows, widens = "type-widened", False, True
        else:
            kind, narrows, widens = "type-changed", True, True
        self.add(kind, f"{pointer}/type", old.get("type"), new.get("type"), narrows, widens)

    def enums(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        before, after = old.get("enum"), new.get("enum")
        where = f"{pointer}/enum"
        if before is None and after is None:
            return
        if before is None:
            self.add("enum-added", where, None, after, True, False)
            return
        if after is None:
            self.add("enum-removed", where, before, None, False, True)
            return
        old_keys = {_canon(v): v for v in before}
        new_keys = {_canon(v): v for v in after}
        for key in sorted(set(old_keys) - set(new_keys)):
            self.add("enum-value-removed", where, old_keys[key], None, True, False)
        for key in sorted(set(new_keys) - set(old_keys)):
            self.add("enum-value-added", where, None, new_keys[key], False, True)

    def const(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        has_old, has_new = "const" in old, "const" in new
        if not has_old and not has_new:
            return
        before, after = old.get("const"), new.get("const")
        where = f"{pointer}/const"
        if has_old and has_new and _canon(before) != _canon(after):
            self.add("const-changed", where, before, after, True, True)
        elif has_new and not has_old:
            self.add("const-added", where, None, after, True, False)
        elif has_old and not has_new:
            self.add("const-removed", where, before, None, False, True)

    def text_constraint(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                        keyword: str, stem: str) -> None:  # fmt: skip
        self.bound(old, new, pointer, keyword, stem, None)

    def bound(self, old: dict[str, Any], new: dict[str, Any], pointer: str, keyword: str,
              stem: str, larger_accepts_more: bool | None) -> None:  # fmt: skip
        """A constraint added narrows, removed widens; a changed bound moves one way (when
        `larger_accepts_more` says which), anything else changed cuts both ways."""
        before, after = old.get(keyword), new.get(keyword)
        if before == after:
            return
        where = f"{pointer}/{keyword}"
        numbers = isinstance(before, (int, float)) and isinstance(after, (int, float))
        if before is None:
            self.add(f"{stem}-added", where, None, after, True, False)
        elif after is None:
            self.add(f"{stem}-removed", where, before, None, False, True)
        elif larger_accepts_more is None or not numbers:
            self.add(f"{stem}-changed", where, before, after, True, True)
        else:
            more = (after > before) == larger_accepts_more
            self.add(f"{stem}-{'relaxed' if more else 'tightened'}", where, before, after,
                     not more, more)  # fmt: skip

    def items(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        if "items" not in old and "items" not in new:
            return
        self.schema(old.get("items", True), new.get("items", True), f"{pointer}/items")

    def objects(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        old_props: dict[str, Any] = old.get("properties") or {}
        new_props: dict[str, Any] = new.get("properties") or {}
        old_extra = old.get("additionalProperties", True)
        new_extra = new.get("additionalProperties", True)
        for name in sorted(set(old_props) | set(new_props)):
            where = f"{pointer}/properties/{_escape(name)}"
            if name in old_props and name in new_props:
                self.schema(old_props[name], new_props[name], where)
            elif name in new_props:
                # What the old schema allowed for this name: its additionalProperties.
                self.member("property-added", where, old_extra, new_props[name], None, name)
            else:
                self.member("property-removed", where, old_props[name], new_extra, name, None)
        self.required(old, new, pointer)
        if old_extra != new_extra:
            self.content_model(old_extra, new_extra, pointer)

    def member(self, kind: str, where: str, old: Any, new: Any, old_name: str | None,
               new_name: str | None) -> None:  # fmt: skip
        sub = _Walker(self.roots[0], self.roots[1])
        sub.schema(old, new, where)
        narrows = any(d.narrows for d in sub.found)
        widens = any(d.widens for d in sub.found)
        self.add(kind, where, old_name, new_name, narrows, widens)

    def required(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        before, after = set(old.get("required") or []), set(new.get("required") or [])
        for name in sorted(after - before):
            self.add("required-added", f"{pointer}/required", None, name, True, False)
        for name in sorted(before - after):
            self.add("required-removed", f"{pointer}/required", name, None, False, True)

    def content_model(self, old: Any, new: Any, pointer: str) -> None:
        where = f"{pointer}/additionalProperties"
        if new is False and old is not False:
            self.add("additional-properties-closed", where, old, new, True, False)
        elif old is False and new is not False:
            self.add("additional-properties-opened", where, old, new, False, True)
        else:
            self.schema(old, new, where)


def _types(schema: dict[str, Any]) -> frozenset[str]:
    """The JSON types a schema's `type` accepts; integer is a subset of number."""
    declared = schema.get("type")
    if declared is None:
        return ALL_TYPES
    if isinstance(declared, str):
        names = {declared}
    elif isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        names = set(declared)
    else:  # not a schema (`type: 5`): validation reports it; take it as accepting anything
        return ALL_TYPES
    if "number" in names:
        names.add("integer")
    return frozenset(names)
