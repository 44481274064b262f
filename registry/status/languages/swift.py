"""Swift: `receiver.method(label: value, ...)` calls; `["key": v]` dictionaries."""

from __future__ import annotations

from typing import Any

from registry.status.source import MAP, MAX_NESTING, STRING, Call, Value, text_of, unescape

QUERY = "(call_expression) @call"


def dotted(node: Any, depth: int = 0) -> str:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return "?"
    kind = node.type
    if kind in ("simple_identifier", "self_expression", "type_identifier"):
        return text_of(node)
    if kind == "navigation_expression":
        target, suffix = node.child_by_field_name("target"), node.child_by_field_name("suffix")
        left = dotted(target, depth + 1) if target is not None else ""
        right = suffix.child_by_field_name("suffix") if suffix is not None else None
        name = text_of(right) if right is not None else "?"
        return f"{left}.{name}" if left else name
    if kind == "call_expression" and node.named_children:
        return dotted(node.named_children[0], depth + 1)
    if kind == "user_type" and node.named_children:
        return ".".join(text_of(c) for c in node.named_children)
    if kind in ("tuple_expression", "parenthesized_expression") and node.named_children:
        return dotted(node.named_children[0], depth + 1)
    return "?"


def value(node: Any, depth: int = 0) -> Value:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return Value("other")
    kind, line = node.type, node.start_point[0] + 1
    if kind in ("line_string_literal", "multi_line_string_literal"):
        if node.child_by_field_name("interpolation") is not None:
            return Value("other", line=line)
        parts = []
        for child in node.named_children:
            if child.type == "interpolated_expression":
                return Value("other", line=line)
            raw = text_of(child)
            parts.append(unescape(raw) if child.type == "str_escaped_char" else raw)
        text = "".join(parts)
        if kind == "multi_line_string_literal":
            text = _multi_line(text)
        return Value(STRING, text, line=line)
    if kind == "as_expression":
        inner = node.child_by_field_name("expr")
        return value(inner, depth + 1) if inner is not None else Value("other", line=line)
    if kind == "dictionary_literal":
        keys = node.children_by_field_name("key")
        values = node.children_by_field_name("value")
        items: dict[str, Value] = {}
        open_ = False
        for key, item in zip(keys, values, strict=False):
            found = value(key, depth + 1)
            if found.kind == STRING and found.text is not None:
                items[found.text] = value(item, depth + 1)
            else:
                open_ = True
        return Value(MAP, items=items, open=open_, line=line)
    return Value("other", line=line)


def _multi_line(text: str) -> str:
    """A multi-line literal as Swift reads it: the line breaks after the opening and before
    the closing delimiter dropped, and the closing line's indentation taken off each line."""
    lines = text.split("\n")
    if len(lines) < 2:
        return text
    indent = lines[-1] if not lines[-1].strip() else ""
    body = lines[1:-1] if not lines[0].strip() else lines[:-1]
    return "\n".join(line[len(indent) :] if line.startswith(indent) else line for line in body)


def read_call(node: Any, file: str) -> Call | None:
    if not node.named_children:
        return None
    suffix = next((c for c in node.named_children if c.type == "call_suffix"), None)
    arguments = next((c for c in suffix.named_children if c.type == "value_arguments"),
                     None) if suffix is not None else None  # fmt: skip
    args: list[Value] = []
    named: dict[str, Value] = {}
    for argument in arguments.named_children if arguments is not None else ():
        if argument.type != "value_argument":
            continue
        label, item = argument.child_by_field_name("name"), argument.child_by_field_name("value")
        if item is None:
            continue
        if label is not None:
            named[text_of(label).strip()] = value(item)
        else:
            args.append(value(item))
    row, column = node.start_point
    return Call(file, row + 1, column + 1, dotted(node.named_children[0]), tuple(args), named)
