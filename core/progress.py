"""Progress of long work, reported from deep inside a service without passing a callback through it.

Long operations (imports, exports, report generation, sweeps) call `report(done, total)` as they go,
e.g. once per batch. Whoever runs them — a Celery task showing a progress bar, a benchmark, a
management command — binds a listener around the call with `listening(callback)`. With no listener
bound, `report` does nothing, so services stay usable and testable on their own."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

Listener = Callable[[int, int | None], None]

_listener: ContextVar[Listener | None] = ContextVar("core_progress_listener", default=None)


def report(done: int, total: int | None = None) -> None:
    """Tell the bound listener, if any, that `done` of `total` units are finished (`total` None when
    unknown)."""
    listener = _listener.get()
    if listener is not None:
        listener(done, total)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Send every `report(...)` made inside the block to `listener`."""
    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
