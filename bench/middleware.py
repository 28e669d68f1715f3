"""Middleware that exists only in the benchmark settings (config/settings/bench.py)."""

from __future__ import annotations

import json
import re
import time
from pathlib import Path

from django.conf import settings
from django.db import connection

from core.portal_cache import PortalCacheMiddleware

BYPASS_HEADER = "HTTP_X_BENCH_CACHE"
PROBE_HEADER = "HTTP_X_BENCH_PROBE"
_PROBE_ID = re.compile(r"^[A-Za-z0-9_.-]{1,80}$")


class BenchPortalCacheMiddleware(PortalCacheMiddleware):
    """The portal cache, except for requests carrying `X-Bench-Cache: bypass`: those are served as if
    the page were not cached at all (no look-up, no store), for the uncached figures."""

    def __call__(self, request):
        if request.META.get(BYPASS_HEADER) == "bypass":
            return self.get_response(request)
        return super().__call__(request)


class QueryRecorder:
    """A connection execute wrapper: every statement with its parameters and duration."""

    def __init__(self):
        self.queries: list[dict] = []

    def __call__(self, execute, sql, params, many, context):
        start = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.queries.append(
                {"sql": sql, "params": params, "many": many, "ms": (time.perf_counter() - start) * 1000}
            )

    @property
    def count(self) -> int:
        return len(self.queries)

    @property
    def total_ms(self) -> float:
        return sum(q["ms"] for q in self.queries)

    def slowest(self, select_only: bool = True) -> dict | None:
        candidates = [
            q
            for q in self.queries
            if not q["many"] and (not select_only or q["sql"].lstrip().upper().startswith(("SELECT", "WITH")))
        ]
        return max(candidates, key=lambda q: q["ms"], default=None)


def explain(sql: str, params, analyze: bool = True) -> str:
    """PostgreSQL's plan of one SELECT (EXPLAIN ANALYZE runs it again: read-only statements only)."""
    if connection.vendor != "postgresql":
        return ""
    options = "ANALYZE, BUFFERS" if analyze else "COSTS"
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN ({options}) {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


class QueryProbeMiddleware:
    """For a request carrying `X-Bench-Probe: <id>`: response headers X-Bench-Queries and
    X-Bench-SQL-ms, and `BENCH_PROBE_DIR/<id>.json` with the count, the SQL time, every statement's
    duration and the slowest SELECT with its EXPLAIN (ANALYZE, BUFFERS) plan."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        probe = request.META.get(PROBE_HEADER)
        if not probe or not _PROBE_ID.match(probe):
            return self.get_response(request)
        recorder = QueryRecorder()
        with connection.execute_wrapper(recorder):
            response = self.get_response(request)
        response["X-Bench-Queries"] = str(recorder.count)
        response["X-Bench-SQL-ms"] = f"{recorder.total_ms:.1f}"
        slowest = recorder.slowest()
        record = {
            "path": request.get_full_path(),
            "status": response.status_code,
            "queries": recorder.count,
            "sql_ms": round(recorder.total_ms, 2),
            "statements_ms": [round(q["ms"], 2) for q in recorder.queries],
            "slowest": None,
        }
        if slowest is not None:
            try:
                plan = explain(slowest["sql"], slowest["params"])
            except Exception as exc:  # a plan we cannot get must not fail the page
                plan = f"(no plan: {exc})"
            record["slowest"] = {"sql": slowest["sql"], "ms": round(slowest["ms"], 2), "plan": plan}
        directory = Path(settings.BENCH_PROBE_DIR)
        directory.mkdir(parents=True, exist_ok=True)
        (directory / f"{probe}.json").write_text(json.dumps(record, ensure_ascii=False, indent=1), "utf-8")
        return response
