"""Throughput from one to two gunicorn processes (issue 17, "more than one machine"): the same pages
under the same loopback load, served by gunicorn with 1 worker and then with 2, uncached (the
portal cache bypassed, so the processes do the work). The figure is requests/s with 2 workers ÷
requests/s with 1 worker for each page; on a machine of n cores more workers help until the cores
(shared with PostgreSQL and the load generator) are busy, so on 2 cores expect well under 2×.

Called by bench/scale.py after the pages; its document is bench/results/throughput-<scale>x.json."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from contextlib import AbstractContextManager

from bench import load, report

# the pages that show it: the bare view (framework only), a list, the home page, a search
PATHS = {
    "bare view": "/bench/bare/",
    "home": "/",
    "calls for bids list": "/calls-for-bids/",
    "volunteer needs list": "/volunteers/",
}
WORKER_COUNTS = (1, 2)
BYPASS = {"X-Bench-Cache": "bypass"}


def measure(
    server: Callable[[int], AbstractContextManager[str]],
    *,
    duration: float,
    concurrency: int,
    paths: dict[str, str] | None = None,
    workers: Iterable[int] = WORKER_COUNTS,
    runner: Callable[..., load.LoadResult] = load.run,
) -> list[dict]:
    """One figure per page: req/s and p50/p95 for each worker count, and `ratio` (the most workers'
    req/s ÷ one worker's). `server(n)` starts gunicorn with n workers and yields its base URL."""
    paths = paths or PATHS
    counts = list(workers)
    runs: dict[str, dict[int, dict]] = {name: {} for name in paths}
    for count in counts:
        with server(count) as base:
            for name, path in paths.items():
                result = runner(
                    base + path, concurrency=concurrency, duration=duration, headers=BYPASS, warmup=0.5
                ).as_dict()
                runs[name][count] = result
    figures = []
    for name, path in paths.items():
        by_count = runs[name]
        first, last = by_count[counts[0]], by_count[counts[-1]]
        figure = {
            "name": f"{name}: {counts[0]} → {counts[-1]} gunicorn workers",
            "path": path,
            "ratio": report.ratio(last["rps"], first["rps"]),
            "note": ", ".join(f"{n} worker(s) {by_count[n]['rps']} req/s" for n in counts),
            "workers": {str(n): by_count[n] for n in counts},
        }
        if any(by_count[n]["errors"] for n in counts):
            figure["error"] = "; ".join(
                f"{n} worker(s): {by_count[n]['errors']} failed requests {by_count[n]['statuses']}"
                for n in counts
                if by_count[n]["errors"]
            )
        figures.append(figure)
    return figures
