"""Small read-mostly values remembered by each process until their data changes (issue 17).

Every public list draws the same filter form: the districts, purchasing units, service categories
and procurement methods of its selects, and the years its rows span. Read from the database, these
are four server-side cursors and two index reads per page, a third of a short list's time; they
change a few times a year (reference data) or when a row of a new year is published.

`remember(name, build, *depends)` gives `build()`'s value, built once per process for the current
generation of what it depends on:

- the **reference generation**, always: it moves when a row of a reference table (districts,
  purchasing units, service categories, the working-day calendar, and the tables other apps list
  with `watch`) is saved or deleted, at once and again at commit (a value another process built
  while the transaction was open is not kept);
- the portal cache's generations of `depends` (`core.portal_cache` topics: every audited state
  change of that topic moves them), for values drawn from the domain's rows.

The reference generation lives in the default cache (Redis in production, shared by every
process); when it is lost (evicted, flushed) it starts again from the clock, a value no process
remembered anything under. A process keeps the values of the current generations only: a new
generation drops the others. Without a shared cache (per-process memory: `make run`) a change made
in another process is not seen by the generations, so no value is kept longer than `MAX_AGE`
seconds (the portal cache's own timeout)."""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import request_started
from django.db import transaction
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.utils.translation import get_language

from core import portal_cache

GENERATION_KEY = "core:reference:gen"

# (name, language, key, generations) -> (built at, value)
_values: dict[tuple, tuple[float, Any]] = {}
_watched: set[type] = set()
# The generations this process read, by cache key: (read at, value). A request reads each once (they
# are read again at the start of every request, `request_started`), other work (tasks) after
# READ_AGAIN seconds, and this process reads again at once a generation it has moved itself.
_read: dict[str, tuple[float, int]] = {}
READ_AGAIN = 1.0
_ALL_KEYS = (GENERATION_KEY, *(portal_cache.generation_key(topic) for topic in portal_cache.TOPICS))


def generation() -> int:
    found = cache.get(GENERATION_KEY)
    if found is None:
        # lost or never set: a value no process has remembered anything under
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None)
        found = cache.get(GENERATION_KEY)
    return int(found)


def bump() -> None:
    try:
        cache.incr(GENERATION_KEY)
    except ValueError:  # not there yet (or evicted): any new value differs from those in use
        cache.add(GENERATION_KEY, time.time_ns(), timeout=None) or cache.incr(GENERATION_KEY)
    forget_read()


def forget_read(**kwargs) -> None:
    """Read the generations again when next asked (a request starts, a generation was moved)."""
    _read.clear()


def read_generations(keys) -> dict[str, int]:
    """The generations under `keys` (the reference generation, portal-cache topics' keys), read
    from the cache at most once a request (see `_read`). When one has to be read, every generation
    a page may ask for is read with it: one round trip to the cache a request."""
    now = time.monotonic()
    # read into this call's own dict: another thread's request may clear `_read` meanwhile
    values: dict[str, int] = {}
    stale = False
    for key in keys:
        kept = _read.get(key)
        if kept is not None and now - kept[0] <= READ_AGAIN:
            values[key] = kept[1]
        else:
            stale = True
    if stale:
        wanted = list(dict.fromkeys([*keys, *_ALL_KEYS]))
        found = cache.get_many(wanted)
        for key in wanted:
            value = found.get(key)
            if value is None:
                value = generation() if key == GENERATION_KEY else 0
            values[key] = int(value)
            _read[key] = (now, values[key])
    return values


def _stamp(depends) -> tuple[int, ...]:
    keys = [GENERATION_KEY, *(portal_cache.generation_key(topic) for topic in depends)]
    values = read_generations(keys)
    return tuple(values[key] for key in keys)


def remember(name: str, build: Callable[[], Any], *depends: str, key: Hashable = None) -> Any:
    """`build()`'s value for the current generations (see the module's docstring), built at most
    once per process and generation, and per `key` when given (a value `build` depends on besides
    the generations, such as today's date: a new key replaces the value kept under the old one).
    The value is shared: callers must not change it."""
    kept_as = (name, get_language() or "", key, _stamp(depends))
    kept = _values.get(kept_as)
    now = time.monotonic()
    if kept is not None and now - kept[0] < max_age():
        return kept[1]
    value = build()
    # drop what this process kept for older generations (or other keys) of the same name and language
    for old in [k for k in list(_values) if k[:2] == kept_as[:2]]:
        _values.pop(old, None)  # another thread may have dropped it
    _values[kept_as] = (now, value)
    return value


def max_age() -> float:
    """Seconds a remembered value is kept at most (see the module's docstring)."""
    return float(getattr(settings, "PORTAL_CACHE", {}).get("TIMEOUT", 300))


def forget_all() -> None:
    """Drop every value this process remembers, and the generations it read (tests)."""
    _values.clear()
    _read.clear()


def _on_change(sender, **kwargs) -> None:
    if sender in _watched:
        bump()
        transaction.on_commit(bump)


def _on_m2m(sender, instance, **kwargs) -> None:
    if type(instance) in _watched:
        bump()
        transaction.on_commit(bump)


def watch(*models: type) -> None:
    """Saves and deletes of `models` move the reference generation."""
    _watched.update(models)


def connect_signals() -> None:
    from core.models import CalendarOverride, Department, District, ServiceCategory

    watch(District, Department, ServiceCategory, CalendarOverride)
    request_started.connect(forget_read, dispatch_uid="core_remembered_request")
    post_save.connect(_on_change, dispatch_uid="core_remembered_save")
    post_delete.connect(_on_change, dispatch_uid="core_remembered_delete")
    m2m_changed.connect(_on_m2m, dispatch_uid="core_remembered_m2m")
