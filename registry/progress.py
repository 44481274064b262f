"""A hook long pure work calls between its steps: the bot stops a delivery past its time
budget there (the domain never knows why, nor does it touch a clock or a thread)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_hook: ContextVar[Callable[[], None] | None] = ContextVar("trackplan_checkpoint", default=None)


def checkpoint() -> None:
    """Between two steps of long work (a file, a rule, a plan, an event): the caller's hook
    may raise here to stop it."""
    hook = _hook.get()
    if hook is not None:
        hook()


@contextmanager
def checkpoints(hook: Callable[[], None]) -> Iterator[None]:
    """Run `hook` at every checkpoint of the work done inside the block."""
    token = _hook.set(hook)
    try:
        yield
    finally:
        _hook.reset(token)
