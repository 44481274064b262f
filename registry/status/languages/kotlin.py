"""Kotlin: `receiver.method(args, name = value)` calls; `mapOf("key" to v)` maps."""

from __future__ import annotations

import re
from typing import Any

from registry.status.source import MAP, MAX_NESTING, STRING, Call, Value, text_of, unescape

QUERY = "(call_expression) @call"
# A string template: `$name` or `${...}` not escaped as `\$`.
TEMPLATE = re.compile(r"(?<!\\)\$[A-Za-z_{`]")
MAP_FACTORIES = ("mapOf", "mutableMapOf", "hashMapOf", "linkedMapOf")
_COMMENTS = ("line_comment", "block_comment", "multiline_comment", "comment")


def dotted(node: Any, depth: int = 0) -> str:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return "?"
    kind = node.type
    if kind in ("identifier", "simple_identifier", "this_expression", "type_identifier"):
        return text_of(node)
    if kind == "navigation_expression":
        return ".".join(
            dotted(c, depth + 1) for c in node.named_children if c.type not in _COMMENTS
        )
    if kind == "navigation_suffix" and node.named_children:
        return dotted(node.named_children[-1], depth + 1)
    if kind == "call_expression" and node.named_children:
        return dotted(node.named_children[0], depth + 1)
    if kind == "parenthesized_expression" and node.named_children:
        return dotted(node.named_children[0], depth + 1)
    return "?"


def value(node: Any, depth: int = 0) -> Value:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return Value("other")
    kind, line = node.type, node.start_point[0] + 1
    if kind in ("string_literal", "multiline_string_literal"):
        # Read from the literal's own text: the grammar splits `$name` templates and `\u`
        # escapes into plain content.
        raw = text_of(node)
        body = raw[3:-3] if kind == "multiline_string_literal" else raw[1:-1]
        if TEMPLATE.search(body):
            return Value("other", line=line)  # built at run time
        text = body if kind == "multiline_string_literal" else unescape(body)
        return Value(STRING, text, line=line)
    if kind == "call_expression" and dotted(node) in MAP_FACTORIES:
        items: dict[str, Value] = {}
        open_ = False
        for argument in _arguments(node):
            pair = argument.named_children[-1] if argument.named_children else None
            sides: list[Any] = pair.named_children if pair is not None else []
            is_pair = pair is not None and pair.type == "infix_expression" and len(sides) == 3
            if is_pair and text_of(sides[1]) == "to" and sides[0].type == "string_literal":
                key = value(sides[0], depth + 1)
                if key.text is not None and key.kind == STRING:
                    items[key.text] = value(sides[2], depth + 1)
                    continue
            open_ = True
        return Value(MAP, items=items, open=open_, line=line)
    if kind == "parenthesized_expression" and node.named_children:
        return value(node.named_children[0], depth + 1)
    return Value("other", line=line)


def _arguments(node: Any) -> list[Any]:
    for child in node.named_children:
        if child.type == "value_arguments":
            return [a for a in child.named_children if a.type == "value_argument"]
        if child.type == "call_suffix":
            return _arguments(child)
    return []


def read_call(node: Any, file: str) -> Call | None:
    if not node.named_children:
        return None
    args: list[Value] = []
    named: dict[str, Value] = {}
    for argument in _arguments(node):
        parts = [c for c in argument.named_children if c.type not in _COMMENTS]
        is_named = any(c.type == "=" for c in argument.children) and len(parts) >= 2
        if is_named:
            named[text_of(parts[0])] = value(parts[-1])
        elif any(c.type == "*" for c in argument.children):
            args.append(Value("spread"))
        elif parts:
            args.append(value(parts[-1]))
    row, column = node.start_point
    return Call(file, row + 1, column + 1, dotted(node.named_children[0]), tuple(args), named)
