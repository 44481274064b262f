"""The tracking-plan spreadsheet: one row per event and property, as every guide starts."""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable
from pathlib import Path
from typing import Any

from registry.formats.base import Carries, Document, FormatError, Imported, Loss
from registry.load.pii import PII_CLASSES
from registry.text import plural

NAME = "csv"
SUMMARY = "a spreadsheet saved as CSV: one row per event x property"
FOLDER = False
# Column names as written on export; on import they are matched without regard to case,
# spaces, underscores or order, and the aliases below are accepted too.
COLUMNS = (
    "event",
    "event description",
    "property",
    "property description",
    "type",
    "required",
    "allowed values",
    "example",
    "owner",
    "sources",
    "stage",
    "format",
    "pattern",
    "minimum",
    "maximum",
    "min length",
    "max length",
    "pii",
    "call",
)
# Constraint columns: the plan key each holds, and how its cell is read.
BOUNDS = {"minimum": "minimum", "maximum": "maximum", "min length": "minLength",
          "max length": "maxLength"}  # fmt: skip
# `call`: which part of the plan a row describes; events (track) unless it says otherwise.
CALLS = {"track": None, "identify": ("identify", "traits"), "group": ("group", "traits"),
         "common": ("common", "properties")}  # fmt: skip
ALIASES = {
    "event name": "event",
    "name": "event",
    "description": "event description",
    "property name": "property",
    "data type": "type",
    "property type": "type",
    "enum": "allowed values",
    "values": "allowed values",
    "allowed": "allowed values",
    "examples": "example",
    "owners": "owner",
    "source": "sources",
    "platforms": "sources",
    "lifecycle stage": "stage",
    "min": "minimum",
    "max": "maximum",
    "minlength": "min length",
    "maxlength": "max length",
    "personal data": "pii",
    "sensitive": "pii",
    "kind": "call",
    "call type": "call",
    "event type": "call",
}
# Type names spreadsheets use for JSON Schema's (Segment's and Mixpanel's templates among them).
TYPE_ALIASES = {"float": "number", "double": "number", "decimal": "number", "int": "integer",
                "long": "integer", "bool": "boolean", "str": "string", "text": "string",
                "list": "array", "dict": "object", "map": "object"}  # fmt: skip
CARRIES = Carries(
    sections=("common", "identify", "group"),
    event=("description", "owners", "sources", "stage"),
    property=(
        "type",
        "required",
        "enum",
        "format",
        "pattern",
        "minimum",
        "maximum",
        "minLength",
        "maxLength",
        "pii",
        "description",
        "examples",
    ),
    first_example_only=True,  # one example column
)
TYPES = ("string", "number", "integer", "boolean", "object", "array", "null")
TRUE = {"true", "yes", "y", "1", "required", "x"}
FALSE = {"false", "no", "n", "0", "optional", ""}


def _key(column: str) -> str:
    key = " ".join(column.strip().lower().replace("_", " ").replace("-", " ").split())
    return ALIASES.get(key, key)


def _list_cell(values: list[Any]) -> str:
    """Allowed values: `a|b|c` when that reads back the same, else a JSON list."""
    if all(
        isinstance(v, str)
        and v
        and "|" not in v
        and "," not in v
        and v == v.strip()
        and not v.startswith("[")
        for v in values
    ):
        return "|".join(values)
    return json.dumps(values, ensure_ascii=False)


def _texts(kinds: Any) -> bool:
    """Whether a property's example cell is text as it stands (a string property)."""
    listed = kinds if isinstance(kinds, list) else [kinds]
    return bool(listed) and set(listed) <= {"string", "null"} and "string" in listed


def _value_cell(value: Any, kinds: Any) -> str:
    """An example as a cell: a string property's text as it is (JSON-quoted if it starts
    with a quote or has outer spaces), anything else as JSON."""
    text_as_is = isinstance(value, str) and not value.startswith('"') and value == value.strip()
    if text_as_is and _texts(kinds):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


def _example(text: str, kinds: Any) -> Any:
    """An example cell read back by the property's type: `12345` stays text for a string
    property; for others it is JSON when it reads as JSON (no NaN or Infinity)."""
    if _texts(kinds) and not text.startswith('"'):
        return text
    try:
        value = json.loads(text, parse_constant=_refuse)
    except ValueError:
        return text
    if isinstance(value, float) and not math.isfinite(value):  # 1e400
        return text
    return value


def _refuse(name: str) -> Any:
    raise ValueError(name)


def export(document: Document) -> dict[str, bytes]:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for name, event in sorted((document.get("events") or {}).items()):
        base = [name, event.get("description", "")]
        tail = [
            " ".join(event.get("owners") or []),
            "|".join(event.get("sources") or []),
            event.get("stage", ""),
        ]
        props = event.get("properties") or {}
        if not props:
            writer.writerow([*base, "", "", "", "", "", "", *tail, *[""] * 8])
        for prop, spec in sorted(props.items()):
            writer.writerow(_property_row(base, prop, spec, tail, ""))
    for call, where in CALLS.items():
        if where is None:
            continue
        section, inner = where
        for prop, spec in sorted(((document.get(section) or {}).get(inner) or {}).items()):
            writer.writerow(_property_row(["", ""], prop, spec, ["", "", ""], call))
    return {f"{document['plan']}.csv": out.getvalue().encode()}


def _property_row(base: list[str], prop: str, spec: dict[str, Any], tail: list[str],
                  call: str) -> list[str]:  # fmt: skip
    kinds = spec.get("type")
    kinds = "|".join(kinds) if isinstance(kinds, list) else (kinds or "")
    examples = spec.get("examples") or []
    return [
        *base,
        prop,
        spec.get("description", ""),
        kinds,
        "true" if spec.get("required") is True else "false",
        _list_cell(spec["enum"]) if spec.get("enum") else "",
        _value_cell(examples[0], spec.get("type")) if examples else "",
        *tail,
        spec.get("format", ""),
        spec.get("pattern", ""),
        *(json.dumps(spec[key]) if key in spec else "" for key in BOUNDS.values()),
        _pii_cell(spec.get("pii")),
        call,
    ]


def _pii_cell(value: Any) -> str:
    """`pii:` as the sheet writes it: true, false or the class; empty when unset."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value if isinstance(value, str) else ""


def read(path: Path, plan_id: str) -> Imported:
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise FormatError(f"{path}: cannot read ({exc.strerror})") from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FormatError(f"{path}:{line}: not UTF-8 text; save the sheet as CSV UTF-8") from None
    # The delimiter is the one the header row uses most (spreadsheets in some locales save
    # with ';'); quoting is always the standard double quote.
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(
        io.StringIO(text, newline=""), delimiter=delimiter, quotechar='"', strict=True
    )  # an unclosed quote must not swallow the rows after it
    try:
        header = next(reader)
    except StopIteration:
        raise FormatError(
            f"{path}: the sheet is empty; the first row names the columns ({', '.join(COLUMNS)})"
        ) from None
    except csv.Error as exc:
        raise FormatError(f"{path}:1: {exc}") from None
    columns: dict[str, int] = {}
    for index, column in enumerate(header):
        key = _key(column)
        if key in COLUMNS:
            if key in columns:
                raise FormatError(
                    f"{path}:1: columns {columns[key] + 1} and {index + 1} are "
                    f"both '{key}': keep one"
                )
            columns[key] = index
    if "event" not in columns:
        raise FormatError(
            f"{path}:1: no 'event' column; the first row names the columns "
            f"({', '.join(COLUMNS)}, in any order)"
        )
    known = set(columns.values())
    ignored = {i: c for i, c in enumerate(header) if i not in known}
    filled = dict.fromkeys(ignored, 0)  # cells of columns trackplan does not read
    imported = Imported({"plan": plan_id, "events": {}})
    # An event's own columns as last read: they repeat on each of its rows, read once.
    seen: dict[str, tuple[str, ...]] = {}
    try:
        for row in reader:
            for index, value in enumerate(row):  # past the header's last column too
                if index not in known and value.strip():
                    ignored.setdefault(index, "")
                    filled[index] = filled.get(index, 0) + 1
            _row(path, reader.line_num, row, columns, imported.document, seen)
    except csv.Error as exc:
        raise FormatError(f"{path}:{reader.line_num}: {exc}: is a quote opened in an earlier "
                          "row never closed?") from None  # fmt: skip
    # A column of values nobody reads is data lost; an empty one is only a note.
    for index, name in sorted(ignored.items()):
        if filled[index]:
            said = f"column {name.strip()!r}" if name.strip() else "a column with no name"
            imported.lost.append(Loss("column", f"{path}:1", f"column {index + 1}",
                                      f"{said}, {plural(filled[index], 'filled cell')}"
                                      " (trackplan does not read it)"))  # fmt: skip
    empty = [repr(name) for index, name in ignored.items() if not filled[index] and name.strip()]
    if empty:
        imported.left_out.append("empty columns trackplan does not read: " + ", ".join(empty))
    return imported


def _event_columns(event: dict[str, Any], name: str, cell: Callable[[str], str],
                   fail: Callable[[str, str], FormatError]) -> None:  # fmt: skip
    for column, key in (("event description", "description"), ("stage", "stage")):
        if cell(column):
            if event.get(key, cell(column)) != cell(column):
                raise fail(column, f"'{cell(column)}' differs from '{event[key]}' in an "
                                   f"earlier row of '{name}'")  # fmt: skip
            event[key] = cell(column)
    for column, key in (("owner", "owners"), ("sources", "sources")):
        if cell(column):  # owners and source ids hold no spaces, commas or bars
            values = cell(column).replace(",", " ").replace("|", " ").split()
            merged = event.setdefault(key, [])
            merged += [v for v in values if v not in merged]


def _row(
    path: Path,
    line: int,
    row: list[str],
    columns: dict[str, int],
    document: Document,
    seen: dict[str, tuple[str, ...]],
) -> None:
    events: dict[str, dict[str, Any]] = document["events"]
    cells = {name: row[i].strip() for name, i in columns.items() if i < len(row)}
    at = columns.get("pattern")
    if at is not None and at < len(row) and row[at].strip():
        cells["pattern"] = row[at]  # a regular expression's spaces are part of it

    def cell(name: str) -> str:
        return cells.get(name, "")

    def fail(column: str, message: str) -> FormatError:
        number = columns.get(column, 0) + 1
        return FormatError(f"{path}:{line}: column {number} ({column}): {message}")

    if not any(cells.values()):
        return
    for column, value in cells.items():
        if "\0" in value:
            raise fail(column, "holds a NUL character; save the sheet as plain CSV text")
    call = cell("call").lower() or "track"
    if call not in CALLS:
        raise fail("call", f"'{cell('call')}' is not one of {', '.join(CALLS)}")
    where = CALLS[call]
    if where is not None:  # a trait or a common property: a row of its own, no event
        section, inner = where
        prop = cell("property")
        if not prop:
            article = "an" if call[0] in "aeiou" else "a"
            raise fail("property", f"{article} {call} row names its {inner[:-1]} in this column")
        props = document.setdefault(section, {inner: {}})[inner]
        whose = f"the {call} {inner}"
    else:
        name = cell("event")
        if not name:
            raise fail("event", "no event name; every row names its event")
        event = events.setdefault(name, {})
        said = (cell("event description"), cell("stage"), cell("owner"), cell("sources"))
        if seen.get(name) != said:
            seen[name] = said
            _event_columns(event, name, cell, fail)
        prop = cell("property")
        if not prop:
            return
        props = event.setdefault("properties", {})
        whose = f"'{name}'"
    if prop in props:
        raise fail("property", f"'{prop}' of {whose} is on an earlier row too")
    spec: dict[str, Any] = {}
    if cell("type"):
        kinds = [t.strip().lower() for t in cell("type").replace(",", "|").split("|") if t.strip()]
        kinds = list(dict.fromkeys(TYPE_ALIASES.get(t, t) for t in kinds))
        wrong = [t for t in kinds if t not in TYPES]
        if wrong:
            raise fail(
                "type",
                f"unknown type '{wrong[0]}'; use one of {', '.join(TYPES)} (several: string|null)",
            )
        spec["type"] = kinds[0] if len(kinds) == 1 else kinds
    required = cell("required").lower()
    if required not in TRUE | FALSE:
        raise fail("required", f"'{cell('required')}' is not yes or no")
    if required in TRUE:
        spec["required"] = True
    if cell("allowed values"):
        listed = cell("allowed values")
        try:
            spec["enum"] = (
                json.loads(listed, parse_constant=_refuse)
                if listed.startswith("[")
                else [v.strip() for v in listed.split("|" if "|" in listed else ",") if v.strip()]
            )
        except ValueError:
            raise fail("allowed values", "starts with '[' but is not a JSON list") from None
        if not isinstance(spec["enum"], list) or not spec["enum"]:
            raise fail("allowed values", "should list at least one value")
    if cell("property description"):
        spec["description"] = cell("property description")
    if cell("example"):
        spec["examples"] = [_example(cell("example"), spec.get("type"))]
    for column in ("format", "pattern"):
        if cell(column):
            spec[column] = cell(column)
    for column, key in BOUNDS.items():
        if cell(column):
            bound = _number(cell(column), whole=key.endswith("Length"))
            if isinstance(bound, str):
                raise fail(column, bound)
            spec[key] = bound
    pii = cell("pii").lower()
    if pii in PII_CLASSES:
        spec["pii"] = pii
    elif pii not in TRUE | FALSE:
        raise fail("pii", f"'{cell('pii')}' is not yes, no or a class of personal data "
                          f"({', '.join(PII_CLASSES)})")  # fmt: skip
    elif pii in TRUE:
        spec["pii"] = True
    elif pii:  # a written "no": the decision is kept
        spec["pii"] = False
    props[prop] = spec


def _number(text: str, whole: bool) -> int | float | str:
    """A bound cell: an integer, or (not for lengths) a finite decimal number; a string says
    why the cell is neither."""
    try:
        value: Any = json.loads(text, parse_constant=_refuse)
    except ValueError:
        value = None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"'{text}' is not a number"
    if whole and (not isinstance(value, int) or value < 0):
        return f"'{text}' is not a whole number of 0 or more"
    if isinstance(value, float) and not math.isfinite(value):
        return f"'{text}' is not a finite number"
    return int(value) if isinstance(value, int) else float(value)
