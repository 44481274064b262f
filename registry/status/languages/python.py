"""Python: `receiver.method(args, name=value)` calls."""

from __future__ import annotations

from typing import Any

from registry.status.source import (
    MAP,
    MAX_NESTING,
    OTHER_VALUE,
    STRING,
    Call,
    Value,
    text_of,
    unescape,
)

QUERY = "(call) @call"


def dotted(node: Any, depth: int = 0) -> str:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return "?"
    kind = node.type
    if kind == "identifier":
        return text_of(node)
    if kind == "attribute":
        obj, attr = node.child_by_field_name("object"), node.child_by_field_name("attribute")
        left = dotted(obj, depth + 1) if obj is not None else "?"
        return f"{left}.{text_of(attr)}" if attr is not None else left
    if kind == "call":
        function = node.child_by_field_name("function")
        return dotted(function, depth + 1) if function is not None else "?"
    return "?"


def _string(node: Any) -> str | None:
    """A string literal's text; None when it interpolates (an f-string with `{...}`)."""
    if node.type == "concatenated_string":
        parts = [_string(c) for c in node.named_children if c.type == "string"]
        return None if any(p is None for p in parts) else "".join(p or "" for p in parts)
    prefix = ""
    text = []
    for child in node.named_children:
        if child.type == "string_start":
            prefix = text_of(child).lower()
        elif child.type == "interpolation":
            return None
        elif child.type == "string_content":
            raw = text_of(child)
            if "f" in prefix:  # `{{` in an f-string is a brace
                raw = raw.replace("{{", "{").replace("}}", "}")
            text.append(raw if "r" in prefix else unescape(raw))
        elif child.type == "escape_sequence":
            text.append(unescape(text_of(child)))
    return "".join(text)


def value(node: Any, depth: int = 0) -> Value:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return Value("other")
    kind, line = node.type, node.start_point[0] + 1
    if kind == "parenthesized_expression" and node.named_children:
        return value(node.named_children[0], depth + 1)
    if kind in ("string", "concatenated_string"):
        text = _string(node)
        return Value(STRING, text, line=line) if text is not None else Value("other", line=line)
    if kind == "dictionary":
        items: dict[str, Value] = {}
        open_ = False
        for child in node.named_children:
            if child.type == "pair":
                key, item = child.child_by_field_name("key"), child.child_by_field_name("value")
                name = _string(key) if key is not None and key.type == "string" else None
                if name is None:
                    open_ = True
                else:
                    items[name] = value(item, depth + 1) if item is not None else OTHER_VALUE
            elif child.type != "comment":
                open_ = True  # **spread, or a comprehension
        return Value(MAP, items=items, open=open_, line=line)
    if kind == "call" and dotted(node) == "dict":  # dict(a=1, b=2)
        call = read_call(node, "")
        if call is not None and not call.args:
            return Value(MAP, items=dict(call.named), line=line)
    return Value("other", line=line)


def read_call(node: Any, file: str) -> Call | None:
    function, arguments = node.child_by_field_name("function"), node.child_by_field_name(
        "arguments")  # fmt: skip
    if function is None or arguments is None or arguments.type != "argument_list":
        return None
    args: list[Value] = []
    named: dict[str, Value] = {}
    for child in arguments.named_children:
        if child.type == "keyword_argument":
            name, item = child.child_by_field_name("name"), child.child_by_field_name("value")
            if name is not None and item is not None:
                named[text_of(name)] = value(item)
        elif child.type in ("list_splat", "dictionary_splat"):
            args.append(Value("spread"))
        elif child.type != "comment":
            args.append(value(child))
    row, column = node.start_point
    return Call(file, row + 1, column + 1, dotted(function), tuple(args), named)
