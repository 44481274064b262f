"""Code generation: typed tracking code from a plan, one module per language."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from registry.codegen import golang, java, jvm, kotlin, python, swift, typescript
from registry.codegen.model import PlanModel

Generator = Callable[[PlanModel, str], dict[str, str]]

# Only languages whose generated code our own tests compile (tsc --strict, mypy --strict,
# go vet and go build, javac -Xlint:all -Werror, kotlinc -Werror).
LANGUAGES: dict[str, Generator] = {
    typescript.LANGUAGE: typescript.generate,
    python.LANGUAGE: python.generate,
    golang.LANGUAGE: golang.generate,
    java.LANGUAGE: java.generate,
    kotlin.LANGUAGE: kotlin.generate,
    swift.LANGUAGE: swift.generate,  # parsed by tree-sitter here; compiled by CI's macOS job
}


# The `Tracker` method of each event in each language (method -> event name), from
# (event, ident) pairs (registry.codegen.model.event_idents).
CALL_NAMES: dict[str, Callable[[Iterable[tuple[str, str]]], dict[str, str]]] = {
    typescript.LANGUAGE: typescript.call_names,
    python.LANGUAGE: lambda events: python.call_names(events),
    golang.LANGUAGE: golang.call_names,
    java.LANGUAGE: jvm.call_names,
    kotlin.LANGUAGE: jvm.call_names,
    swift.LANGUAGE: jvm.call_names,
}


class CodegenError(Exception):
    """Output generation cannot write: an unwritable or unreadable folder, or a plan the
    language cannot hold (exit 2)."""
