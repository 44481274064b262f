"""Dataclasses whose methods are shared functions, or compiled on first use, not at import.

The project's one door to `dataclasses`: modules take `record`, `field`, `fields`,
`replace` and `asdict` from here (tests/test_architecture.py keeps it so)."""

from __future__ import annotations

import abc
import sys
import types
from typing import Any


class _Inspect(types.ModuleType):
    """Stands for `inspect` inside dataclasses: the real module is imported when first read."""

    def __getattr__(self, name: str) -> Any:
        if sys.modules.get("inspect") is self:  # read while dataclasses loads (a thread)
            del sys.modules["inspect"]
        import inspect

        return getattr(inspect, name)


# dataclasses imports inspect, and with it ast, dis and tokenize (a seventh of validate's
# start-up), for one call: the docstring of a class without one, which `record` writes itself.
if "dataclasses" not in sys.modules and "inspect" not in sys.modules:
    sys.modules["inspect"] = _Inspect("inspect")
    try:
        import dataclasses
    finally:
        if isinstance(sys.modules.get("inspect"), _Inspect):
            del sys.modules["inspect"]

# ruff: noqa: E402 - the imports below come after the stand-in
import dataclasses
from collections.abc import Callable
from dataclasses import (
    MISSING,
    Field,
    FrozenInstanceError,
    asdict,
    dataclass,
    field,
    fields,
    replace,
)
from operator import attrgetter
from reprlib import recursive_repr
from typing import TypeVar, dataclass_transform, overload

__all__ = ["FrozenInstanceError", "asdict", "field", "fields", "record", "replace"]

T = TypeVar("T")

# Why not plain `dataclass`: on Python 3.11 it writes each class's methods as source and
# compiles them one by one (3.13 does it once a class). The command line imported about 30
# classes for validate and compiled 151 methods, a fifth of its instructions, most of them
# for classes the command never makes. `record` asks `dataclass` only for the fields
# (fields(), replace() and asdict() work as before) and gives the methods itself:
# - ==, hash(), repr(), the ordering, and the frozen guards are the same functions for every
#   class, reading the fields through one attrgetter a class. They return and raise what
#   dataclass's would: == and < between instances of the same class compare the fields that
#   compare, in order; hash() is the hash of that tuple (frozen classes; others are
#   unhashable, as dataclass makes them); repr() names the class and the fields that show;
#   assigning to a frozen instance raises FrozenInstanceError.
# - __init__ binds its arguments in Python for a class's first COMPILE_AFTER instances, then
#   is the source dataclass would write, compiled: the same signature (inspect.signature of
#   the class reads it), defaults, factories, __post_init__ and errors, as fast once made.
# Not supported (refused when the class is made): InitVar and keyword-only fields.

_FACTORY = type("_HasFactory", (), {"__repr__": lambda self: "<factory>"})()
# Instances a class makes with the __init__ that binds its own arguments before its compiled
# one is made: most classes a command imports are made a few times (settings, a plan's
# parts), a few by the thousand. Compiling one costs what binding about 25 calls does here.
COMPILE_AFTER = 16
_INIT_VAR = getattr(dataclasses, "_FIELD_INITVAR", None)  # private; only to refuse InitVar


def _getter(names: tuple[str, ...]) -> Callable[[Any], tuple[Any, ...]]:
    """The fields `names` of an instance, as a tuple even for one or none."""
    if len(names) == 1:
        one = attrgetter(names[0])
        return lambda instance: (one(instance),)
    if not names:
        return lambda instance: ()
    return attrgetter(*names)  # a tuple for two names or more


def _compared(cls: type, every: tuple[Field[Any], ...], order: bool) -> dict[str, Any]:
    """==, and with `order` <, <=, > and >=, over the fields that compare."""
    compared = _getter(tuple(f.name for f in every if f.compare))

    def __eq__(self: Any, other: Any) -> bool:
        if other.__class__ is self.__class__:
            return compared(self) == compared(other)
        return NotImplemented

    methods: dict[str, Any] = {"__eq__": __eq__}
    if order:

        def __lt__(self: Any, other: Any) -> bool:
            if other.__class__ is self.__class__:
                return compared(self) < compared(other)
            return NotImplemented

        def __le__(self: Any, other: Any) -> bool:
            if other.__class__ is self.__class__:
                return compared(self) <= compared(other)
            return NotImplemented

        def __gt__(self: Any, other: Any) -> bool:
            if other.__class__ is self.__class__:
                return compared(self) > compared(other)
            return NotImplemented

        def __ge__(self: Any, other: Any) -> bool:
            if other.__class__ is self.__class__:
                return compared(self) >= compared(other)
            return NotImplemented

        methods.update(__lt__=__lt__, __le__=__le__, __gt__=__gt__, __ge__=__ge__)
    return methods


def _shown_and_hashed(every: tuple[Field[Any], ...], frozen: bool) -> dict[str, Any]:
    """repr(), and hash() for a frozen class (None, unhashable, for the others)."""
    hashed = _getter(tuple(f.name for f in every if (f.compare if f.hash is None else f.hash)))
    names = tuple(f.name for f in every if f.repr)
    shown = _getter(names)

    @recursive_repr()  # an instance inside itself shows as '...'
    def __repr__(self: Any) -> str:
        inner = ", ".join(
            f"{name}={value!r}" for name, value in zip(names, shown(self), strict=True)
        )
        return f"{self.__class__.__qualname__}({inner})"

    def __hash__(self: Any) -> int:
        return hash(hashed(self))

    return {"__repr__": __repr__, "__hash__": __hash__ if frozen else None}


def _frozen(cls: type[Any], every: tuple[Field[Any], ...], slots: bool) -> dict[str, Any]:
    """The guards dataclass gives a frozen class, and pickling's state for its slots."""
    names = frozenset(f.name for f in every)

    def __setattr__(self: Any, name: str, value: Any) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise FrozenInstanceError(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    methods: dict[str, Any] = {"__setattr__": __setattr__, "__delattr__": __delattr__}
    if slots:  # unpickling sets slots through setattr, which the guard refuses

        def __getstate__(self: Any) -> list[Any]:  # the fields of the instance's class
            return [getattr(self, f.name) for f in fields(self)]

        def __setstate__(self: Any, state: list[Any]) -> None:
            for f, value in zip(fields(self), state, strict=False):
                object.__setattr__(self, f.name, value)

        methods.update(__getstate__=__getstate__, __setstate__=__setstate__)
    return methods


def _init_source(
    cls: type, every: tuple[Field[Any], ...], frozen: bool, slots: bool
) -> tuple[str, dict[str, Any]]:
    """The source of the __init__ dataclass writes for `cls`, made by a function of the
    names it reads (as dataclass does: its globals are the class's module's)."""
    self = "__dataclass_self__" if "self" in {f.name for f in every} else "self"
    names: dict[str, Any] = {"__record_object_setattr": object.__setattr__,
                             "__record_factory": _FACTORY, "__record_return": None}  # fmt: skip
    params: list[str] = []
    body: list[str] = []
    for f in every:
        value: str | None = f.name
        if f.init:
            names[f"__record_type_{f.name}"] = f.type
        if f.default_factory is not MISSING:
            names[f"__record_make_{f.name}"] = f.default_factory
            if f.init:
                params.append(f"{f.name}:__record_type_{f.name}=__record_factory")
                value = (f"__record_make_{f.name}() if {f.name} is __record_factory "
                         f"else {f.name}")  # fmt: skip
            else:
                value = f"__record_make_{f.name}()"
        elif f.init:
            if f.default is MISSING:
                params.append(f"{f.name}:__record_type_{f.name}")
            else:
                names[f"__record_default_{f.name}"] = f.default
                params.append(f"{f.name}:__record_type_{f.name}=__record_default_{f.name}")
        elif slots and f.default is not MISSING:
            names[f"__record_default_{f.name}"] = f.default
            value = f"__record_default_{f.name}"
        else:
            value = None  # read from the class attribute that holds the default
        if value is not None:
            if frozen:
                body.append(f"  __record_object_setattr({self}, {f.name!r}, {value})")
            else:
                body.append(f"  {self}.{f.name} = {value}")
    if hasattr(cls, "__post_init__"):
        body.append(f"  {self}.__post_init__()")
    source = (
        f"def __create_fn__({', '.join(names)}):\n"
        f" def __init__({', '.join([self, *params])})->__record_return:\n"
        + ("\n".join(body) or "  pass")
        + "\n return __init__\n"
    )
    return source, names


def _compile_init(cls: type, every: tuple[Field[Any], ...], frozen: bool, slots: bool) -> Any:
    """The __init__ dataclass would write for `cls`, compiled."""
    source, names = _init_source(cls, every, frozen, slots)
    module = sys.modules.get(cls.__module__)
    made: dict[str, Any] = {}
    # Not under this module's `from __future__ import annotations`: the annotations are
    # the fields' types themselves, as in dataclass's __init__.
    code = compile(source, f"<record {cls.__qualname__}>", "exec", dont_inherit=True)
    exec(code, vars(module) if module is not None else {}, made)
    init = made["__create_fn__"](**names)
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__record_init__ = True
    return init


def _lazy_init(cls: type, every: tuple[Field[Any], ...], frozen: bool, slots: bool) -> Any:
    """An __init__ that binds its arguments itself for the class's first COMPILE_AFTER
    instances, then compiles the real one and puts it in its place. Arguments it cannot
    bind (missing, extra, repeated) go to the compiled one, which raises Python's error."""
    taken = frozenset(f.name for f in every if f.init)
    positional = tuple(f.name for f in every if f.init)
    set_field = object.__setattr__ if frozen else setattr
    post_init = hasattr(cls, "__post_init__")
    made = 0

    def bound(args: tuple[Any, ...], kwargs: dict[str, Any]) -> dict[str, Any] | None:
        if len(args) > len(positional) or not taken.issuperset(kwargs):
            return None
        values = dict(zip(positional, args, strict=False))
        if not values.keys().isdisjoint(kwargs):
            return None
        values.update(kwargs)
        for f in every:
            if f.init and f.name not in values and f.default is MISSING and (
                    f.default_factory is MISSING):  # fmt: skip
                return None
        return values

    def __init__(instance: Any, /, *args: Any, **kwargs: Any) -> None:
        nonlocal made
        made += 1
        values = bound(args, kwargs) if made <= COMPILE_AFTER else None
        if values is None:
            init = _compile_init(cls, every, frozen, slots)
            type.__setattr__(cls, "__init__", init)
            init(instance, *args, **kwargs)
            return
        for f in every:  # in order, as the compiled __init__ assigns and calls factories
            if f.name in values:
                value = values[f.name]
            elif f.default_factory is not MISSING:
                value = f.default_factory()
            elif f.init or (slots and f.default is not MISSING):
                value = f.default
            else:
                continue  # read from the class attribute that holds the default
            set_field(instance, f.name, value)
        if post_init:
            instance.__post_init__()

    __init__.__record_init__ = True  # type: ignore[attr-defined]
    return __init__


class _Signature:
    """`cls.__signature__`, what inspect.signature(cls) and help() read: the compiled
    __init__'s (compiled for the asking), without self."""

    def __init__(self, every: tuple[Field[Any], ...], frozen: bool, slots: bool) -> None:
        self.every, self.frozen, self.slots = every, frozen, slots

    def __get__(self, instance: Any, owner: type) -> Any:
        if instance is not None:  # an instance's signature is its __call__'s, if any
            raise AttributeError("__signature__")
        import inspect

        init: Any = getattr(owner, "__init__")  # noqa: B009 - a subclass may write its own
        if getattr(init, "__record_init__", False):
            init = _compile_init(owner, self.every, self.frozen, self.slots)
        signature = inspect.signature(init)
        return signature.replace(parameters=list(signature.parameters.values())[1:])


def _signature_text(cls: type, every: tuple[Field[Any], ...], own_init: bool) -> str:
    """What dataclass writes as the docstring of a class without one: its signature."""
    if own_init or not all(isinstance(f.type, str) for f in every if f.init):
        import inspect  # the class's own __init__, or types shown as inspect shows them

        try:
            return cls.__name__ + str(inspect.signature(cls)).replace(" -> None", "")
        except (TypeError, ValueError):
            return cls.__name__
    shown = []
    for f in every:
        if f.init:
            kind = repr(f.type)
            default = (" = <factory>" if f.default_factory is not MISSING
                       else "" if f.default is MISSING else f" = {f.default!r}")  # fmt: skip
            shown.append(f"{f.name}: {kind}{default}")
    return f"{cls.__name__}({', '.join(shown)})"


def _frozen_bases(cls: type) -> bool | None:
    """Whether the dataclass bases of `cls` are frozen; None when it has none."""
    found = None
    for base in cls.__mro__[-1:0:-1]:
        params = getattr(base, "__dataclass_params__", None)
        if params is not None:
            found = bool(found) or params.frozen
    return found


def _refuse_own(cls: type, own: set[str], frozen: bool, order: bool) -> None:
    """What dataclass refuses: a frozen class's own guards, an ordered class's own order."""
    guards = ("__setattr__", "__delattr__") if frozen else ()
    ordering = ("__lt__", "__le__", "__gt__", "__ge__") if order else ()
    for name in (*guards, *ordering):
        if name in own:
            hint = ". Consider using functools.total_ordering" if name in ordering else ""
            raise TypeError(f"Cannot overwrite attribute {name} in class {cls.__name__}{hint}")


def _check(cls: type) -> tuple[Field[Any], ...]:
    """The fields of `cls`, refusing what `record` does not do and what dataclass would."""
    for f in cls.__dataclass_fields__.values():  # type: ignore[attr-defined]
        if _INIT_VAR is not None and getattr(f, "_field_type", None) is _INIT_VAR:
            raise TypeError(f"{cls.__qualname__}.{f.name}: record does not support InitVar")
        if f.kw_only is True:
            raise TypeError(f"{cls.__qualname__}.{f.name}: record does not support kw_only")
    every = fields(cls)
    seen_default = False
    for f in every:
        if f.init:
            has_default = f.default is not MISSING or f.default_factory is not MISSING
            if seen_default and not has_default:  # dataclass's own message
                raise TypeError(f"non-default argument {f.name!r} follows default argument")
            seen_default = seen_default or has_default
    return every


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
    """`dataclass(cls, frozen=..., order=..., slots=...)`, eq and repr included, from shared
    functions and an __init__ compiled once a class is used. A class that writes its own
    __init__, __eq__, __hash__ or __repr__ keeps it; its own ordering (with order) or guards
    (frozen) are refused, as dataclass refuses them."""

    def wrap(cls: type[T]) -> type[T]:
        own = set(vars(cls))
        if vars(cls).get("__hash__", 0) is None and "__eq__" in own:
            own.discard("__hash__")  # Python's None for a class with its own ==, not a choice
        _refuse_own(cls, own, frozen, order)
        undocumented = not cls.__doc__
        if undocumented:
            cls.__doc__ = "-"  # written below: dataclass would ask inspect for a signature
        # dataclass checks that a frozen class's dataclass bases are frozen, and the reverse;
        # told frozen, it compiles guards of its own (replaced below), so it is told only
        # where a base is frozen, and the other half of the check is made here.
        frozen_bases = _frozen_bases(cls)
        if frozen and frozen_bases is False:
            raise TypeError("cannot inherit frozen dataclass from a non-frozen one")
        told = frozen and bool(frozen_bases)
        made = dataclass(cls, init=False, repr=False, eq=False, frozen=told, slots=slots)
        every = _check(made)
        methods = _compared(made, every, order)
        methods.update(_shown_and_hashed(every, frozen))
        if frozen:
            methods.update(_frozen(made, every, slots))
        methods["__init__"] = _lazy_init(made, every, frozen, slots)
        for name, method in methods.items():
            if name not in own:
                if method is not None:
                    method.__qualname__ = f"{made.__qualname__}.{name}"
                setattr(made, name, method)
        if "__init__" not in own:
            made.__signature__ = _Signature(every, frozen, slots)  # type: ignore[attr-defined]
        if undocumented:
            made.__doc__ = _signature_text(made, every, "__init__" in own)
        params = made.__dataclass_params__  # type: ignore[attr-defined]
        for flag, value in (("init", True), ("repr", True), ("eq", True), ("order", order),
                            ("frozen", frozen)):  # fmt: skip
            setattr(params, flag, value)  # what the class is, for dataclass and other readers
        abc.update_abstractmethods(made)  # methods given above may fill abstract ones
        return made

    return wrap if cls is None else wrap(cls)
