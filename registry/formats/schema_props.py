"""Property maps to JSON Schema objects and back: what Segment, Iglu and Mixpanel hold."""

from __future__ import annotations

from typing import Any

from registry.escape import pointer_name
from registry.formats.base import CONSTRAINTS
from registry.formats.source import Losses

# The JSON Schema keywords a trackplan property is made of (DESIGN.md §2), besides
# `properties`, `items` and `required`, which are walked.
KEYWORDS = ("type", *CONSTRAINTS, "description", "examples")
COMBINATORS = ("anyOf", "oneOf")
CARRIED = (*KEYWORDS, "required", "items", "properties", "additional_properties", *COMBINATORS)
# Keywords that say nothing a plan needs: identifiers, the draft, titles, comments.
IGNORED = frozenset({"$schema", "$id", "id", "self", "title", "$comment"})
JSON_TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
Path = tuple[str | int, ...]


def object_schema(props: dict[str, Any], closed: bool = False) -> dict[str, Any]:
    """A JSON Schema object for a property map (required sugar into a `required` list)."""
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {n: property_schema(s) for n, s in sorted(props.items())},
    }
    required = sorted(n for n, s in props.items() if s.get("required") is True)
    if required:
        schema["required"] = required
    if closed:
        schema["additionalProperties"] = False
    return schema


def property_schema(spec: dict[str, Any]) -> dict[str, Any]:
    out = {k: spec[k] for k in KEYWORDS if k in spec}
    if isinstance(spec.get("items"), dict):
        out["items"] = property_schema(spec["items"])
    for keyword in COMBINATORS:
        if isinstance(spec.get(keyword), list):
            out[keyword] = [property_schema(b) for b in spec[keyword] if isinstance(b, dict)]
    if isinstance(spec.get("properties"), dict):
        nested = object_schema(
            spec["properties"], closed=spec.get("additional_properties") is False
        )
        out["properties"] = nested["properties"]
        for key in ("required", "additionalProperties"):
            if key in nested:
                out[key] = nested[key]
    return out


class SchemaReader:
    """Reads JSON Schema objects into property maps, naming in `losses` every keyword a plan
    cannot hold, with its place. `root` is the document `$ref`s point into."""

    def __init__(self, losses: Losses, root: Any = None) -> None:
        self.losses = losses
        self.root = root
        self.expanding: list[str] = []  # the `$ref`s being read, outermost first

    def property(self, schema: Any, at: Path, name: str | None = None) -> dict[str, Any]:
        """One property definition. A `$ref` met again inside its own expansion (a tree
        defined recursively) is named as lost there: a plan's properties are finite."""
        ref = schema.get("$ref") if isinstance(schema, dict) else None
        if isinstance(ref, str) and ref in self.expanding:
            self.losses.add("keyword", (*at, "$ref"), f"$ref {ref} inside itself (recursion)")
            return {}
        if isinstance(ref, str):
            self.expanding.append(ref)
        try:
            return self._property(schema, at, name)
        finally:
            if isinstance(ref, str):
                self.expanding.pop()

    def object(self, schema: Any, at: Path, *,
               allowed: tuple[str, ...] = ()) -> tuple[dict[str, Any], bool]:  # fmt: skip
        """(property map, closed) of a JSON Schema object. `allowed`: keys the caller reads
        itself (labels, metadata)."""
        schema = self.resolved(schema, at)
        if schema in (None, True, {}):
            return {}, False
        if not isinstance(schema, dict):
            raise ValueError(f"expected a JSON Schema object, got {_kind(schema)}")
        props = schema.get("properties") or {}
        if not isinstance(props, dict):
            raise ValueError("`properties` is not an object")
        required = schema.get("required") or []
        if not isinstance(required, list):
            raise ValueError("`required` is not a list")
        out = {}
        for name, sub in props.items():
            spec = self.property(sub, (*at, "properties", name), name)
            if name in required:
                spec["required"] = True
            out[str(name)] = spec
        for index, name in enumerate(required):
            if name not in props:  # a plan requires only the properties it defines
                said = f"required {name!r}, a property `properties` does not define"
                self.losses.add("keyword", (*at, "required", index), said)
        for key in schema:
            if key not in ("type", "properties", "required", "additionalProperties",
                           "description", "definitions", "$defs", *IGNORED, *allowed):  # fmt: skip
                self.losses.add("keyword", (*at, key), f"keyword {key}")
        extra = schema.get("additionalProperties")
        if extra not in (None, True, False, {}):
            self.losses.add("keyword", (*at, "additionalProperties"),
                            "additionalProperties as a schema")  # fmt: skip
        return out, extra is False

    def _property(self, schema: Any, at: Path, name: str | None) -> dict[str, Any]:
        schema = self.resolved(schema, at)
        if schema is True or schema == {}:
            return {}
        if not isinstance(schema, dict):
            raise ValueError(f"{'/'.join(map(str, at))}: expected a JSON Schema, got "
                             f"{_kind(schema)}")  # fmt: skip
        spec: dict[str, Any] = {k: schema[k] for k in KEYWORDS if k in schema}
        consumed = self.constants(schema, spec)
        consumed += self.combinators(schema, spec, at, consumed)
        if "type" in spec:
            kept = _types(spec["type"])
            if kept is None:
                del spec["type"]  # draft-03 `any`: no constraint at all
            else:
                spec["type"] = kept
        if "items" in schema:
            if isinstance(schema["items"], dict):
                spec["items"] = self.property(schema["items"], (*at, "items"))
            else:
                self.losses.add("keyword", (*at, "items"), "items as a tuple")
        shape = {k: schema[k] for k in ("properties", "required", "additionalProperties")
                 if k in schema}  # fmt: skip
        if isinstance(shape.get("required"), bool):  # draft 3: this property is required
            if shape.pop("required"):
                spec["required"] = True
            consumed += ("required",)
        for key, kind, what in (("properties", dict, "an object"), ("required", list, "a list")):
            if key in shape and not isinstance(shape[key], kind):  # named, the rest still read
                self.losses.add("keyword", (*at, key), f"keyword {key} (not {what})")
                del shape[key]
                consumed += (key,)
        if shape:  # an object's: read, or named as lost (a map's value schema, say)
            nested, closed = self.object(shape, at)
            if nested or isinstance(schema.get("properties"), dict):
                spec["properties"] = nested
            if closed:
                spec["additional_properties"] = False
        for key in schema:
            if key in (*KEYWORDS, "items", *shape, *IGNORED, "definitions", "$defs", *consumed):
                continue
            if key == "key" and schema[key] == name:
                continue  # Typewriter repeats the property's name: nothing to keep
            self.losses.add("keyword", (*at, key), f"keyword {key}")
        return spec

    def combinators(self, schema: dict[str, Any], spec: dict[str, Any], at: Path,
                    done: tuple[str, ...] = ()) -> tuple[str, ...]:  # fmt: skip
        """`anyOf`/`oneOf` as the plan's own: each definition read like a property (but the
        one `constants` read as an enum, in `done`)."""
        read = []
        for keyword in COMBINATORS:
            if keyword in done:
                continue
            branches = schema.get(keyword)
            if isinstance(branches, list) and branches and all(isinstance(b, dict)
                                                               for b in branches):  # fmt: skip
                spec[keyword] = [self.property(b, (*at, keyword, i))
                                 for i, b in enumerate(branches)]  # fmt: skip
                read.append(keyword)
        return tuple(read)

    def constants(self, schema: dict[str, Any], spec: dict[str, Any]) -> tuple[str, ...]:
        """`oneOf`/`anyOf` of `const` entries (how matrix-analytics-events and Iglu schemas
        list documented values) as the plan's `enum`, each value's description kept in the
        property's; returns the keyword it read, or nothing."""
        for keyword in ("oneOf", "anyOf"):
            branches = schema.get(keyword)
            if "enum" in spec or not isinstance(branches, list) or not branches:
                continue
            documented = {"const", "description", "title"}
            if not all(isinstance(b, dict) and "const" in b and set(b) <= documented
                       for b in branches):  # fmt: skip
                continue
            spec["enum"] = [b["const"] for b in branches]
            said = [f"{b['const']!r}: {str(b.get('description') or b.get('title')).rstrip('.')}"
                    for b in branches if b.get("description") or b.get("title")]  # fmt: skip
            if said:
                values = "Values: " + "; ".join(said) + "."
                spec["description"] = f"{spec['description']} {values}" if spec.get(
                    "description") else values  # fmt: skip
            return (keyword,)
        return ()

    def resolved(self, schema: Any, at: Path) -> Any:
        """A local `$ref` (`#/definitions/x`, `#/$defs/x`) replaced by what it points to
        (its siblings kept); one that cannot be followed is a loss."""
        seen: set[str] = set()
        while isinstance(schema, dict) and isinstance(schema.get("$ref"), str):
            ref = schema["$ref"]
            target = _pointer(self.root, ref) if ref not in seen else None
            rest = {k: v for k, v in schema.items() if k != "$ref"}
            if not isinstance(target, dict):
                self.losses.add("keyword", (*at, "$ref"), f"$ref {ref} (not in this file)")
                return rest
            seen.add(ref)
            schema = {**target, **rest}
        return schema


def _types(value: Any) -> Any:
    """A `type` as a plan writes it: draft-03 `any` (alone or in a list) is no constraint
    (None); a JSON null in a list (`["boolean", null]`, as some exports write it) is "null"."""
    if value == "any":
        return None
    if isinstance(value, list):
        if "any" in value:
            return None
        names = ["null" if t is None else t for t in value]
        if not all(isinstance(t, str) for t in names):  # draft-03 schemas in `type`
            raise ValueError("`type` lists something other than type names")
        return list(dict.fromkeys(names))
    return value


def _pointer(root: Any, ref: str) -> Any:
    if not ref.startswith("#"):
        return None
    target = root
    for part in ref[1:].split("/")[1:]:
        part = pointer_name(part)
        target = target.get(part) if isinstance(target, dict) else None
    return target


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__
