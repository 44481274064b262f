"""The languages `trackplan status` reads, one module each: which files, how calls look.

Each module parses with its tree-sitter grammar (one wheel per grammar from PyPI, loaded
only when a file of that language is read) and turns call nodes, found by a tree-sitter
query run in C, into `registry.status.source.Call`s. Only call nodes are visited in
Python: strings in comments, and names in strings, are never taken for calls.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator
from functools import cache
from types import ModuleType
from typing import Any

from registry.records import replace
from registry.status.source import Call

# Source extensions -> (module, grammar). JSX goes through the JavaScript grammar, which
# reads it; TSX needs TypeScript's own TSX grammar.
EXTENSIONS: dict[str, tuple[str, str]] = {
    ".ts": ("javascript", "typescript"), ".mts": ("javascript", "typescript"),
    ".cts": ("javascript", "typescript"), ".tsx": ("javascript", "tsx"),
    ".js": ("javascript", "javascript"), ".jsx": ("javascript", "javascript"),
    ".mjs": ("javascript", "javascript"), ".cjs": ("javascript", "javascript"),
    ".py": ("python", "python"), ".pyi": ("python", "python"),
    ".java": ("java", "java"), ".kt": ("kotlin", "kotlin"), ".kts": ("kotlin", "kotlin"),
    ".swift": ("swift", "swift"), ".go": ("golang", "go"),
}  # fmt: skip
# The language each grammar's files are written in, as `generate --lang` and
# `status.calls[].languages` name them.
LANGUAGE_OF = {"typescript": "typescript", "tsx": "typescript", "javascript": "javascript",
               "python": "python", "java": "java", "kotlin": "kotlin", "swift": "swift",
               "go": "go"}  # fmt: skip
# grammar -> (PyPI distribution, module, function returning the language pointer)
GRAMMARS: dict[str, tuple[str, str, str]] = {
    "typescript": ("tree-sitter-typescript", "tree_sitter_typescript", "language_typescript"),
    "tsx": ("tree-sitter-typescript", "tree_sitter_typescript", "language_tsx"),
    "javascript": ("tree-sitter-javascript", "tree_sitter_javascript", "language"),
    "python": ("tree-sitter-python", "tree_sitter_python", "language"),
    "java": ("tree-sitter-java", "tree_sitter_java", "language"),
    "kotlin": ("tree-sitter-kotlin", "tree_sitter_kotlin", "language"),
    "swift": ("tree-sitter-swift", "tree_sitter_swift", "language"),
    "go": ("tree-sitter-go", "tree_sitter_go", "language"),
}


class GrammarMissing(Exception):
    """A grammar (or tree-sitter itself) is not installed: what to install."""


@cache
def _module(name: str) -> ModuleType:
    return importlib.import_module(f"registry.status.languages.{name}")


@cache
def _parser(grammar: str) -> tuple[Any, Any]:
    """The parser and the call query of a grammar (built once per process)."""
    distribution, module_name, function = GRAMMARS[grammar]
    try:
        import tree_sitter

        grammar_module = importlib.import_module(module_name)
    except ImportError as exc:
        raise GrammarMissing(
            f"reading {grammar} needs {distribution} and tree-sitter: pip install "
            "'trackplan[status]'"
        ) from exc
    language = tree_sitter.Language(getattr(grammar_module, function)())
    module = EXTENSIONS_MODULE[grammar]
    query = tree_sitter.Query(language, _module(module).QUERY)
    return tree_sitter.Parser(language), query


EXTENSIONS_MODULE = {grammar: module for module, grammar in EXTENSIONS.values()}


def calls_in(file: str, data: bytes, grammar: str) -> Iterator[Call]:
    """Every call of a source file (in source order)."""
    import tree_sitter

    parser, query = _parser(grammar)
    tree = parser.parse(data)
    found = tree_sitter.QueryCursor(query).captures(tree.root_node)
    nodes = sorted((n for group in found.values() for n in group), key=lambda n: n.start_byte)
    read: Callable[[Any, str], Call | None] = _module(EXTENSIONS_MODULE[grammar]).read_call
    for node in nodes:
        call = read(node, file)
        if call is not None:
            start = node.start_byte
            line_start = data.rfind(b"\n", 0, start) + 1
            prefix = data[line_start:start]
            if not prefix.isascii():  # columns count characters, as editors and GitHub do
                call = replace(call, column=len(prefix.decode("utf-8", "replace")) + 1)
            yield call
