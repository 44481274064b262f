"""`record` classes compare, hash and show themselves as the same dataclasses would."""

from __future__ import annotations

import dataclasses
from dataclasses import FrozenInstanceError, dataclass, field
from typing import Any

import pytest

from registry.records import record


def _pair(make: Any, **options: Any) -> tuple[type, type]:
    """The same class body made by `dataclass` and by `record`."""
    return dataclass(**options)(make()), record(**options)(make())


def _body() -> type:
    class Point:
        x: int
        label: str = "a"
        seen: list[int] = field(default_factory=list, compare=False, repr=False)
        weight: float = field(default=1.0, hash=False)

    return Point


@pytest.mark.parametrize("options", [{}, {"frozen": True}, {"slots": True},
                                     {"frozen": True, "slots": True}])  # fmt: skip
def test_a_record_is_equal_hashed_and_shown_as_its_dataclass(options: dict[str, Any]) -> None:
    plain, made = _pair(_body, **options)
    values = [(1, "a", [1], 1.0), (1, "a", [2], 1.0), (2, "a", [], 1.0), (1, "b", [], 2.0)]
    for one in values:
        assert repr(made(*one)) == repr(plain(*one))
        for other in values:
            assert (made(*one) == made(*other)) is (plain(*one) == plain(*other)), (one, other)
            assert (made(*one) != made(*other)) is (plain(*one) != plain(*other)), (one, other)
        if options.get("frozen"):
            assert hash(made(*one)) == hash(plain(*one))
        else:
            with pytest.raises(TypeError, match="unhashable"):
                hash(made(*one))
    assert made(1) != plain(1) and made(1) != (1, "a")  # another class is never equal
    assert [f.name for f in dataclasses.fields(made)] == ["x", "label", "seen", "weight"]
    assert dataclasses.replace(made(1), x=5) == made(5)
    assert dataclasses.asdict(made(1)) == dataclasses.asdict(plain(1))
    if options.get("frozen"):
        with pytest.raises(FrozenInstanceError):
            made(1).x = 2


def test_a_record_keeps_the_methods_its_class_writes_and_orders_as_dataclass() -> None:
    @record(frozen=True)
    class Own:
        x: int

        def __eq__(self, other: object) -> bool:
            return True

        def __repr__(self) -> str:
            return "own"

    assert Own(1) == Own(2) and repr(Own(1)) == "own"
    assert hash(Own(1)) == hash((1,))  # == written by the class, hash() from the fields

    @record(frozen=True, order=True)
    class Place:
        file: str
        line: int = 1

    assert sorted([Place("b"), Place("a", 9), Place("a", 2)]) == [
        Place("a", 2), Place("a", 9), Place("b")]  # fmt: skip
    assert repr(Place("a")).endswith("<locals>.Place(file='a', line=1)")
    assert len({Place("a"), Place("a")}) == 1


def test_a_record_inside_itself_shows_as_dots() -> None:
    @record
    class Node:
        children: list[Any]

    node = Node([])
    node.children.append(node)
    assert repr(node).endswith("<locals>.Node(children=[...])")
