"""JavaScript and TypeScript (JSX and TSX too): `receiver.method(args)` calls."""

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

QUERY = "(call_expression) @call"
# Wrappers that keep a value what it is: `({...} as Props)`, `x!`, `(x)`.
_TRANSPARENT = ("parenthesized_expression", "as_expression", "satisfies_expression",
                "non_null_expression", "type_assertion")  # fmt: skip


def dotted(node: Any, depth: int = 0) -> str:
    """A callee as a dotted name: `window.analytics.track`; a call in the chain by its own
    callee (`getClient().track` -> `getClient.track`); anything else as `?`."""
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return "?"
    kind = node.type
    if kind in ("identifier", "property_identifier", "this", "private_property_identifier"):
        return text_of(node)
    if kind == "member_expression":
        obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
        left = dotted(obj, depth + 1) if obj is not None else "?"
        return f"{left}.{text_of(prop)}" if prop is not None else left
    if kind == "call_expression":
        function = node.child_by_field_name("function")
        return dotted(function, depth + 1) if function is not None else "?"
    if kind in _TRANSPARENT and node.named_children:
        return dotted(node.named_children[0], depth + 1)
    return "?"


def _joined(node: Any) -> str:
    """A literal's text from its fragments, escapes decoded."""
    return "".join(unescape(text_of(c)) if c.type == "escape_sequence" else text_of(c)
                   for c in node.named_children)  # fmt: skip


def value(node: Any, depth: int = 0) -> Value:
    if depth > MAX_NESTING:  # deeper than any real code: cut, never a stack overflow
        return Value("other")
    kind, line = node.type, node.start_point[0] + 1
    if kind in _TRANSPARENT and node.named_children:
        return value(node.named_children[0], depth + 1)
    if kind == "string":
        return Value(STRING, _joined(node), line=line)
    if kind == "template_string":
        if any(c.type == "template_substitution" for c in node.named_children):
            return Value("other", line=line)  # a name built at run time: dynamic
        return Value(STRING, _joined(node), line=line)
    if kind == "object":
        items: dict[str, Value] = {}
        open_ = False
        for child in node.named_children:
            if child.type in ("pair", "method_definition"):  # `key: value`, `key() {}`
                pair = child.type == "pair"
                key = child.child_by_field_name("key" if pair else "name")
                name = _key(key) if key is not None else None
                item = child.child_by_field_name("value") if pair else None
                if name is None:
                    open_ = True
                else:
                    items[name] = value(item, depth + 1) if item is not None else OTHER_VALUE
            elif child.type == "shorthand_property_identifier":
                items[text_of(child)] = OTHER_VALUE
            elif child.type != "comment":
                open_ = True  # a spread: keys unknown here
        return Value(MAP, items=items, open=open_, line=line)
    return Value("other", line=line)


def _key(node: Any) -> str | None:
    if node.type in ("property_identifier", "identifier", "number"):
        return text_of(node)
    if node.type == "string":
        return value(node).text
    return None  # a computed key


def read_call(node: Any, file: str) -> Call | None:
    function, arguments = node.child_by_field_name("function"), node.child_by_field_name(
        "arguments")  # fmt: skip
    if function is None or arguments is None or arguments.type != "arguments":
        return None  # a tagged template
    args = tuple(value(a) for a in arguments.named_children if a.type != "comment")
    if any(a.type == "spread_element" for a in arguments.named_children):
        args = (*args, Value("spread"))
    row, column = node.start_point
    return Call(file, row + 1, column + 1, dotted(function), args)
