"""What every in-process case shares: its command line, Django, a timer that counts queries, and a
rolled-back transaction so that a case leaves the bench database as it found it."""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import sys
import time
import traceback
from pathlib import Path


class _Rollback(Exception):
    pass


def parse(argv=None, description: str = "") -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--smoke", action="store_true")
    return parser.parse_args(argv)


def setup() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    import django

    django.setup()


class Counter:
    """Counts statements on the default connection (a connection execute wrapper)."""

    def __init__(self):
        self.queries = 0
        self.sql_s = 0.0

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries += 1
            self.sql_s += time.perf_counter() - start


@contextlib.contextmanager
def measured(figure: dict, rollback: bool = True):
    """Times the block and counts its queries into `figure` (seconds, queries, sql_seconds); the block
    runs in a transaction rolled back at its end unless rollback=False. The garbage the set-up left is
    collected first, so each side of a comparison starts with the same heap (a collection falling due
    inside one side's block would be charged to it alone)."""
    from django.db import connection, transaction

    gc.collect()
    counter = Counter()
    start = time.perf_counter()
    try:
        with connection.execute_wrapper(counter):
            if rollback:
                with contextlib.suppress(_Rollback), transaction.atomic():
                    yield figure
                    figure["seconds"] = round(time.perf_counter() - start, 4)
                    raise _Rollback
            else:
                yield figure
                figure["seconds"] = round(time.perf_counter() - start, 4)
    finally:
        figure.setdefault("seconds", round(time.perf_counter() - start, 4))
        figure["queries"] = counter.queries
        figure["sql_seconds"] = round(counter.sql_s, 4)


def guarded(figures: list[dict], name: str, func, *args, **kwargs) -> dict:
    """Runs one figure's function; a failure is recorded as the figure's error, not raised."""
    figure: dict = {"name": name}
    try:
        func(figure, *args, **kwargs)
    except Exception as exc:  # a case that breaks must not hide the others' figures
        figure["error"] = f"{type(exc).__name__}: {exc}"
        figure["traceback"] = traceback.format_exc(limit=8)
        print(f"  {name}: {figure['error']}", file=sys.stderr)
    figures.append(figure)
    summary = {k: figure[k] for k in ("seconds", "queries", "rows_per_s", "ratio", "peak_mb") if k in figure}
    print(f"  {name}: {summary}", flush=True)
    return figure


def finish(args, name: str, figures: list[dict], **extra) -> None:
    from bench import report

    doc = report.document(name, args.scale, figures, smoke=args.smoke, **extra)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(doc, ensure_ascii=False, indent=1, default=str), encoding="utf-8")
