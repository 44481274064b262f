"""`record` classes compare, hash and show themselves as the same dataclasses would."""

from __future__ import annotations

import abc
import copy
import dataclasses
import inspect
import pickle
import subprocess
import sys
from dataclasses import FrozenInstanceError, dataclass, field
from pathlib import Path
from typing import Any

import pytest

from registry.records import COMPILE_AFTER, record


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


def _made_alike(plain: type, made: type, *args: Any, **kwargs: Any) -> None:
    """Calling both classes the same way builds equal fields, or raises the same error."""
    outcomes = []
    for cls in (plain, made):
        try:
            instance = cls(*args, **kwargs)
        except TypeError as exc:
            outcomes.append(("TypeError", str(exc).replace(cls.__qualname__ + ".", "")))
        else:
            outcomes.append(("made", dataclasses.asdict(instance)))
    assert outcomes[0] == outcomes[1], (args, kwargs, outcomes)


def _rich_body() -> type:
    counter = iter(range(100))

    class Order:
        id: int
        note: str = "none"
        lines: list[str] = field(default_factory=list)
        serial: int = field(default_factory=lambda: next(counter), init=False)
        state: str = field(default="new", init=False)
        self_: dict[str, int] = field(default_factory=dict, repr=False)

        def __post_init__(self) -> None:
            object.__setattr__(self, "note", self.note.strip())

    return Order


def _compiled(cls: type) -> bool:
    """Whether `cls` has its compiled __init__ (the first ones take *args and **kwargs)."""
    return not cls.__init__.__code__.co_flags & inspect.CO_VARARGS  # type: ignore[misc]


@pytest.mark.parametrize("options", [{}, {"frozen": True}, {"slots": True},
                                     {"frozen": True, "slots": True}])  # fmt: skip
def test_a_record_is_built_as_its_dataclass_is(options: dict[str, Any]) -> None:
    """A class's first COMPILE_AFTER instances bind their arguments in Python; then the
    __init__ dataclass would write is compiled. Both give the same fields, defaults,
    factories (a new list each time), fields left out of __init__ and __post_init__;
    arguments that do not bind (missing, extra, repeated) raise Python's own errors."""
    happy: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((1,), {}), ((1, " a "), {}), ((1,), {"lines": ["x"], "note": "b"}),
        ((1, "a", ["l"], {"k": 1}), {}), ((), {"id": 1, "self_": {"a": 1}}),
    ]  # fmt: skip
    wrong: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((), {}), ((1, "a", [], {}, 5), {}), ((1,), {"id": 2}), ((1,), {"serial": 3}),
        ((1,), {"other": 3}), ((), {"note": "a"}),
    ]  # fmt: skip
    for compiled_first in (False, True):
        plain, made = _pair(_rich_body, **options)
        for _ in range(COMPILE_AFTER if compiled_first else 0):
            plain(0), made(0)
        for args, kwargs in happy:
            _made_alike(plain, made, *args, **kwargs)
        first, second = made(1), made(2)
        assert first.lines == [] and first.lines is not second.lines
        assert (second.serial - first.serial, first.state) == (1, "new")  # a factory per call
        assert _compiled(made) is compiled_first
        for args, kwargs in wrong:
            _made_alike(plain, made, *args, **kwargs)
        assert _compiled(made)  # arguments that do not bind compile it, which raises
        assert made.__init__.__qualname__ == f"{made.__qualname__}.__init__"
        assert made.__doc__ == plain.__doc__ and made.__match_args__ == plain.__match_args__
        assert str(inspect.signature(made)) == str(inspect.signature(plain))


@record(frozen=True)
class Frozen:
    id: int
    tags: list[str] = field(default_factory=list)


@record(frozen=True, slots=True)
class FrozenSlots:
    id: int
    tags: list[str] = field(default_factory=list)


@pytest.mark.parametrize("slots", [False, True])
def test_a_frozen_record_refuses_changes_and_still_pickles_and_copies(slots: bool) -> None:
    plain, made = _pair(_rich_body, frozen=True, slots=slots)
    changes = [lambda o: setattr(o, "id", 2), lambda o: delattr(o, "note")]
    if not slots:  # Python 3.11's own slotted class raises TypeError from super() here
        changes.append(lambda o: setattr(o, "other", 1))
    for change in changes:
        with pytest.raises(FrozenInstanceError) as made_error:
            change(made(7))
        with pytest.raises(FrozenInstanceError) as plain_error:
            change(plain(7))
        assert str(made_error.value) == str(plain_error.value)
    with pytest.raises(FrozenInstanceError, match="cannot assign to field 'other'"):
        made(7).other = 1
    instance = (FrozenSlots if slots else Frozen)(7, ["a"])
    assert pickle.loads(pickle.dumps(instance)) == instance
    assert copy.copy(instance) == instance and copy.deepcopy(instance) == instance
    assert dataclasses.replace(instance, id=8) == type(instance)(8, ["a"])


def test_a_subclass_of_a_record_is_built_with_its_own_fields_and_the_base_s() -> None:
    @record(frozen=True)
    class Base:
        a: int
        b: str = "b"

    @record(frozen=True)
    class Child(Base):
        c: float = 0.5

    class Plain(Base):
        pass

    assert Child(1, "x", 2.0) == Child(1, "x", 2.0) and Child(1).c == 0.5
    assert repr(Child(1)).endswith("Child(a=1, b='b', c=0.5)")
    assert Plain(3).b == "b" and Base(3) != Plain(3)

    @record
    class Odd:  # a field may be called self, as in a dataclass
        self: int

    assert [Odd(self=1).self for _ in range(COMPILE_AFTER + 2)] == [1] * (COMPILE_AFTER + 2)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        Child()


def test_a_record_orders_as_its_dataclass_and_refuses_what_it_does_not_do() -> None:
    def body() -> type:
        class Key:
            file: str
            line: int = 0
            note: str = field(default="", compare=False)

        return Key

    plain, made = _pair(body, frozen=True, order=True)
    values = [("a", 2, "x"), ("a", 2, "y"), ("a", 10, ""), ("b", 0, "")]
    for one in values:
        for other in values:
            for name in ("__lt__", "__le__", "__gt__", "__ge__", "__eq__"):
                got = getattr(made(*one), name)(made(*other))
                assert got == getattr(plain(*one), name)(plain(*other)), (name, one, other)
    with pytest.raises(TypeError, match="not supported between"):
        _ = made("a") < ("a", 0)  # type: ignore[operator]
    with pytest.raises(TypeError, match="non-default argument 'b' follows default argument"):

        @record
        class Wrong:
            a: int = 0
            b: int  # type: ignore[misc]

    with pytest.raises(TypeError, match="record does not support kw_only"):

        @record
        class Keyword:
            a: int = field(kw_only=True)

    with pytest.raises(TypeError, match="record does not support InitVar"):

        @record
        class Init:
            a: dataclasses.InitVar[int]


def test_importing_records_leaves_inspect_unloaded_until_it_is_read() -> None:
    """dataclasses imports inspect for what `record` does itself; it comes when first read."""
    code = (
        "from __future__ import annotations\n"
        "import sys\n"
        "from registry.records import record\n"
        "import dataclasses\n"
        "@record\n"
        "class A:\n"
        "    x: int\n"
        "A(1)\n"
        "before = 'inspect' in sys.modules\n"
        "assert str(dataclasses.inspect.signature(A)) == \"(x: 'int') -> None\"\n"
        "real = sys.modules['inspect'] is not dataclasses.inspect\n"
        "print(before, 'inspect' in sys.modules, real)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=True, cwd=Path(__file__).resolve().parent.parent)  # fmt: skip
    assert done.stdout.split() == ["False", "True", "True"], done


@record(frozen=True, slots=True)
class SlottedBase:
    a: int


@record(frozen=True)
class OnSlottedBase(SlottedBase):
    b: int = 0


def test_a_record_is_the_dataclass_its_flags_say_to_dataclass_inspect_and_abc() -> None:
    """What the review of `record` found: a subclass's fields survive pickling through a
    slotted base's state; __dataclass_params__ tells the truth, so dataclass refuses a
    non-frozen subclass of a frozen record; the signature is dataclass's, annotations
    included, and an instance's is its __call__'s; given methods fill abstract ones."""
    child = OnSlottedBase(1, 2)
    assert pickle.loads(pickle.dumps(child)) == child and copy.copy(child).b == 2
    flags = OnSlottedBase.__dataclass_params__  # type: ignore[attr-defined]
    assert (flags.init, flags.repr, flags.eq, flags.order, flags.frozen) == (
        True, True, True, False, True)  # fmt: skip
    with pytest.raises(TypeError, match="cannot inherit non-frozen dataclass from a frozen"):

        @record
        class Thawed(SlottedBase):
            c: int = 0

    with pytest.raises(TypeError, match="cannot inherit frozen dataclass from a non-frozen"):

        @record(frozen=True)
        class Frozen2(Thawed2):
            c: int = 0

    with pytest.raises(TypeError, match="Cannot overwrite attribute __lt__"):

        @record(order=True)
        class Ordered:
            a: int

            def __lt__(self, other: object) -> bool:
                return True

    def handler() -> type:
        class Handler:
            name: str

            def __call__(self, event: dict[str, Any], retries: int = 3) -> bool:
                return True

        return Handler

    plain, made = _pair(handler)
    assert str(inspect.signature(made("h"))) == str(inspect.signature(plain("h")))
    assert str(inspect.signature(made)) == str(inspect.signature(plain)) == "(name: 'str') -> None"

    class Shown(abc.ABC):
        @abc.abstractmethod
        def __repr__(self) -> str: ...

    @record
    class Filled(Shown):
        """"""

        x: int

    assert repr(Filled(1)).endswith("Filled(x=1)") and Filled.__doc__ == "Filled(x: 'int')"

    def own_init() -> type:
        class Built:
            x: int

            def __init__(self, y: str) -> None:
                self.x = len(y)

        return Built

    plain, made = _pair(own_init)
    assert made.__doc__ == plain.__doc__ == "Built(y: 'str') -> 'None'" and made("ab").x == 2


@record
class Thawed2:
    a: int
