"""Java: `receiver.method(args)` and `new Type(args)` calls; `Map.of("key", v, ...)` maps."""

from __future__ import annotations

from typing import Any

from registry.status.source import MAP, MAX_NESTING, STRING, Call, Value, text_of, unescape

QUERY = "[(method_invocation) (object_creation_expression)] @call"
MAP_FACTORIES = ("Map.of", "ImmutableMap.of")  # also java.util.Map.of


def dotted(node: Any, depth: int = 0) -> str:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return "?"
    kind = node.type
    if kind in ("identifier", "type_identifier", "this", "field_identifier"):
        return text_of(node)
    if kind == "field_access":
        obj, field = node.child_by_field_name("object"), node.child_by_field_name("field")
        left = dotted(obj, depth + 1) if obj is not None else "?"
        return f"{left}.{text_of(field)}" if field is not None else left
    if kind == "method_invocation":
        obj, name = node.child_by_field_name("object"), node.child_by_field_name("name")
        own = text_of(name) if name is not None else "?"
        return f"{dotted(obj, depth + 1)}.{own}" if obj is not None else own
    if kind == "scoped_type_identifier":
        return ".".join(text_of(c) for c in node.named_children)
    if kind == "generic_type" and node.named_children:
        return dotted(node.named_children[0], depth + 1)
    if kind == "parenthesized_expression" and node.named_children:
        return dotted(node.named_children[0], depth + 1)
    return "?"


def value(node: Any, depth: int = 0) -> Value:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return Value("other")
    kind, line = node.type, node.start_point[0] + 1
    if kind == "string_literal":
        parts = []
        for child in node.named_children:
            if child.type == "string_interpolation":
                return Value("other", line=line)
            raw = text_of(child)
            parts.append(unescape(raw) if child.type == "escape_sequence" else raw)
        text = "".join(parts)
        if text_of(node).startswith('"""'):  # a text block: its lines, indentation removed
            text = "\n".join(x.strip() for x in text.strip("\n").split("\n"))
        return Value(STRING, text, line=line)
    if kind == "method_invocation" and dotted(node).endswith(MAP_FACTORIES):
        arguments = node.child_by_field_name("arguments")
        values = [value(a, depth + 1) for a in (arguments.named_children if arguments else [])]
        items, open_ = {}, len(values) % 2 == 1
        for key, item in zip(values[::2], values[1::2], strict=False):
            if key.kind == STRING and key.text is not None:
                items[key.text] = item
            else:
                open_ = True
        return Value(MAP, items=items, open=open_, line=line)
    if kind in ("parenthesized_expression", "cast_expression") and node.named_children:
        return value(node.named_children[-1], depth + 1)
    return Value("other", line=line)


def read_call(node: Any, file: str) -> Call | None:
    if node.type == "object_creation_expression":
        kind = node.child_by_field_name("type")
        callee = dotted(kind) if kind is not None else "?"
    else:
        callee = dotted(node)
    arguments = node.child_by_field_name("arguments")
    if arguments is None:
        return None
    args = tuple(value(a) for a in arguments.named_children
                 if a.type not in ("line_comment", "block_comment"))  # fmt: skip
    row, column = node.start_point
    return Call(file, row + 1, column + 1, callee, args)
