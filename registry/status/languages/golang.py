"""Go: `receiver.Method(args)` calls, and struct literals such as `analytics.Track{Event:
"...", Properties: ...}` (the SDKs' way), read as calls with named arguments."""

from __future__ import annotations

from typing import Any

from registry.status.source import MAP, MAX_NESTING, STRING, Call, Value, text_of, unescape

QUERY = "[(call_expression) (composite_literal)] @call"


def dotted(node: Any, depth: int = 0) -> str:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return "?"
    kind = node.type
    if kind in ("identifier", "field_identifier", "type_identifier", "package_identifier"):
        return text_of(node)
    if kind == "selector_expression":
        operand, field = node.child_by_field_name("operand"), node.child_by_field_name("field")
        left = dotted(operand, depth + 1) if operand is not None else "?"
        return f"{left}.{text_of(field)}" if field is not None else left
    if kind == "qualified_type":
        package, name = node.child_by_field_name("package"), node.child_by_field_name("name")
        return f"{text_of(package)}.{text_of(name)}" if package and name else text_of(node)
    if kind == "call_expression":
        function = node.child_by_field_name("function")
        return dotted(function, depth + 1) if function is not None else "?"
    if kind in ("parenthesized_expression", "unary_expression") and node.named_children:
        return dotted(node.named_children[-1], depth + 1)
    return "?"


def value(node: Any, depth: int = 0) -> Value:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return Value("other")
    kind, line = node.type, node.start_point[0] + 1
    if kind == "literal_element" and node.named_children:
        return value(node.named_children[0], depth + 1)
    if kind == "interpreted_string_literal":
        text = "".join(unescape(text_of(c)) if c.type == "escape_sequence" else text_of(c)
                       for c in node.named_children)  # fmt: skip
        return Value(STRING, text, line=line)
    if kind == "raw_string_literal":
        return Value(STRING, "".join(text_of(c) for c in node.named_children), line=line)
    if kind == "composite_literal":
        kind_node = node.child_by_field_name("type")
        # Each key read once: keys that are map literals themselves, read twice, made the
        # time double with each level (a 350-byte file took hours).
        elements = [(item, value(key, depth + 1) if key is not None else None)
                    for key, item in _elements(node)]  # fmt: skip
        string_keys = bool(elements) and all(
            found is not None and found.kind == STRING for _, found in elements)  # fmt: skip
        if kind_node is not None and (kind_node.type == "map_type" or string_keys):
            items: dict[str, Value] = {}
            open_ = False
            for item, found in elements:
                if found is not None and found.kind == STRING and found.text is not None:
                    items[found.text] = value(item, depth + 1)
                else:
                    open_ = True
            return Value(MAP, items=items, open=open_, line=line)
    if kind == "unary_expression" and node.named_children:  # &analytics.Track{...}
        return value(node.named_children[-1], depth + 1)
    return Value("other", line=line)


def _elements(node: Any) -> list[tuple[Any | None, Any]]:
    body = node.child_by_field_name("body")
    out: list[tuple[Any | None, Any]] = []
    for element in body.named_children if body is not None else ():
        if element.type == "keyed_element":
            key, item = element.child_by_field_name("key"), element.child_by_field_name("value")
            if key is None or item is None:  # older grammars: two literal_element children
                parts = element.named_children
                key, item = (parts[0], parts[-1]) if len(parts) >= 2 else (None, element)
            out.append((key, item))
        elif element.type != "comment":
            out.append((None, element))
    return out


def read_call(node: Any, file: str) -> Call | None:
    row, column = node.start_point
    if node.type == "composite_literal":
        kind = node.child_by_field_name("type")
        if kind is None or kind.type not in ("qualified_type", "type_identifier"):
            return None
        named: dict[str, Value] = {}
        args: list[Value] = []
        for key, item in _elements(node):
            field = key.named_children[0] if key is not None and key.named_children else key
            if field is not None and field.type in ("identifier", "field_identifier"):
                named[text_of(field)] = value(item)
            else:
                args.append(value(item))
        return Call(file, row + 1, column + 1, dotted(kind), tuple(args), named)
    function, arguments = node.child_by_field_name("function"), node.child_by_field_name(
        "arguments")  # fmt: skip
    if function is None or arguments is None:
        return None
    args = [value(a) for a in arguments.named_children if a.type != "comment"]
    if any(c.type == "..." for c in arguments.children):
        args.append(Value("spread"))
    return Call(file, row + 1, column + 1, dotted(function), tuple(args))
