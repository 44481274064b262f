"""Property schemas compiled once to straight-line Python that lists every violation.

The plan's schemas use a small part of JSON Schema (type, enum, const, pattern, format,
bounds, lengths, items, properties, required, additionalProperties): each event's schema
becomes one function `check(value, out)` appending `(kind, path, value, detail)` tuples.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from fastjsonschema.draft07 import CodeGeneratorDraft07

from registry.eventcheck import kinds as k

Found = list[tuple[str, str, Any, str]]
Validator = Callable[[Any, Found], None]

# The formats JSON Schema validators check, with the same patterns as fastjsonschema (what
# the release's schema bundle is validated with elsewhere); others are not checked.
FORMATS = dict(CodeGeneratorDraft07.FORMAT_REGEXS)
_TYPE_TESTS = {
    "string": "type({v}) is str",
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
    "number": "type({v}) in (int, float)",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "array": "type({v}) is list",
    "object": "type({v}) is dict",
}
_BOUNDS = (("minimum", "<"), ("maximum", ">"), ("exclusiveMinimum", "<="),
           ("exclusiveMaximum", ">="))  # fmt: skip


class Compiler:
    """Compiles schemas into one namespace: a function per distinct property schema
    (shared by every event that uses it: common properties compile once) and one per
    object (an event's properties, or traits) calling them."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_show": _text, "_type": _type, "MISSING": _MISSING}
        self.functions: dict[str, str] = {}

    def constant(self, value: Any, prefix: str) -> str:
        name = f"_{prefix}{len(self.namespace)}"  # never a function's name (_check_N)
        self.namespace[name] = value
        return name

    def property_function(self, schema: dict[str, Any]) -> str:
        """The name of `f(value, path, out)` checking one value against `schema`."""
        key = json.dumps(schema, sort_keys=True, default=str)
        name = self.functions.get(key)
        if name is None:
            name = self.functions[key] = f"_check_{len(self.functions)}"
            w = _Writer(self)
            w.emit(0, f"def {name}(v, path, out):")
            _value(w, schema, "v", "path", 1)
            self._define(w)
        return name

    def compile_object(self, schema: dict[str, Any], unplanned: str) -> Validator:
        """A validator for an object schema (an event's properties, or traits); keys it
        does not plan are reported as `unplanned` when the schema leaves the object open,
        else as additional-property-not-allowed."""
        w = _Writer(self)
        w.emit(0, "def check(d, out):")
        _object(w, schema, "d", "''", 1, unplanned, top=True)
        w.emit(1, "return None")
        defined = self._define(w)
        validator: Validator = defined["check"]
        return validator

    def _define(self, w: _Writer) -> dict[str, Any]:
        code = compile("\n".join(w.lines) + "\n", "<trackplan check>", "exec")
        local: dict[str, Any] = {}
        exec(code, self.namespace, local)
        self.namespace.update((k, v) for k, v in local.items() if k != "check")
        return local


class _Writer:
    def __init__(self, compiler: Compiler) -> None:
        self.compiler = compiler
        self.lines: list[str] = []
        self.counter = 0

    def name(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}{self.counter}"

    def constant(self, value: Any, prefix: str = "C") -> str:
        return self.compiler.constant(value, prefix)

    def emit(self, depth: int, line: str) -> None:
        self.lines.append("    " * depth + line)


def compile_object(schema: dict[str, Any], unplanned: str) -> Validator:
    """One object schema compiled on its own (see `Compiler.compile_object`)."""
    return Compiler().compile_object(schema, unplanned)


def _path(path: str, key: str) -> str:
    """A path expression: the key, or the run-time path of the parent and the key."""
    return f"{path} + '/' + {key!r}" if path != "''" else repr(key)


def _value(w: _Writer, schema: dict[str, Any], v: str, path: str, depth: int) -> None:
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    tests = [_TYPE_TESTS[t].format(v=v) for t in kinds if t in _TYPE_TESTS]
    if tests:
        expected = " or ".join(kinds)
        w.emit(depth, f"if not ({' or '.join(tests)}):")
        w.emit(depth + 1, f"out.append(({k.DATATYPE_MISMATCH!r}, {path}, {v}, "
                          f"'expected {expected}, got ' + _type({v})))")  # fmt: skip
        w.emit(depth + 1, "return")
    start = len(w.lines)
    if "const" in schema:
        allowed = w.constant([schema["const"]], "E")
        w.emit(depth, f"if not any({v} == a and type({v}) is type(a) for a in {allowed}):")
        w.emit(depth + 1, f"out.append(({k.ENUM_NOT_ALLOWED!r}, {path}, {v}, "
                          f"_show({v}) + {_json(' is not ', schema['const'])}))")  # fmt: skip
    if isinstance(schema.get("enum"), list):
        allowed = w.constant(schema["enum"], "E")
        hashable = w.constant({(_tag(a), a) for a in schema["enum"] if _hashable(a)}, "H")
        w.emit(depth, f"if not (({_hashable_test(v)}) and ({_TAG.format(v=v)}, {v}) in "
                      f"{hashable}) and not any({v} == a and type({v}) is type(a) "
                      f"for a in {allowed}):")  # fmt: skip
        w.emit(depth + 1, f"out.append(({k.ENUM_NOT_ALLOWED!r}, {path}, {v}, "
                          f"_show({v}) + {_json(' is not one of ', schema['enum'])}))")  # fmt: skip
    strings = [key for key in ("pattern", "format", "minLength", "maxLength") if key in schema]
    if strings:
        w.emit(depth, f"if type({v}) is str:")
        if isinstance(schema.get("pattern"), str):
            regex = w.constant(re.compile(schema["pattern"]), "P")
            said = " does not match " + schema["pattern"]
            w.emit(depth + 1, f"if not {regex}.search({v}):")
            w.emit(depth + 2, f"out.append(({k.FORMAT_MISMATCH!r}, {path}, {v}, "
                              f"_show({v}) + {said!r}))")  # fmt: skip
        fmt = schema.get("format")
        if isinstance(fmt, str) and fmt in FORMATS:
            regex = w.constant(re.compile(FORMATS[fmt]), "P")
            w.emit(depth + 1, f"if not {regex}.match({v}):")
            w.emit(depth + 2, f"out.append(({k.FORMAT_MISMATCH!r}, {path}, {v}, "
                              f"_show({v}) + {(' is not a ' + fmt)!r}))")  # fmt: skip
        for key, op in (("minLength", "<"), ("maxLength", ">")):
            if isinstance(schema.get(key), int):
                w.emit(depth + 1, f"if len({v}) {op} {schema[key]}:")
                w.emit(depth + 2, f"out.append(({k.OUT_OF_RANGE!r}, {path}, {v}, "
                                  f"'length ' + str(len({v})) + "
                                  f"{(', ' + key + ' ' + str(schema[key]))!r}))")  # fmt: skip
    bounds = [(key, op) for key, op in _BOUNDS if isinstance(schema.get(key), (int, float))]
    if bounds:
        w.emit(depth, f"if type({v}) in (int, float):")
        for key, op in bounds:
            said = f", {key} {_text(schema[key])}"
            w.emit(depth + 1, f"if {v} {op} {schema[key]!r}:")
            w.emit(depth + 2, f"out.append(({k.OUT_OF_RANGE!r}, {path}, {v}, "
                              f"_show({v}) + {said!r}))")  # fmt: skip
    if isinstance(schema.get("items"), dict):
        check = w.compiler.property_function(schema["items"])
        w.emit(depth, f"if type({v}) is list:")  # items are reported together: `products[]`
        w.emit(depth + 1, f"for item in {v}:")
        w.emit(depth + 2, f"{check}(item, {path} + '[]', out)")
    if isinstance(schema.get("properties"), dict) or "required" in schema:
        w.emit(depth, f"if type({v}) is dict:")
        _object(w, schema, v, path, depth + 1, k.ADDITIONAL_NOT_ALLOWED, top=False)
    if len(w.lines) == start:
        w.emit(depth, "pass")


def _object(w: _Writer, schema: dict[str, Any], v: str, path: str, depth: int,
            unplanned: str, top: bool) -> None:  # fmt: skip
    found = schema.get("properties")
    props: dict[str, Any] = found if isinstance(found, dict) else {}
    for name in schema.get("required") or ():
        w.emit(depth, f"if {name!r} not in {v}:")
        w.emit(depth + 1, f"out.append(({k.REQUIRED_MISSING!r}, {_path(path, name)}, None, "
                          "'required, missing'))")  # fmt: skip
    for name, sub in sorted(props.items()):
        x = w.name("x")
        check = w.compiler.property_function(sub if isinstance(sub, dict) else {})
        w.emit(depth, f"{x} = {v}.get({name!r}, MISSING)")
        w.emit(depth, f"if {x} is not MISSING:")
        w.emit(depth + 1, f"{check}({x}, {_path(path, name)}, out)")
    closed = schema.get("additionalProperties") is False
    if closed or top:
        known = w.constant(frozenset(props), "K")
        kind = k.ADDITIONAL_NOT_ALLOWED if closed else unplanned
        w.emit(depth, f"if len({v}) > {len(props)} or not {known}.issuperset({v}):")
        w.emit(depth + 1, f"for key in {v}:")
        w.emit(depth + 2, f"if key not in {known}:")
        w.emit(depth + 3, f"out.append(({kind!r}, {path} + '/' + key if {path} else key, "
                          f"{v}[key], 'not in the plan'))")  # fmt: skip


_MISSING = object()


# Enum values compare by JSON type and value: 1 and 1.0 alike, true and 1 not.
_TAG = "('number' if type({v}) in (int, float) else type({v}).__name__)"


def _tag(value: Any) -> str:
    return "number" if type(value) in (int, float) else type(value).__name__


def _hashable(value: Any) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def _hashable_test(v: str) -> str:
    return f"{v} is None or type({v}) in (str, int, float, bool)"


def _text(value: Any) -> str:
    """A value as JSON, shortened: details quote what was sent."""
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= 60 else text[:57] + "..."


def _json(prefix: str, value: Any) -> str:
    return repr(prefix + _text(value))


def _type(value: Any) -> str:
    """The JSON type of a decoded value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    names: dict[type, str] = {str: "string", list: "array", dict: "object"}
    return names.get(type(value), type(value).__name__)
