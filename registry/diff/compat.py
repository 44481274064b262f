"""JSON Schema compatibility: what changed between two schemas and which way it cuts.

    >>> from registry.diff.compat import compare
    >>> result = compare({"type": "number"}, {"type": "integer"})
    >>> [(d.kind, d.pointer, d.narrows) for d in result.differences]
    [('type-narrowed', '/type', True)]
    >>> result.backward   # does the new schema accept everything the old one accepted?
    False

`backward` is True when every instance valid under OLD is valid under NEW (data already
produced keeps validating). Forward compatibility is the same question the other way round:
`compare(new, old).backward`.

The check is sound and total: it accepts any JSON value as either schema and never raises,
and when it says `backward` no instance valid under OLD fails NEW. Where it cannot decide
(two different patterns, an unknown format, a validating keyword it does not model) it
reports the difference as narrowing and widening (kind `unknown` for what it does not
model), never as compatible. A keyword no draft validates with (Iglu's `self`, `x-...`,
`labels`) is an annotation, as JSON Schema has it: `annotation-changed`, neither way. A
keyword that constrains only some types (`required` objects, `minLength` strings...)
cannot narrow a schema whose `type` excluded those types, nor widen one that excludes them.
It knows the keywords of JSON Schema drafts 4 to 2020-12 that constrain
instances: types, enum/const, numeric and length bounds, multipleOf, patterns and formats,
objects (properties, required, additionalProperties, patternProperties, dependencies,
dependentRequired, dependentSchemas, min/maxProperties), arrays (items as a schema or a
tuple, additionalItems, prefixItems, min/maxItems, uniqueItems), not, allOf, anyOf, oneOf.
A keyword the rest of the schema already implies narrows nothing: an old schema with a
finite `enum`/`const` is checked value by value, and a length bound is weighed against what
an anchored pattern allows.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable
from typing import Any

from registry.escape import pointer_name, pointer_token
from registry.lint import patterns
from registry.records import field, record, replace

Schema = Any  # any JSON value: a dict or a bool is a schema; anything else is treated as unknown

# Keywords that annotate and never constrain an instance.
ANNOTATION_KEYS = ("title", "description", "examples", "default", "deprecated", "$comment")
# Keywords that do validate (in some draft, or for this checker: an unresolved `$ref`) but are
# not modelled: a change to one is `unknown`. Any other keyword it does not know is an
# annotation, as JSON Schema treats it (Iglu's `self`, vendor `x-...` keys, Segment's
# `labels`): listed where it changes, never a reason to doubt compatibility.
UNMODELLED = frozenset({
    "unevaluatedProperties", "unevaluatedItems", "contentEncoding", "contentMediaType",
    "contentSchema", "$recursiveRef", "extends", "disallow", "divisibleBy", "x-unresolved-ref",
})  # fmt: skip
IGNORED_KEYS = frozenset({
    "$schema", "$id", "id", "$anchor", "$dynamicAnchor", "$vocabulary", "definitions",
    "$defs", "readOnly", "writeOnly", "x-pii", "$ref", "$dynamicRef",
})  # fmt: skip
# (keyword, kind stem, True when a larger value accepts more)
BOUNDS = (
    ("minLength", "min-length", False),
    ("maxLength", "max-length", True),
    ("minItems", "min-items", False),
    ("maxItems", "max-items", True),
    ("minProperties", "min-properties", False),
    ("maxProperties", "max-properties", True),
    ("minContains", "min-contains", False),
    ("maxContains", "max-contains", True),
)
ALL_TYPES = frozenset({"string", "number", "integer", "boolean", "object", "array", "null"})
COMBINATORS = ("allOf", "anyOf", "oneOf")
MODELLED = frozenset({
    "type", "enum", "const", "pattern", "format", "minimum", "maximum", "exclusiveMinimum",
    "exclusiveMaximum", "multipleOf", "items", "additionalItems", "prefixItems", "properties",
    "required", "additionalProperties", "patternProperties", "dependencies",
    "dependentRequired", "dependentSchemas", "not", "uniqueItems", *COMBINATORS,
    "if", "then", "else", "propertyNames", "contains", "minContains", "maxContains",
    *(k for k, _, _ in BOUNDS),
})  # fmt: skip
# The instance types each keyword constrains: an instance of another type passes it. A change
# to one cannot narrow what a schema whose `type` excludes those types accepted (it accepted
# none of them), nor widen what a schema that excludes them accepts.
APPLIES_TO: dict[str, frozenset[str]] = {
    **dict.fromkeys(("properties", "required", "additionalProperties", "patternProperties",
                     "dependencies", "dependentRequired", "dependentSchemas", "minProperties",
                     "maxProperties", "propertyNames"), frozenset({"object"})),
    **dict.fromkeys(("items", "additionalItems", "prefixItems", "minItems", "maxItems",
                     "uniqueItems", "contains", "minContains", "maxContains"),
                    frozenset({"array"})),
    **dict.fromkeys(("minLength", "maxLength", "pattern", "format"), frozenset({"string"})),
    **dict.fromkeys(("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum",
                     "multipleOf"), frozenset({"number", "integer"})),
}  # fmt: skip
MAX_DEPTH = 64  # deeper schemas are compared as `unknown` below this depth
PROOF_BUDGET = 2000  # combinator proofs one comparison may try


@record(frozen=True)
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
    # How a message shows the old and new bound (`0`, `0 (exclusive)`): `old` and `new` hold
    # the numbers as written, which cannot tell `minimum: 0` from `exclusiveMinimum: 0`.
    shown: tuple[str | None, str | None] | None = field(default=None, compare=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind, "pointer": self.pointer, "old": self.old, "new": self.new,
            "narrows": self.narrows, "widens": self.widens,
        }  # fmt: skip


@record(frozen=True)
class Comparison:
    differences: tuple[Difference, ...]
    backward: bool

    def to_dict(self) -> dict[str, Any]:
        return {"backward": self.backward, "differences": [d.to_dict() for d in self.differences]}


def compare(old_schema: Schema, new_schema: Schema) -> Comparison:
    """Compare two JSON Schemas (`$ref` within each document); never raises."""
    walker = _Walker(old_schema, new_schema)
    try:
        walker.schema(old_schema, new_schema, "", 0)
    except RecursionError:  # pragma: no cover - MAX_DEPTH keeps far below Python's limit
        walker.found = [Difference("unknown", "", None, None, True, True)]
    found = sorted(walker.found, key=lambda d: (d.pointer, d.kind, _canon(d.old), _canon(d.new)))
    return Comparison(tuple(found), not any(d.narrows for d in found))


def _canon(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value) if math.isfinite(value) else None


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _schema_list(value: Any) -> list[Any] | None:
    return value if isinstance(value, list) else None


def _is_schema(value: Any) -> bool:
    return isinstance(value, (dict, bool))


def _accepts_everything(schema: Schema) -> bool:
    if schema is True:
        return True
    if not isinstance(schema, dict):
        return False
    return all(k in ANNOTATION_KEYS or (k in IGNORED_KEYS and k != "$ref") for k in schema)


class _Walker:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)
        self.found: list[Difference] = []
        self._active: set[tuple[int, int]] = set()
        # Shared by a comparison's sub-walkers: proofs already made, and how many more may be
        # tried (combinators nest; past the budget the answer is "cannot prove").
        self._memo: dict[tuple[str, str], bool] = {}
        self._budget = [PROOF_BUDGET]
        self.same_roots = _canon(old_root) == _canon(new_root)

    def add(self, kind: str, pointer: str, old: Any, new: Any, narrows: bool, widens: bool,
            shown: tuple[str | None, str | None] | None = None) -> None:  # fmt: skip
        self.found.append(Difference(kind, pointer or "/", old, new, narrows, widens, shown))

    def sub(self) -> _Walker:
        walker = _Walker(*self.roots)
        walker._active, walker._memo, walker._budget = self._active, self._memo, self._budget
        walker.same_roots = self.same_roots
        return walker

    def same(self, old: Schema, new: Schema) -> bool:
        """Identical values that accept the same instances: equal as JSON (1 is not true),
        and any `$ref` in them points into the same document."""
        text = _canon(old)
        return text == _canon(new) and ('"$ref"' not in text or self.same_roots)

    def proves(self, old: Schema, new: Schema, depth: int) -> bool:
        """True when `new` accepts every instance `old` accepts (False: unknown or no)."""
        old = self.resolve(old, self.roots[0])
        new = self.resolve(new, self.roots[1])
        if self.same(old, new):
            return True
        key = (_canon(old), _canon(new))
        if key in self._memo:
            return self._memo[key]
        self._budget[0] -= 1
        if depth > MAX_DEPTH or self._budget[0] <= 0:
            return False
        self._memo[key] = False  # while it is being proved: a cycle proves nothing
        proved = self.proves_by_parts(old, new, depth)
        if not proved:
            walker = self.sub()
            walker.schema(old, new, "", depth + 1)
            proved = not any(d.narrows for d in walker.found)
        self._memo[key] = proved
        return proved

    def proves_by_parts(self, old: Schema, new: Schema, depth: int) -> bool:
        """Sufficient conditions through the combinators: old ⊆ new when one conjunct of old
        is within new, when every alternative of old is, or when old is within every part
        of new (allOf) or within one alternative of it (anyOf, or oneOf of disjoint types)."""
        if isinstance(old, dict):
            parts = _split(old)
            if parts is not None:
                base, conjuncts, alternatives = parts
                if any(self.proves(c, new, depth + 1) for c in conjuncts if c is not old):
                    return True
                if alternatives and all(self.proves({"allOf": [a, base]} if base else a, new,
                                                    depth + 1) for a in alternatives):  # fmt: skip
                    return True
        if isinstance(new, dict):
            parts = _split(new)
            if parts is not None:
                base, conjuncts, alternatives = parts
                if not all(self.proves(old, c, depth + 1) for c in conjuncts if c is not new):
                    return False
                if not alternatives:
                    return bool(conjuncts)
                one_of = new.get("oneOf")
                if one_of is not None and not _disjoint(one_of) and len(one_of) > 1:
                    return False
                return any(self.proves(old, a, depth + 1) for a in alternatives)
        return False

    def resolve(self, schema: Schema, root: Schema) -> Schema:
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            if ref in seen or not ref.startswith("#"):
                return {**rest, "x-unresolved-ref": ref}
            seen.add(ref)
            target: Any = root
            for part in ref[1:].split("/")[1:]:
                part = pointer_name(part)
                if isinstance(target, dict):
                    target = target.get(part)
                elif isinstance(target, list) and part.isdigit() and int(part) < len(target):
                    target = target[int(part)]
                else:
                    target = None
            if not _is_schema(target):
                return {**rest, "x-unresolved-ref": ref}
            schema = {**target, **rest} if isinstance(target, dict) and rest else target
        return schema

    def schema(self, old: Schema, new: Schema, pointer: str, depth: int) -> None:
        old = self.resolve(old, self.roots[0])
        new = self.resolve(new, self.roots[1])
        if depth > MAX_DEPTH:
            if _canon(old) != _canon(new):
                self.add("unknown", pointer, None, None, True, True)
            return
        key = (id(old), id(new))
        if key in self._active:  # a recursive schema: this pair is being compared already
            return
        self._active.add(key)
        try:
            self._schema(old, new, pointer, depth)
        finally:
            self._active.discard(key)

    def _schema(self, old: Schema, new: Schema, pointer: str, depth: int) -> None:
        if self.same(old, new):
            return  # the same value (however malformed) accepts the same instances
        if not _is_schema(old) or not _is_schema(new):
            if _canon(old) != _canon(new):
                self.add("unknown", pointer, old, new, True, True)
            return
        if isinstance(old, bool) or isinstance(new, bool):
            self._boolean(old, new, pointer, depth)
            return
        start = len(self.found)
        self.keywords(old, new, pointer, depth)
        self._settle_finite(old, new, pointer, start)
        self._by_type(old, new, pointer, start)
        found = self.found[start:]
        combined = any(k in old or k in new for k in COMBINATORS)
        # Keyword by keyword, `{allOf: [{type: string}]}` looks wider than `{type: string}`:
        # where the combinators prove a direction, its flags are cleared.
        if combined and any(d.narrows for d in found) and self.proves_by_parts(old, new, depth):
            found = [replace(d, narrows=False) for d in found]
        if combined and any(d.widens for d in found) and self.proves_by_parts(new, old, depth):
            found = [replace(d, widens=False) for d in found]
        self.found[start:] = found

    def _boolean(self, old: Schema, new: Schema, pointer: str, depth: int) -> None:
        old_all, new_all = _accepts_everything(old), _accepts_everything(new)
        if old_all and new_all:
            return
        if old is False and new is False:
            return
        if old is False:  # nothing was valid: nothing can break producers
            self.add("schema-changed", pointer, old, new, False, new is not False)
        elif new is False:
            self.add("schema-changed", pointer, old, new, True, False)
        elif new_all:
            self.add("schema-changed", pointer, old, new, False, True)
        else:  # old is `true` (or {}), new constrains: walk it as an empty schema
            self._schema({}, new, pointer, depth)

    def _by_type(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                 start: int) -> None:  # fmt: skip
        """A keyword that constrains only types the old schema rejected narrows nothing, and
        one constraining only types the new schema rejects widens nothing: `string` becoming
        `string | object` with a `required` list is a widening, whatever the object branch
        requires. A difference left with neither direction only describes values one side
        never accepted: dropped (the type's own change says what happened)."""
        before, after = _types(old), _types(new)
        if before == ALL_TYPES and after == ALL_TYPES:
            return
        kept = []
        for d in self.found[start:]:
            keyword = d.pointer[len(pointer) + 1 :].split("/", 1)[0]
            applies = APPLIES_TO.get(keyword)
            if applies is None or not (d.narrows or d.widens):
                kept.append(d)
                continue
            narrows = d.narrows and (before is None or bool(applies & before))
            widens = d.widens and (after is None or bool(applies & after))
            if narrows or widens:
                kept.append(replace(d, narrows=narrows, widens=widens))
        self.found[start:] = kept

    def _settle_finite(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                       start: int) -> None:  # fmt: skip
        """A schema with a finite `enum`/`const` accepts at most those values: checking each
        decides the direction exactly, whatever the keywords say (adding `type: string` to
        an enum of strings narrows nothing). NEW's values decide widening the same way."""
        for side, flag, kind in ((old, "narrows", "enum-value-rejected"),
                                 (new, "widens", "enum-value-accepted")):  # fmt: skip
            values = _finite_values(side)
            if values is None:
                continue
            inside, other = (old, new) if side is old else (new, old)
            roots = self.roots if side is old else self.roots[::-1]
            accepted = _validates(roots[0], inside, values)
            if accepted is None:
                continue  # a schema jsonschema cannot check: keep the keyword verdicts
            kept = [v for v, ok in zip(values, accepted, strict=True) if ok]
            verdicts = _validates(roots[1], other, kept)
            if verdicts is None:
                continue
            moved = not all(verdicts)
            found = self.found[start:]
            if not moved:
                self.found[start:] = [_cleared(d, flag) for d in found]
            elif not any(getattr(d, flag) for d in found):
                narrows = flag == "narrows"
                self.add(kind, pointer, None, None, narrows, not narrows)

    def keywords(self, old: dict[str, Any], new: dict[str, Any], pointer: str, depth: int) -> None:
        self.types(old, new, pointer)
        self.enums(old, new, pointer)
        self.const(old, new, pointer)
        self.numbers(old, new, pointer)
        self.multiple_of(old, new, pointer)
        self.text(old, new, pointer)
        for keyword, stem, larger_accepts_more in BOUNDS:
            self.bound(old, new, pointer, keyword, stem, larger_accepts_more)
        self.lengths_implied(old, new, pointer)
        self.flag(old, new, pointer, "uniqueItems", "unique-items")
        self.arrays(old, new, pointer, depth)
        self.objects(old, new, pointer, depth)
        self.negation(old, new, pointer, depth)
        self.combinators(old, new, pointer, depth)
        self.conditional(old, new, pointer, depth)
        self.subschema(old, new, pointer, depth, "propertyNames")
        self.subschema(old, new, pointer, depth, "contains", absent=False)
        for keyword in ANNOTATION_KEYS:
            if _canon(old.get(keyword)) != _canon(new.get(keyword)):
                self.add(f"{keyword.lstrip('$')}-changed", f"{pointer}/{keyword}",
                         old.get(keyword), new.get(keyword), False, False)  # fmt: skip
        for keyword in sorted((set(old) | set(new)) - MODELLED - IGNORED_KEYS
                              - set(ANNOTATION_KEYS)):  # fmt: skip
            if _canon(old.get(keyword)) != _canon(new.get(keyword)):
                doubt = keyword in UNMODELLED
                self.add("unknown" if doubt else "annotation-changed",
                         f"{pointer}/{pointer_token(keyword)}", old.get(keyword), new.get(keyword),
                         doubt, doubt)  # fmt: skip

    # --- scalars ------------------------------------------------------------------------

    def types(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        before, after = _types(old), _types(new)
        if before is None or after is None:
            if _canon(old.get("type")) != _canon(new.get("type")):
                self.add("unknown", f"{pointer}/type", old.get("type"), new.get("type"), True,
                         True)  # fmt: skip
            return
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
        if (before is not None and not isinstance(before, list)) or (
            after is not None and not isinstance(after, list)
        ):
            if _canon(before) != _canon(after):
                self.add("unknown", where, before, after, True, True)
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
        before, after = old.get("const"), new.get("const")
        where = f"{pointer}/const"
        if has_old and has_new and _canon(before) != _canon(after):
            self.add("const-changed", where, before, after, True, True)
        elif has_new and not has_old:
            self.add("const-added", where, None, after, True, False)
        elif has_old and not has_new:
            self.add("const-removed", where, before, None, False, True)

    def numbers(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        """Lower and upper bounds as intervals: draft-4 boolean exclusives and later numeric
        ones alike, so `minimum: 3` and `exclusiveMinimum: 2` on integers compare as bounds."""
        for side, keys in (("minimum", ("minimum", "exclusiveMinimum")),
                           ("maximum", ("maximum", "exclusiveMaximum"))):  # fmt: skip
            before, after = _bound(old, side), _bound(new, side)
            if _canon([old.get(k) for k in keys]) == _canon([new.get(k) for k in keys]):
                continue
            where = f"{pointer}/{keys[0] if keys[0] in new or keys[0] in old else keys[1]}"
            shown = (old.get(keys[0], old.get(keys[1])), new.get(keys[0], new.get(keys[1])))
            if before == "bad" or after == "bad":
                self.add("unknown", where, *shown, True, True)
                continue
            if before is None and after is None:
                continue
            stem = "minimum" if side == "minimum" else "maximum"
            said = (_bound_text(old, side, before), _bound_text(new, side, after))
            if before is None:
                self.add(f"{stem}-added", where, None, shown[1], True, False, said)
            elif after is None:
                self.add(f"{stem}-removed", where, shown[0], None, False, True, said)
            else:
                lower = side == "minimum"
                narrows = _tighter(after, before, lower, _integers(old))
                widens = _tighter(before, after, lower, _integers(new))
                if narrows or widens:
                    how = "tightened" if narrows and not widens else "relaxed"
                    kind = f"{stem}-{how}" if narrows != widens else f"{stem}-changed"
                    self.add(kind, where, *shown, narrows, widens, said)

    def multiple_of(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        before, after = old.get("multipleOf"), new.get("multipleOf")
        if _canon(before) == _canon(after):
            return
        where = f"{pointer}/multipleOf"
        b, a = _num(before), _num(after)
        if (before is not None and (b is None or b <= 0)) or (after is not None and
                                                              (a is None or a <= 0)):  # fmt: skip
            self.add("unknown", where, before, after, True, True)
        elif b is None:
            self.add("multiple-of-added", where, None, after, a != 1 or not _integers(old),
                     False)  # fmt: skip
        elif a is None:
            self.add("multiple-of-removed", where, before, None, False, True)
        else:
            # Every multiple of b is a multiple of a when b is a multiple of a.
            narrows = not _is_multiple(b, a)
            widens = not _is_multiple(a, b)
            self.add("multiple-of-changed", where, before, after, narrows, widens)

    def text(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        for keyword, stem in (("pattern", "pattern"), ("format", "format")):
            before, after = old.get(keyword), new.get(keyword)
            if _canon(before) == _canon(after):
                continue
            where = f"{pointer}/{keyword}"
            if (before is not None and not isinstance(before, str)) or (
                after is not None and not isinstance(after, str)
            ):
                self.add("unknown", where, before, after, True, True)
            elif before is None:
                self.add(f"{stem}-added", where, None, after, True, False)
            elif after is None:
                self.add(f"{stem}-removed", where, before, None, False, True)
            elif keyword == "format" and not (before in KNOWN_FORMATS and after in KNOWN_FORMATS):
                self.add("unknown", where, before, after, True, True)  # custom formats
            else:
                self.add(f"{stem}-changed", where, before, after, True, True)

    def bound(self, old: dict[str, Any], new: dict[str, Any], pointer: str, keyword: str,
              stem: str, larger_accepts_more: bool) -> None:  # fmt: skip
        """A constraint added narrows, removed widens; a changed bound moves one way."""
        before, after = old.get(keyword), new.get(keyword)
        if _canon(before) == _canon(after):
            return
        where = f"{pointer}/{keyword}"
        b, a = _num(before), _num(after)
        if (before is not None and b is None) or (after is not None and a is None):
            self.add("unknown", where, before, after, True, True)
        elif b is None:
            implied = not larger_accepts_more and a is not None and a <= 0
            self.add(f"{stem}-added", where, None, after, not implied, False)
        elif a is None:
            self.add(f"{stem}-removed", where, before, None, False, True)
        else:
            more = (a > b) == larger_accepts_more
            self.add(f"{stem}-{'relaxed' if more else 'tightened'}", where, before, after,
                     not more, more)  # fmt: skip

    def lengths_implied(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        """A string length bound the old anchored pattern already implies narrows nothing:
        `maxLength: 36` added to `pattern: ^[0-9a-f-]{36}$`."""
        width = _pattern_width(old.get("pattern"))
        if width is None:
            return
        low, high = width
        for index, d in enumerate(self.found):
            if d.pointer == f"{pointer}/maxLength" and d.narrows:
                limit = _num(d.new)
                if limit is not None and high <= limit:
                    self.found[index] = replace(d, narrows=False)
            elif d.pointer == f"{pointer}/minLength" and d.narrows:
                limit = _num(d.new)
                if limit is not None and low >= limit:
                    self.found[index] = replace(d, narrows=False)

    def flag(self, old: dict[str, Any], new: dict[str, Any], pointer: str, keyword: str,
             stem: str) -> None:  # fmt: skip
        before, after = old.get(keyword) is True, new.get(keyword) is True
        if before != after:
            self.add(f"{stem}-{'added' if after else 'removed'}", f"{pointer}/{keyword}",
                     old.get(keyword), new.get(keyword), after, before)  # fmt: skip

    # --- arrays -------------------------------------------------------------------------

    def arrays(self, old: dict[str, Any], new: dict[str, Any], pointer: str, depth: int) -> None:
        old_prefix, old_rest, old_key = _array_model(old)
        new_prefix, new_rest, new_key = _array_model(new)
        if not old_prefix and not new_prefix:
            if old_rest is True and new_rest is True:
                return
            self.schema(old_rest, new_rest, f"{pointer}/{new_key or old_key}", depth + 1)
            return
        tuple_key = "prefixItems" if "prefixItems" in new or "prefixItems" in old else "items"
        for index in range(max(len(old_prefix), len(new_prefix))):
            before = old_prefix[index] if index < len(old_prefix) else old_rest
            after = new_prefix[index] if index < len(new_prefix) else new_rest
            where = f"{pointer}/{tuple_key}/{index}"
            self.schema(before, after, where, depth + 1)
        rest_key = "items" if tuple_key == "prefixItems" else "additionalItems"
        self.schema(old_rest, new_rest, f"{pointer}/{rest_key}", depth + 1)

    # --- objects ------------------------------------------------------------------------

    def objects(self, old: dict[str, Any], new: dict[str, Any], pointer: str, depth: int) -> None:
        old_props, new_props = _dict(old.get("properties")), _dict(new.get("properties"))
        for keyword in ("properties", "patternProperties"):
            for side in (old, new):
                if keyword in side and not isinstance(side[keyword], dict):
                    if _canon(old.get(keyword)) != _canon(new.get(keyword)):
                        self.add("unknown", f"{pointer}/{keyword}", old.get(keyword),
                                 new.get(keyword), True, True)  # fmt: skip
                    return
        for name in sorted(set(old_props) | set(new_props)):
            where = f"{pointer}/properties/{pointer_token(name)}"
            if name in old_props and name in new_props:
                self.schema(old_props[name], new_props[name], where, depth + 1)
            elif name in new_props:
                # What the old schema allowed for this name: its patternProperties or
                # additionalProperties.
                self.member("property-added", where, _fallback(old, name), new_props[name],
                            None, name, depth)  # fmt: skip
            else:
                self.member("property-removed", where, old_props[name], _fallback(new, name),
                            name, None, depth)  # fmt: skip
        self.pattern_properties(old, new, pointer, depth)
        self.required(old, new, pointer)
        self.dependencies(old, new, pointer, depth)
        old_extra, new_extra = old.get("additionalProperties", True), new.get(
            "additionalProperties", True)  # fmt: skip
        if _canon(old_extra) != _canon(new_extra):
            self.content_model(old_extra, new_extra, pointer, depth)

    def member(self, kind: str, where: str, old: Any, new: Any, old_name: str | None,
               new_name: str | None, depth: int) -> None:  # fmt: skip
        sub = self.sub()
        sub.schema(old, new, where, depth + 1)
        narrows = any(d.narrows for d in sub.found)
        widens = any(d.widens for d in sub.found)
        self.add(kind, where, old_name, new_name, narrows, widens)

    def pattern_properties(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                           depth: int) -> None:  # fmt: skip
        before, after = _dict(old.get("patternProperties")), _dict(new.get("patternProperties"))
        for regex in sorted(set(before) | set(after)):
            where = f"{pointer}/patternProperties/{pointer_token(regex)}"
            if regex in before and regex in after:
                self.schema(before[regex], after[regex], where, depth + 1)
            elif regex in after:  # names matching it were held to additionalProperties
                self.member("pattern-property-added", where, old.get("additionalProperties",
                            True), after[regex], None, regex, depth)  # fmt: skip
            else:
                self.member("pattern-property-removed", where, before[regex],
                            new.get("additionalProperties", True), regex, None, depth)  # fmt: skip

    def required(self, old: dict[str, Any], new: dict[str, Any], pointer: str) -> None:
        raw_before, raw_after = old.get("required"), new.get("required")
        if _canon(raw_before) == _canon(raw_after):
            return
        before, after = _names(raw_before), _names(raw_after)
        if before is None or after is None:
            self.add("unknown", f"{pointer}/required", raw_before, raw_after, True, True)
            return
        for name in sorted(after - before):
            self.add("required-added", f"{pointer}/required", None, name, True, False)
        for name in sorted(before - after):
            self.add("required-removed", f"{pointer}/required", name, None, False, True)

    def dependencies(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                     depth: int) -> None:  # fmt: skip
        """dependentRequired and dependentSchemas, and draft-4..7 `dependencies` (either)."""
        old_names, old_schemas = _dependencies(old)
        new_names, new_schemas = _dependencies(new)
        if old_names is None or new_names is None:
            self.add("unknown", f"{pointer}/dependencies", old.get("dependencies"),
                     new.get("dependencies"), True, True)  # fmt: skip
            return
        for key in sorted(set(old_names) | set(new_names)):
            where = f"{pointer}/dependentRequired/{pointer_token(key)}"
            before, after = old_names.get(key, set()), new_names.get(key, set())
            if before != after:
                self.add("dependency-changed", where, sorted(before), sorted(after),
                         bool(after - before), bool(before - after))  # fmt: skip
        for key in sorted(set(old_schemas) | set(new_schemas)):
            where = f"{pointer}/dependentSchemas/{pointer_token(key)}"
            self.schema(old_schemas.get(key, True), new_schemas.get(key, True), where, depth + 1)

    def content_model(self, old: Any, new: Any, pointer: str, depth: int) -> None:
        where = f"{pointer}/additionalProperties"
        if new is False and old is not False:
            self.add("additional-properties-closed", where, old, new, True, False)
        elif old is False and new is not False:
            self.add("additional-properties-opened", where, old, new, False, True)
        else:
            self.schema(old, new, where, depth + 1)

    # --- not and the combinators ----------------------------------------------------------

    def negation(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                 depth: int) -> None:  # fmt: skip
        has_old, has_new = "not" in old, "not" in new
        if (not has_old and not has_new) or self.same(old.get("not"), new.get("not")):
            return
        where = f"{pointer}/not"
        if has_new and not has_old:
            self.add("not-added", where, None, new["not"], new["not"] is not False, False)
        elif has_old and not has_new:
            self.add("not-removed", where, old["not"], None, False, old["not"] is not False)
        else:  # `not B` accepts all `not A` accepts when B accepts only what A accepts
            narrows = not self.proves(new["not"], old["not"], depth)
            widens = not self.proves(old["not"], new["not"], depth)
            self.add("not-changed", where, old["not"], new["not"], narrows, widens)

    def conditional(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                    depth: int) -> None:  # fmt: skip
        """if/then/else: with the same `if`, each branch compares on its own (sufficient);
        a changed `if` is not modelled."""
        keys = ("if", "then", "else")
        if all(self.same(old.get(k), new.get(k)) for k in keys):
            return
        if "if" in old and self.same(old.get("if"), new.get("if")):
            for keyword in ("then", "else"):
                self.schema(old.get(keyword, True), new.get(keyword, True),
                            f"{pointer}/{keyword}", depth + 1)  # fmt: skip
        elif "if" not in old and "if" not in new:
            return  # then/else without if constrain nothing
        else:
            self.add("unknown", f"{pointer}/if", old.get("if"), new.get("if"), True, True)

    def subschema(self, old: dict[str, Any], new: dict[str, Any], pointer: str, depth: int,
                  keyword: str, absent: bool = True) -> None:  # fmt: skip
        """A keyword holding one schema that instances (or their parts) must satisfy;
        `absent` is what a missing one accepts: everything (True), or for `contains`,
        a missing keyword is no constraint while `contains: false` rejects every array."""
        if keyword not in old and keyword not in new:
            return
        if keyword in old and keyword in new:
            self.schema(old[keyword], new[keyword], f"{pointer}/{keyword}", depth + 1)
        elif keyword in new:
            self.add(f"{keyword}-added", f"{pointer}/{keyword}", None, new[keyword],
                     not _accepts_everything(new[keyword]) or not absent, False)  # fmt: skip
        else:
            self.add(f"{keyword}-removed", f"{pointer}/{keyword}", old[keyword], None, False,
                     not _accepts_everything(old[keyword]) or not absent)  # fmt: skip

    def combinators(self, old: dict[str, Any], new: dict[str, Any], pointer: str,
                    depth: int) -> None:  # fmt: skip
        for keyword in COMBINATORS:
            for side in (old, new):
                value = side.get(keyword)
                if value is not None and (not isinstance(value, list) or not value):
                    if _canon(old.get(keyword)) != _canon(new.get(keyword)):
                        self.add("unknown", f"{pointer}/{keyword}", old.get(keyword),
                                 new.get(keyword), True, True)  # fmt: skip
                    return
        # Equal text is not enough: a `$ref` in a branch may point at a definition that
        # changed (`$defs` are compared where they are used, not on their own). The order of
        # the branches is: allOf, anyOf and oneOf accept the same whatever it is.
        if all(self.same(_in_order(old.get(k)), _in_order(new.get(k))) for k in COMBINATORS):
            return
        old_part = {k: old[k] for k in COMBINATORS if k in old} or True
        new_part = {k: new[k] for k in COMBINATORS if k in new} or True
        # The rest of each schema is compared keyword by keyword; here only what the
        # combinators add: does all of OLD satisfy NEW's combinators, and the other way?
        narrows = new_part is not True and not self.proves(old, new_part, depth)
        widens = old_part is not True and not self.proves(new, old_part, depth)
        kinds = [k for k in COMBINATORS if k in old or k in new]
        self.add("combinator-changed", f"{pointer}/{kinds[0]}",
                 None if old_part is True else old_part, None if new_part is True else new_part,
                 narrows, widens)  # fmt: skip


def _in_order(branches: Any) -> Any:
    """A combinator's branches in one order (by their JSON text), to compare as a set."""
    return sorted(branches, key=_canon) if isinstance(branches, list) else branches


def _cleared(difference: Difference, flag: str) -> Difference:
    if flag == "narrows":
        return replace(difference, narrows=False)
    return replace(difference, widens=False)


def _split(schema: dict[str, Any]) -> tuple[dict[str, Any], list[Any], list[Any]] | None:
    """(own keywords, conjuncts, alternatives) of a schema with combinators, else None.
    Conjuncts: its own keywords and each allOf branch; alternatives: anyOf or oneOf. A
    combinator that is not a non-empty list makes the schema one this cannot reason about."""
    present = [k for k in COMBINATORS if k in schema]
    if not present or any(not isinstance(schema[k], list) or not schema[k] for k in present):
        return None
    base = {k: v for k, v in schema.items() if k not in COMBINATORS}
    conjuncts: list[Any] = ([base] if base else []) + list(schema.get("allOf") or [])
    alternatives = list(schema.get("anyOf") or []) or list(schema.get("oneOf") or [])
    if schema.get("anyOf") and schema.get("oneOf"):
        conjuncts.append({"oneOf": schema["oneOf"]})
    return base, conjuncts, alternatives


KNOWN_FORMATS = frozenset({
    "date-time", "date", "time", "duration", "email", "idn-email", "hostname", "idn-hostname",
    "ipv4", "ipv6", "uri", "uri-reference", "iri", "iri-reference", "uuid", "uri-template",
    "json-pointer", "relative-json-pointer", "regex",
})  # fmt: skip


def _types(schema: dict[str, Any]) -> frozenset[str] | None:
    """The JSON types a schema's `type` accepts (integer within number); None: not a type."""
    declared = schema.get("type")
    if declared is None:
        return ALL_TYPES
    if isinstance(declared, str) and declared in ALL_TYPES:
        names = {declared}
    elif isinstance(declared, list) and declared and all(t in ALL_TYPES for t in declared
                                                         if isinstance(t, str)) and all(
            isinstance(t, str) for t in declared):  # fmt: skip
        names = set(declared)
    else:
        return None
    if "number" in names:
        names.add("integer")
    return frozenset(names)


def _integers(schema: dict[str, Any]) -> bool:
    return _types(schema) == frozenset({"integer"})


Bound = tuple[float, bool] | None | str  # (value, exclusive), no bound, or "bad"


def _bound(schema: dict[str, Any], side: str) -> Bound:
    inclusive = schema.get(side)
    exclusive = schema.get("exclusiveMinimum" if side == "minimum" else "exclusiveMaximum")
    found: list[tuple[float, bool]] = []
    if inclusive is not None:
        value = _num(inclusive)
        if value is None:
            return "bad"
        if exclusive is True:  # draft 4: the flag makes `minimum` exclusive
            return (value, True)
        found.append((value, False))
    if exclusive is not None and not isinstance(exclusive, bool):
        value = _num(exclusive)
        if value is None:
            return "bad"
        found.append((value, True))
    elif exclusive is not None and not isinstance(exclusive, bool):
        return "bad"
    if not found:
        return None
    lower = side == "minimum"
    # The tighter of the two bounds wins.
    return max(found, key=lambda b: (b[0], b[1])) if lower else min(
        found, key=lambda b: (b[0], not b[1]))  # fmt: skip


def _bound_text(schema: dict[str, Any], side: str, bound: Bound) -> str | None:
    """The bound that holds, as written, marked when exclusive: `0`, `0 (exclusive)`."""
    if not isinstance(bound, tuple):
        return None
    value, exclusive = bound
    numeric = schema.get("exclusiveMinimum" if side == "minimum" else "exclusiveMaximum")
    written = numeric if exclusive and not isinstance(numeric, bool) else schema.get(side, value)
    text = json.dumps(written)
    return f"{text} (exclusive)" if exclusive else text


def _tighter(a: Bound, b: Bound, lower: bool, integers: bool) -> bool:
    """Whether bound `a` rejects some number bound `b` accepts."""
    assert isinstance(a, tuple) and isinstance(b, tuple)
    if integers:  # on integers an exclusive bound is the next integer, inclusive
        a = _integer_bound(a, lower)
        b = _integer_bound(b, lower)
    (av, ax), (bv, bx) = a, b
    if lower:
        return av > bv or (av == bv and ax and not bx)
    return av < bv or (av == bv and ax and not bx)


def _integer_bound(bound: tuple[float, bool], lower: bool) -> tuple[float, bool]:
    value, exclusive = bound
    if lower:
        return (math.floor(value) + 1.0 if exclusive else math.ceil(value), False)
    return (math.ceil(value) - 1.0 if exclusive else math.floor(value), False)


def _is_multiple(value: float, of: float) -> bool:
    ratio = value / of
    return abs(ratio - round(ratio)) < 1e-9


def _pattern_width(pattern: Any) -> tuple[int, int] | None:
    """(min, max) length of the strings an anchored pattern matches, or None."""
    if not isinstance(pattern, str) or not pattern.startswith("^") or not pattern.endswith("$"):
        return None
    try:
        import re._parser as sre  # type: ignore[import-not-found]

        parsed = sre.parse(pattern)
    except (re.error, ImportError, RecursionError, OverflowError):
        return None
    if any(op == sre.BRANCH for op, _ in parsed):  # ^a|b$ is not anchored at both ends
        return None
    low, high = parsed.getwidth()
    return (int(low), int(high)) if high < 2**31 else None


def _names(value: Any) -> set[str] | None:
    if value is None:
        return set()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return set(value)
    return None


def _dependencies(schema: dict[str, Any]) -> tuple[dict[str, set[str]] | None, dict[str, Any]]:
    names: dict[str, set[str]] = {}
    schemas: dict[str, Any] = {}
    for keyword in ("dependencies", "dependentRequired", "dependentSchemas"):
        value = schema.get(keyword)
        if value is None:
            continue
        if not isinstance(value, dict):
            return None, {}
        for key, item in value.items():
            listed = _names(item) if isinstance(item, list) else None
            if listed is not None and keyword != "dependentSchemas":
                names[key] = names.get(key, set()) | listed
            elif _is_schema(item) and keyword != "dependentRequired":
                schemas[key] = item
            else:
                return None, {}
    return names, schemas


def _fallback(schema: dict[str, Any], name: str) -> Schema:
    """What applies to property `name` when `properties` does not list it."""
    matching = []
    for regex, sub in _dict(schema.get("patternProperties")).items():
        try:  # RE2: a schema's pattern runs in linear time, whatever it is
            if patterns.search(regex, name):
                matching.append(sub)
        except patterns.PatternError:
            return {"x-unknown-pattern": regex}
    if matching:
        return matching[0] if len(matching) == 1 else {"allOf": matching}
    return schema.get("additionalProperties", True)


def _array_model(schema: dict[str, Any]) -> tuple[list[Any], Schema, str | None]:
    """(tuple schemas, the schema of every further item, the keyword holding the latter)."""
    if isinstance(schema.get("prefixItems"), list):
        return list(schema["prefixItems"]), schema.get("items", True), "items"
    items = schema.get("items")
    if isinstance(items, list):
        return list(items), schema.get("additionalItems", True), "additionalItems"
    if items is None:
        return [], True, None
    return [], items, "items"


def _disjoint(branches: list[Any]) -> bool:
    """No instance can match two branches: their types do not overlap."""
    seen: set[str] = set()
    for branch in branches:
        types = _types(branch) if isinstance(branch, dict) else None
        if types is None or types == ALL_TYPES or types & seen:
            return False
        seen |= types
    return True


def _finite_values(schema: dict[str, Any]) -> list[Any] | None:
    if "const" in schema:
        return [schema["const"]]
    values = schema.get("enum")
    return list(values) if isinstance(values, list) and len(values) <= 1000 else None


# Keywords that constrain nothing (annotations; `format` too, which jsonschema asserts only
# when given a format checker): a schema of these, `type`, `enum` and `const` alone is judged
# here. A plan's enums are such schemas, and jsonschema's import is a third of a small diff.
_ANNOTATIONS = frozenset({"title", "description", "examples", "default", "deprecated",
                          "readOnly", "writeOnly", "$comment", "format"})  # fmt: skip
_SCALARS = (str, int, float, bool, type(None))
_TYPE_TESTS: dict[str, Callable[[Any], bool]] = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: (
        (isinstance(v, int) and not isinstance(v, bool))
        or (isinstance(v, float) and v.is_integer())
    ),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
    "array": lambda v: isinstance(v, list),
    "object": lambda v: isinstance(v, dict),
}


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality of scalars: 1 equals 1.0, true equals no number."""
    if a is b:  # as jsonschema: a NaN is equal to itself
        return True
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b
    return type(a) is type(b) and a == b


def _judged_by_keyword(schema: dict[str, Any], values: list[Any]) -> list[bool] | None:
    """What jsonschema would answer for scalar values against a schema of `type`, `enum`,
    `const` and annotations only; None for any other schema."""
    if not all(isinstance(v, _SCALARS) for v in values):
        return None
    kinds: list[Callable[[Any], bool]] | None = None
    allowed: list[list[Any]] = []  # each keyword's values (`enum`, `const`)
    for keyword, expected in schema.items():
        if keyword == "type":
            names = expected if isinstance(expected, list) else [expected]
            if not names or not all(isinstance(n, str) and n in _TYPE_TESTS for n in names):
                return None
            kinds = [_TYPE_TESTS[n] for n in names]
        elif keyword in ("enum", "const"):
            values_of = expected if keyword == "enum" else [expected]
            if not isinstance(values_of, list) or not all(
                isinstance(a, _SCALARS) for a in values_of
            ):
                return None
            allowed.append(values_of)
        elif keyword not in _ANNOTATIONS:
            return None
    return [
        (kinds is None or any(kind(v) for kind in kinds))
        and all(any(_json_equal(v, a) for a in each) for each in allowed)
        for v in values
    ]


def _validates(root: Schema, schema: dict[str, Any], values: list[Any]) -> list[bool] | None:
    """Whether `schema` (within document `root`) accepts each value; None when jsonschema
    cannot evaluate it."""
    judged = _judged_by_keyword(schema, values)
    if judged is not None:
        return judged
    try:
        import jsonschema  # here: most comparisons decide by keyword, without it

        validator = jsonschema.Draft202012Validator(root if isinstance(root, dict) else {})
        checker = validator.evolve(schema=schema)
        return [bool(checker.is_valid(v)) for v in values]
    except Exception:  # a malformed schema, an unresolvable $ref, a bad regex ...
        return None
