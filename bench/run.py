"""`make bench`: every scale in BENCH_SCALES (default "1"; "1 10" for the issue's table) on its own
PostgreSQL database, then the tables of all figures. Environment:

    BENCH_SCALES="1 10"   scales of bench/generate.py (1× = 5,000 organizations, 200,000 volunteers)
    BENCH_DURATION=5      seconds of load per page and mode (after 0.5 s of warm-up)
    BENCH_CONCURRENCY=4   concurrent loopback clients (gunicorn has 2 workers)
    BENCH_PORT=8765       gunicorn's loopback port
    BENCH_DATABASE_URL    server part of the databases (postgres://ci:ci@127.0.0.1:5432); each scale
                          gets the database bench_<scale>x (bench_1x, bench_0_1x, bench_10x);
    BENCH_DB_PREFIX=bench   another prefix for those names
    BENCH_CACHE_URL, BENCH_BROKER_URL   Redis databases of the bench server (redis://…/13 and /14)
    BENCH_TEMPLATE_DB     create a missing bench database as a copy of this migrated one (CI: ci)
    BENCH_REUSE=1         keep the data a previous run generated
    BENCH_SMOKE=1         tiny and short: proves the harness works (CI), figures mean nothing
    BENCH_ONLY=pages|throughput|cases, BENCH_CASES=matching,sweeps,...  a part only

Results: bench/results/<name>-<scale>x.json (see docs/performance.md)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

from bench import report

ROOT = Path(__file__).resolve().parent.parent


def database_name(scale: float, prefix: str = "bench") -> str:
    return f"{prefix}_" + report.scale_tag(scale).replace(".", "_")


def scales_from(text: str) -> list[float]:
    scales = [float(part) for part in text.replace(",", " ").split()]
    if not scales or any(s <= 0 for s in scales):
        raise ValueError(f"BENCH_SCALES must list positive numbers, not {text!r}")
    return scales


def load_docs(scales: list[float], directory: Path = report.RESULTS_DIR) -> dict[str, dict[float, dict]]:
    docs: dict[str, dict[float, dict]] = {}
    for path in sorted(directory.glob("*.json")):
        doc = json.loads(path.read_text("utf-8"))
        if report.validate(doc) or doc["scale"] not in scales:
            continue
        docs.setdefault(doc["name"], {})[doc["scale"]] = doc
    return docs


def growth(docs_by_scale: dict[float, dict], figure_name: str) -> str | None:
    """'x.x× for y× the data' between the smallest and the largest scale of one figure."""
    scales = sorted(docs_by_scale)
    if len(scales) < 2:
        return None
    first = {f["name"]: f for f in docs_by_scale[scales[0]]["figures"]}.get(figure_name, {})
    last = {f["name"]: f for f in docs_by_scale[scales[-1]]["figures"]}.get(figure_name, {})
    r = report.ratio(last.get("seconds"), first.get("seconds"))
    if r is None:
        return None
    return f"{figure_name}: {r:.2f}× the time for {scales[-1] / scales[0]:g}× the data"


def print_tables(scales: list[float]) -> None:
    docs = load_docs(scales)
    print()
    if "pages" in docs:
        print("## Pages: requests/s as a ratio to the bare view (same gunicorn, same run)\n")
        print(report.pages_table(docs["pages"]))
        for scale, doc in sorted(docs["pages"].items()):
            bare = doc.get("bare", {}).get("reference", {})
            print(
                f"\n{report.scale_tag(scale)}: bare view {report.fmt(bare.get('rps'))} req/s "
                f"(p50 {report.fmt(bare.get('p50_ms'))} ms); data: {doc.get('data')}"
            )
            slowest = doc.get("slowest")
            if slowest:
                print(f"slowest query ({slowest['page']}, {slowest['ms']} ms):\n  {slowest['sql'][:400]}")
                plan = slowest["plan"].splitlines()[:25]
                print(
                    "  plan:\n"
                    + "\n".join("    " + (ln if len(ln) <= 160 else ln[:157] + "...") for ln in plan)
                )
    cases = [doc for name, by_scale in docs.items() if name != "pages" for doc in by_scale.values()]
    if cases:
        print("\n## In-process cases\n")
        print(report.cases_table(sorted(cases, key=lambda d: (d["name"], d["scale"]))))
    if "matching" in docs:
        line = growth(docs["matching"], "match suggestions for one need")
        if line:
            print("\n" + line)


def main() -> int:
    scales = scales_from(os.environ.get("BENCH_SCALES", "1"))
    server = os.environ.get("BENCH_DATABASE_URL", "postgres://ci:ci@127.0.0.1:5432").rstrip("/")
    smoke = os.environ.get("BENCH_SMOKE") == "1"
    duration = os.environ.get("BENCH_DURATION", "0.5" if smoke else "5")
    started = time.perf_counter()
    for scale in scales:
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings.bench",
            "DATABASE_URL": f"{server}/{database_name(scale, os.environ.get('BENCH_DB_PREFIX', 'bench'))}",
            "CACHE_URL": os.environ.get("BENCH_CACHE_URL", "redis://127.0.0.1:6379/13"),
            "CELERY_BROKER_URL": os.environ.get("BENCH_BROKER_URL", "redis://127.0.0.1:6379/14"),
            "PORTAL_CACHE_ENABLED": "1",
        }
        command = [
            sys.executable,
            "-m",
            "bench.scale",
            "--scale",
            f"{scale:g}",
            "--duration",
            duration,
            "--concurrency",
            os.environ.get("BENCH_CONCURRENCY", "4"),
            "--port",
            os.environ.get("BENCH_PORT", "8765"),
        ]
        if smoke:
            command.append("--smoke")
        if os.environ.get("BENCH_REUSE") == "1":
            command.append("--reuse")
        if os.environ.get("BENCH_ONLY"):
            command += ["--only", os.environ["BENCH_ONLY"]]
        if os.environ.get("BENCH_CASES"):
            command += ["--cases", os.environ["BENCH_CASES"]]
        print(f"=== scale {scale:g} on {env['DATABASE_URL'].rsplit('/', 1)[-1]}", flush=True)
        completed = subprocess.run(command, cwd=ROOT, env=env)
        if completed.returncode != 0:
            print(f"scale {scale:g} failed ({completed.returncode})", file=sys.stderr)
            return completed.returncode
    print_tables(scales)
    print(f"\nmake bench took {time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
