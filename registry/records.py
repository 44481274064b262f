"""Dataclasses whose ==, hash() and repr() are shared functions, not source compiled per class."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import Field, dataclass, field, fields
from operator import attrgetter
from reprlib import recursive_repr
from typing import Any, TypeVar, dataclass_transform, overload

T = TypeVar("T")

# Why not plain `dataclass`: on Python 3.11 it writes each class's methods as source and
# compiles them one by one (3.13 does it once a class), and the command line's start-up
# spent a quarter of its time there (validate of the examples: 29 classes, 151 methods).
# `record` leaves __init__, the frozen guards and ordering to `dataclass`, and gives every
# class the same three functions, which read the fields through one attrgetter a class.
# What they return is what dataclass's would: == between instances of the same class
# compares the fields that compare, in order; hash() is the hash of that tuple (frozen
# classes; others are unhashable, as dataclass makes them); repr() names the class and the
# fields that show.


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The fields `names` of an instance, as a tuple even for one or none."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda instance: (one(instance),)
    if not names:
        return lambda instance: ()
    return attrgetter(*names)  # a tuple for two names or more


def _methods(cls: type, frozen: bool) -> dict[str, Any]:
    every = fields(cls)
    compared = _getter(tuple(f.name for f in every if f.compare))
    hashed = _getter(tuple(f.name for f in every if (f.compare if f.hash is None else f.hash)))
    names = tuple(f.name for f in every if f.repr)
    shown = _getter(names)

    def __eq__(self: Any, other: Any) -> bool:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    @recursive_repr()  # an instance inside itself shows as '...'
    def __repr__(self: Any) -> str:
        inner = ", ".join(
            f"{name}={value!r}" for name, value in zip(names, shown(self), strict=True)
        )
        return f"{self.__class__.__qualname__}({inner})"

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    return {"__eq__": __eq__, "__repr__": __repr__, "__hash__": __hash__ if frozen else None}


@overload
def record(cls: type[T], /) -> type[T]: ...


@overload
def record(
    *, frozen: bool = False, order: bool = False, slots: bool = False
) -> Callable[[type[T]], type[T]]: ...


@dataclass_transform(field_specifiers=(field, Field))
def record(
    cls: type[T] | None = None, /, *, frozen: bool = False, order: bool = False,
    slots: bool = False,
) -> type[T] | Callable[[type[T]], type[T]]:  # fmt: skip
    """`dataclass(cls, frozen=..., order=..., slots=...)` with eq and repr as dataclass makes
    them by default, from shared functions. A class that writes its own __eq__, __hash__ or
    __repr__ keeps it."""

    def wrap(cls: type[T]) -> type[T]:
        own = set(vars(cls))
        if vars(cls).get("__hash__", 0) is None and "__eq__" in own:
            own.discard("__hash__")  # Python's None for a class with its own ==, not a choice
        # Ordering needs dataclass's own == (and hash() with it): only repr() is shared then.
        made = dataclass(cls, frozen=frozen, order=order, slots=slots, eq=order, repr=False)
        methods = _methods(made, frozen)
        if order:
            del methods["__eq__"], methods["__hash__"]
        for name, method in methods.items():
            if name not in own:
                if method is not None:
                    method.__qualname__ = f"{made.__qualname__}.{name}"
                setattr(made, name, method)
        return made

    return wrap if cls is None else wrap(cls)
