"""Property schemas compiled once to straight-line Python that lists every violation.

The plan's schemas use a small part of JSON Schema (type, enum, const, pattern, format,
bounds, lengths, items, properties, required, additionalProperties): each event's schema
becomes one function `check(value, out)` appending `(kind, path, value, detail)` tuples.
"""

from __future__ import annotations

import contextlib
import functools
import json
import re
from collections.abc import Callable
from typing import Any

from registry.eventcheck import kinds as k
from registry.eventcheck.formats import FORMATS
from registry.lint.patterns import PatternError, compile_pattern

Found = list[tuple[str, str, Any, str]]
Validator = Callable[[Any, Found], None]

_TYPE_TESTS = {
    "string": "type({v}) is str",
    "integer": "(type({v}) is int or (type({v}) is float and {v}.is_integer()))",
    "number": "type({v}) in (int, float)",
    "boolean": "type({v}) is bool",
    "null": "{v} is None",
    "array": "type({v}) is list",
    "object": "type({v}) is dict",
}
# Keywords that only annotate: a schema checks the same without them. Left in the key, the
# descriptions alone made most property schemas of a large plan distinct (10,000 functions
# compiled for 2,000 events).
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "deprecated",
                          "readOnly", "writeOnly", "$comment"})  # fmt: skip
_BOUNDS = (("minimum", "<"), ("maximum", ">"), ("exclusiveMinimum", "<="),
           ("exclusiveMaximum", ">="))  # fmt: skip


class Compiler:
    """Compiles schemas into one namespace: a function per distinct property schema
    (shared by every event that uses it: common properties compile once) and one per
    object (an event's properties, or traits) calling them."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"_show": _text, "_type": _type, "_same": _same,
                                          "MISSING": _MISSING}  # fmt: skip
        self.functions: dict[str, str] = {}
        self._count = 0

    def constant(self, value: Any, prefix: str) -> str:
        name = f"_{prefix}{len(self.namespace)}"  # never a function's name (_check_N)
        self.namespace[name] = value
        return name

    def property_function(self, schema: dict[str, Any]) -> str:
        """The name of `f(value, path, out)` checking one value against `schema`."""
        schema = {k: v for k, v in schema.items() if k not in _ANNOTATIONS}
        key = json.dumps(schema, sort_keys=True, default=str)
        name = self.functions.get(key)
        if name is None:
            self._count += 1
            name = f"_check_{self._count}"
            w = _Writer(self)
            w.emit(0, f"def {name}(v, path, out):")
            _value(w, schema, "v", "path", 1)
            self._define(w)
            self.functions[key] = name  # only once defined: a failed compile leaves no name
        return name

    def _function(self, schema: Any) -> Callable[[Any, str, Found], None]:
        function: Callable[[Any, str, Found], None] = self.namespace[
            self.property_function(schema if isinstance(schema, dict) else {})
        ]
        return function

    def _deferred(self, schema: Any) -> Callable[[Any, str, Found], None]:
        """`_function(schema)` for a schema of `type` alone, which the loop calls only for a
        value of another type (an error): compiled the first time one comes."""
        function: Callable[[Any, str, Found], None] | None = None

        def call(value: Any, path: str, out: Found) -> None:
            nonlocal function
            if function is None:
                function = self._function(schema)
            function(value, path, out)

        return call

    def compile_object(self, schema: dict[str, Any], unplanned: str) -> Validator:
        """A validator for an object schema (an event's properties, or traits); keys it
        does not plan are reported as `unplanned` when the schema leaves the object open,
        else as additional-property-not-allowed.

        Table-driven over the shared property functions rather than generated code: an
        event costs no `compile()` of its own (2,000 events compiled in 2.6 s that way;
        the loop costs about a microsecond a call)."""
        schema = schema if isinstance(schema, dict) else {}
        found = schema.get("properties")
        props: dict[str, Any] = found if isinstance(found, dict) else {}
        table = tuple(
            (name, accepted, self._deferred(sub) if accepted else self._function(sub))
            for name, sub in sorted(props.items())
            for accepted in (_accepted(sub),)
        )
        listed = schema.get("required")
        required = (
            tuple(r for r in listed if isinstance(r, str)) if isinstance(listed, list) else ()
        )
        needed = frozenset(required)
        known = frozenset(props)
        kind = (
            k.ADDITIONAL_NOT_ALLOWED if schema.get("additionalProperties") is False else unplanned
        )
        missing = _MISSING
        said = "required, missing"
        if isinstance(schema.get("x-when"), str):  # a case of the event's variants
            said = f"required when {schema['x-when']}, missing"
        conditions = tuple(self._condition(c) for c in [*(schema.get("allOf") or ()), schema]
                           if isinstance(c, dict) and isinstance(c.get("if"), dict))  # fmt: skip

        def check(d: dict[str, Any], out: Found) -> None:
            if needed and not d.keys() >= needed:
                out.extend((k.REQUIRED_MISSING, name, None, said)
                           for name in required if name not in d)  # fmt: skip
            for name, accepted, function in table:
                value = d.get(name, missing)
                if value is not missing and type(value) not in accepted:
                    function(value, name, out)
            if kind and not known.issuperset(d):
                out.extend((kind, key, d[key], "not in the plan") for key in d if key not in known)
            for condition in conditions:
                condition(d, out)

        return check

    def _condition(self, schema: dict[str, Any]) -> Validator:
        """`if`/`then`/`else` over an object (an event's variants): `then` applies where the
        object passes `if`, `else` where it does not. Keys are the enclosing object's to
        judge, so neither branch reports unplanned ones."""
        test = self.compile_object(schema["if"], "")
        then = self.compile_object(schema.get("then") or {}, "")
        otherwise = self.compile_object(schema.get("else") or {}, "")

        def check(d: dict[str, Any], out: Found) -> None:
            probe: Found = []
            test(d, probe)
            (otherwise if probe else then)(d, out)

        return check

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


def _path(path: str, key: str) -> str:
    """A path expression: the key, or the run-time path of the parent and the key."""
    return f"{path} + '/' + {key!r}" if path != "''" else repr(key)


def _value(w: _Writer, schema: dict[str, Any], v: str, path: str, depth: int) -> None:
    found = schema.get("type")
    found = [found] if isinstance(found, str) else found if isinstance(found, list) else []
    # Only the seven JSON types become code; anything else in the plan is never pasted in.
    kinds = [t for t in found if isinstance(t, str) and t in _TYPE_TESTS]
    if kinds:
        expected = "expected " + " or ".join(kinds) + ", got "
        w.emit(depth, f"if not ({' or '.join(_TYPE_TESTS[t].format(v=v) for t in kinds)}):")
        w.emit(depth + 1, f"out.append(({k.DATATYPE_MISMATCH!r}, {path}, {v}, "
                          f"{expected!r} + _type({v})))")  # fmt: skip
        w.emit(depth, "else:")  # the value's other checks, only for the right type
        depth += 1
    start = len(w.lines)
    if "const" in schema:
        allowed = w.constant([schema["const"]], "E")
        w.emit(depth, f"if not any(_same({v}, a) for a in {allowed}):")
        w.emit(depth + 1, f"out.append(({k.ENUM_NOT_ALLOWED!r}, {path}, {v}, "
                          f"_show({v}) + {_json(' is not ', schema['const'])}))")  # fmt: skip
    if isinstance(schema.get("enum"), list) and all(type(a) is str for a in schema["enum"]):
        allowed = w.constant(frozenset(schema["enum"]), "S")  # the common case: one lookup
        w.emit(depth, f"if type({v}) is not str or {v} not in {allowed}:")
        w.emit(depth + 1, f"out.append(({k.ENUM_NOT_ALLOWED!r}, {path}, {v}, "
                          f"_show({v}) + {_json(' is not one of ', schema['enum'])}))")  # fmt: skip
    elif isinstance(schema.get("enum"), list):
        allowed = w.constant(schema["enum"], "E")
        hashable = w.constant({(_tag(a), a) for a in schema["enum"] if _hashable(a)}, "H")
        w.emit(depth, f"if not (({_hashable_test(v)}) and ({_TAG.format(v=v)}, {v}) in "
                      f"{hashable}) and not any(_same({v}, a) for a in {allowed}):")  # fmt: skip
        w.emit(depth + 1, f"out.append(({k.ENUM_NOT_ALLOWED!r}, {path}, {v}, "
                          f"_show({v}) + {_json(' is not one of ', schema['enum'])}))")  # fmt: skip
    for keyword, wanted in (("anyOf", "at least one"), ("oneOf", "exactly one")):
        branches = [b for b in schema.get(keyword) or () if isinstance(b, dict)]
        if not branches:
            continue
        checks = [w.compiler.property_function(b) for b in branches]
        clean, found = w.name("n"), w.name("o")
        w.emit(depth, f"{clean} = 0")
        w.emit(depth, f"for f in ({', '.join(checks)},):")
        w.emit(depth + 1, f"{found} = []")
        w.emit(depth + 1, f"f({v}, {path}, {found})")
        w.emit(depth + 1, f"{clean} += not {found}")
        test = f"{clean} == 0" if keyword == "anyOf" else f"{clean} != 1"
        said = f" matches {{}} of its {keyword} definitions, not {wanted}"
        w.emit(depth, f"if {test}:")
        w.emit(depth + 1, f"out.append(({k.DATATYPE_MISMATCH!r}, {path}, {v}, "
                          f"_show({v}) + {said!r}.format({clean})))")  # fmt: skip
    # Under the type test, a guard the type already settles is left out.
    only = set(kinds)
    strings = _string_checks(schema)
    if strings:
        w.emit(depth, "if True:" if only == {"string"} else f"if type({v}) is str:")
        if "pattern" in strings:
            regex = w.constant(strings["pattern"], "P")
            said = " does not match " + schema["pattern"]
            w.emit(depth + 1, f"if not {regex}.search({v}):")
            w.emit(depth + 2, f"out.append(({k.FORMAT_MISMATCH!r}, {path}, {v}, "
                              f"_show({v}) + {said!r}))")  # fmt: skip
        fmt = str(schema.get("format"))
        if "format" in strings:
            regex = w.constant(strings["format"], "P")
            w.emit(depth + 1, f"if not {regex}.match({v}):")
            w.emit(depth + 2, f"out.append(({k.FORMAT_MISMATCH!r}, {path}, {v}, "
                              f"_show({v}) + {(' is not a ' + fmt)!r}))")  # fmt: skip
        for key, op in (("minLength", "<"), ("maxLength", ">")):
            if key in strings:
                w.emit(depth + 1, f"if len({v}) {op} {schema[key]}:")
                w.emit(depth + 2, f"out.append(({k.OUT_OF_RANGE!r}, {path}, {v}, "
                                  f"'length ' + str(len({v})) + "
                                  f"{(', ' + key + ' ' + str(schema[key]))!r}))")  # fmt: skip
    bounds = [(key, op) for key, op in _BOUNDS if _number(schema.get(key))]
    if bounds:
        w.emit(
            depth,
            "if True:"
            if only and only <= {"integer", "number"}
            else f"if type({v}) in (int, float):",
        )
        for key, op in bounds:
            said = f", {key} {_text(schema[key])}"
            w.emit(depth + 1, f"if {v} {op} {w.constant(schema[key], 'B')}:")
            w.emit(depth + 2, f"out.append(({k.OUT_OF_RANGE!r}, {path}, {v}, "
                              f"_show({v}) + {said!r}))")  # fmt: skip
    if isinstance(schema.get("items"), dict):
        check = w.compiler.property_function(schema["items"])
        accepted = w.constant(_accepted(schema["items"]), "T")
        w.emit(depth, "if True:" if only == {"array"} else f"if type({v}) is list:")
        w.emit(depth + 1, f"for item in {v}:")  # items are reported together: `products[]`
        w.emit(depth + 2, f"if type(item) not in {accepted}:")
        w.emit(depth + 3, f"{check}(item, {path} + '[]', out)")
    if isinstance(schema.get("properties"), dict) or "required" in schema:
        w.emit(depth, f"if type({v}) is dict:")
        inside = len(w.lines)
        _object(w, schema, v, path, depth + 1)
        if len(w.lines) == inside:  # `properties: {}` and open: nothing to check inside
            w.lines.pop()
    if len(w.lines) == start:
        if kinds:
            w.lines.pop()  # the `else:` with nothing under it
        else:
            w.emit(depth, "pass")


_PLAIN_TYPES: dict[str, tuple[type, ...]] = {
    "string": (str,), "number": (int, float), "boolean": (bool,), "null": (type(None),),
    "array": (list,), "object": (dict,), "integer": (int,),
}  # fmt: skip


def _accepted(schema: Any) -> frozenset[type]:
    """The Python types a value may have to pass `schema` with no further check: for a
    schema of `type` alone (most properties), the loop skips the function call."""
    if not isinstance(schema, dict) or set(schema) - {"type", "description", "examples",
                                                      "title", "required"}:  # fmt: skip
        return frozenset()
    kinds = schema.get("type")
    kinds = [kinds] if isinstance(kinds, str) else kinds if isinstance(kinds, list) else []
    if not kinds or not all(isinstance(t, str) and t in _PLAIN_TYPES for t in kinds):
        return frozenset()
    return frozenset(t for kind in kinds for t in _PLAIN_TYPES[kind])


# A format's pattern that RE2 cannot run (lookahead: email, idn-hostname) runs in Python's
# re on values no longer than any valid one (an address is at most 254 characters, a host
# name 253): its lookahead takes time quadratic in the text, 17 s for 200,000 characters.
MAX_LOOKAHEAD_FORMAT = 320


class _Bounded:
    """A backtracking pattern that refuses text past a length instead of running on it."""

    def __init__(self, pattern: str, limit: int) -> None:
        self.regex = re.compile(pattern)
        self.limit = limit

    def match(self, text: str) -> Any:
        return self.regex.match(text) if len(text) <= self.limit else None


@functools.cache
def format_regex(fmt: str) -> Any:
    """The pattern a format is checked with: in RE2 (linear in the text: no call can stall a
    check) where RE2 takes it, Python's end anchor written as RE2's; else bounded."""
    pattern = FORMATS[fmt]
    try:
        return _SurrogateSafe(compile_pattern(_as_re2(pattern)))
    except PatternError:
        return _Bounded(pattern, MAX_LOOKAHEAD_FORMAT)


# Python's classes spelled for RE2, whose own are ASCII: the same answers on any text.
_SPACE = (
    "\\s\\x0b\\x1c-\\x1f\\x85\\xa0\\x{1680}\\x{2000}-\\x{200a}\\x{2028}\\x{2029}\\x{202f}"
    "\\x{205f}\\x{3000}"
)
_CLASSES = {"s": _SPACE, "d": "\\p{Nd}", "w": "\\p{L}\\p{N}_"}


def _as_re2(pattern: str) -> str:
    """A Python pattern as RE2 reads it alike: `\\Z` as `\\z`, and `\\s`, `\\d`, `\\w` as the
    Unicode classes Python means by them."""
    out, inside, at, opened = [], False, 0, 0
    while at < len(pattern):
        char = pattern[at]
        if char == "\\" and at + 1 < len(pattern):
            escaped = pattern[at + 1]
            if escaped in _CLASSES:
                spelled = _CLASSES[escaped]
                out.append(spelled if inside else f"[{spelled}]")
            else:
                out.append("\\z" if escaped == "Z" and not inside else char + escaped)
            at += 2
            continue
        if char == "[" and not inside:
            inside, opened = True, at
        elif char == "]" and inside:
            first = opened + (2 if pattern[opened + 1 : opened + 2] == "^" else 1)
            inside = at == first  # a ']' first in a class ('[]', '[^]') is one of its characters
        out.append(char)
        at += 1
    return "".join(out)


class _SurrogateSafe:
    """An RE2 pattern that takes text RE2 cannot encode (a lone surrogate, which Python's
    json reads) as no match, as a format or pattern mismatch, never a crash."""

    def __init__(self, regex: Any) -> None:
        self.regex = regex

    def match(self, text: str) -> Any:
        try:
            return self.regex.match(text)
        except UnicodeEncodeError:
            return None

    def search(self, text: str) -> Any:
        try:
            return self.regex.search(text)
        except UnicodeEncodeError:
            return None


def _string_checks(schema: dict[str, Any]) -> dict[str, Any]:
    """The string checks of a schema that can run: a pattern compiled by RE2 (linear time
    whatever the pattern: a plan's pattern cannot stall a check; one RE2 refuses, which
    validation reports, is left unchecked), a known format, whole-number length bounds."""
    out: dict[str, Any] = {}
    if isinstance(schema.get("pattern"), str):
        with contextlib.suppress(PatternError):
            out["pattern"] = _SurrogateSafe(compile_pattern(schema["pattern"]))
    fmt = schema.get("format")
    if isinstance(fmt, str) and fmt in FORMATS:  # others are not checked
        out["format"] = format_regex(fmt)
    for key in ("minLength", "maxLength"):
        value = schema.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            out[key] = value
    return out


def _number(value: Any) -> bool:
    """A bound that compares: a number, not a boolean, not NaN."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and value == value


def _same(value: Any, allowed: Any) -> bool:
    """JSON equality: 1 and 1.0 alike, true and 1 not (nested lists and objects too)."""
    if _tag(value) != _tag(allowed):
        return False
    if isinstance(value, list):
        return len(value) == len(allowed) and all(map(_same, value, allowed))
    if isinstance(value, dict):
        return value.keys() == allowed.keys() and all(_same(value[k], allowed[k]) for k in value)
    return bool(value == allowed)


def _object(w: _Writer, schema: dict[str, Any], v: str, path: str, depth: int) -> None:
    """A nested object's checks (an event's own properties are `Compiler.compile_object`'s)."""
    found = schema.get("properties")
    props: dict[str, Any] = found if isinstance(found, dict) else {}
    required = schema.get("required")
    required = [r for r in required if isinstance(r, str)] if isinstance(required, list) else []
    for name in required:
        w.emit(depth, f"if {name!r} not in {v}:")
        w.emit(depth + 1, f"out.append(({k.REQUIRED_MISSING!r}, {_path(path, name)}, None, "
                          "'required, missing'))")  # fmt: skip
    for name, sub in sorted(props.items()):
        x = w.name("x")
        # One function per distinct property schema, shared by every event: compiling a
        # 2,000-event plan stays quick (inlined, it took twice as long, for no faster check).
        check = w.compiler.property_function(sub if isinstance(sub, dict) else {})
        w.emit(depth, f"{x} = {v}.get({name!r}, MISSING)")
        w.emit(depth, f"if {x} is not MISSING:")
        w.emit(depth + 1, f"{check}({x}, {_path(path, name)}, out)")
    if schema.get("additionalProperties") is False:
        known = w.constant(frozenset(props), "K")
        kind = k.ADDITIONAL_NOT_ALLOWED
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
