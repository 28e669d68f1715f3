"""A bounded loopback load generator: a fixed number of concurrent clients (asyncio + aiohttp) ask one
URL for a fixed time or a fixed number of requests; requests/s and latency percentiles out.

    python -m bench.load http://127.0.0.1:8765/bench/bare/ --concurrency 4 --duration 5
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import time
from dataclasses import asdict, dataclass, field


def percentile(values: list[float], p: float) -> float:
    """The p-th percentile (0-100) by linear interpolation between closest ranks (numpy's default)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    if len(ordered) == 1:
        return ordered[0]
    rank = (len(ordered) - 1) * p / 100
    low = math.floor(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


@dataclass
class LoadResult:
    url: str
    concurrency: int
    requests: int
    errors: int
    seconds: float
    rps: float
    p50_ms: float
    p95_ms: float
    statuses: dict[str, int] = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def summarize(
    url: str, concurrency: int, latencies_ms: list[float], statuses: dict, seconds: float
) -> LoadResult:
    ok = len(latencies_ms)
    errors = sum(n for status, n in statuses.items() if not str(status).startswith("2"))
    return LoadResult(
        url=url,
        concurrency=concurrency,
        requests=ok,
        errors=errors,
        seconds=round(seconds, 3),
        rps=round(ok / seconds, 2) if seconds > 0 else 0.0,
        p50_ms=round(percentile(latencies_ms, 50), 2),
        p95_ms=round(percentile(latencies_ms, 95), 2),
        statuses={str(k): v for k, v in sorted(statuses.items(), key=lambda kv: str(kv[0]))},
    )


async def _run(
    url: str,
    *,
    concurrency: int,
    duration: float | None,
    requests: int | None,
    headers: dict | None,
    cookies: dict | None,
    warmup: float,
) -> LoadResult:
    import aiohttp

    connector = aiohttp.TCPConnector(limit=concurrency, force_close=False)
    timeout = aiohttp.ClientTimeout(total=120)
    latencies: list[float] = []
    statuses: dict = {}
    jar = aiohttp.DummyCookieJar()  # never keep cookies the server sets: each request is alike
    async with aiohttp.ClientSession(
        connector=connector, timeout=timeout, headers=headers or {}, cookie_jar=jar
    ) as session:
        cookie_header = "; ".join(f"{k}={v}" for k, v in (cookies or {}).items())
        extra = {"Cookie": cookie_header} if cookie_header else {}

        async def one(record: bool) -> None:
            start = time.perf_counter()
            try:
                async with session.get(url, headers=extra, allow_redirects=False) as response:
                    await response.read()
                    status = response.status
            except (TimeoutError, aiohttp.ClientError) as exc:
                status = type(exc).__name__
            if record:
                statuses[status] = statuses.get(status, 0) + 1
                if isinstance(status, int) and 200 <= status < 300:
                    latencies.append((time.perf_counter() - start) * 1000)

        if warmup > 0:
            end = time.perf_counter() + warmup
            await asyncio.gather(*(_loop(one, False, end, None) for _ in range(concurrency)))
        counter = {"left": requests} if requests else None
        start = time.perf_counter()
        end = start + duration if duration else math.inf
        await asyncio.gather(*(_loop(one, True, end, counter) for _ in range(concurrency)))
        seconds = time.perf_counter() - start
    return summarize(url, concurrency, latencies, statuses, seconds)


async def _loop(one, record: bool, end: float, counter: dict | None) -> None:
    while time.perf_counter() < end:
        if counter is not None:
            if counter["left"] <= 0:
                return
            counter["left"] -= 1
        await one(record)


def run(
    url: str,
    *,
    concurrency: int = 4,
    duration: float | None = 5.0,
    requests: int | None = None,
    headers: dict | None = None,
    cookies: dict | None = None,
    warmup: float = 0.5,
) -> LoadResult:
    """Ask `url` with `concurrency` clients for `duration` seconds or `requests` requests (whichever
    ends first), after `warmup` seconds of unrecorded requests. Only 2xx answers count as done;
    anything else is counted in `errors` and `statuses`."""
    if not duration and not requests:
        raise ValueError("give a duration or a request count")
    return asyncio.run(
        _run(
            url,
            concurrency=concurrency,
            duration=duration,
            requests=requests,
            headers=headers,
            cookies=cookies,
            warmup=warmup,
        )
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("url")
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--requests", type=int, default=None)
    parser.add_argument("--header", action="append", default=[], help="Name: value")
    args = parser.parse_args(argv)
    headers = dict(h.split(":", 1) for h in args.header)
    headers = {k.strip(): v.strip() for k, v in headers.items()}
    result = run(
        args.url,
        concurrency=args.concurrency,
        duration=args.duration,
        requests=args.requests,
        headers=headers,
    )
    print(json.dumps(result.as_dict(), indent=1))


if __name__ == "__main__":
    main()
