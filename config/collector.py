"""Python's garbage collector in the long-lived processes: gunicorn's workers (config/wsgi.py) and
Celery's (config/celery.py, `worker_init`).

Two settings, both on by default (`GC_TUNING=0` turns them off):

- `gc.freeze()` once the application is loaded: the modules, models, URL patterns and templates
  made at start (about 240,000 tracked objects) live as long as the process, so the collector
  stops walking them. A full collection walked all of them: 115 ms, once every three requests of
  the OCDS release package at the base city (docs/performance.md).
- The first generation collected every `GC_THRESHOLD_GEN0` allocations (10,000) instead of 700: a
  list page allocates tens of thousands of short-lived objects (model instances, template nodes),
  and each early collection promoted the ones still in use toward the older generations.

Neither changes what is freed, only when: the collector still runs, and `gc.collect()` still
collects everything not frozen."""

from __future__ import annotations

import gc

from config.env import env_bool, env_int

DEFAULT_GEN0_THRESHOLD = 10_000


def tune() -> bool:
    """Freeze what the process has loaded so far and raise the first generation's threshold, unless
    `GC_TUNING` is off. Returns whether it did."""
    if not env_bool("GC_TUNING", True):
        return False
    gc.freeze()
    _, second, third = gc.get_threshold()
    gc.set_threshold(env_int("GC_THRESHOLD_GEN0", DEFAULT_GEN0_THRESHOLD), second, third)
    return True
