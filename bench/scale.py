"""One scale of `make bench`: the database, the data, gunicorn, the pages under load, then the
in-process cases (each in its own process). Called by bench/run.py; DATABASE_URL names the bench
database of this scale, DJANGO_SETTINGS_MODULE is config.settings.bench.

    python -m bench.scale --scale 1 --duration 5 --concurrency 4 --port 8765
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from bench import load, report, throughput
from bench.pages import Page, fetch, fixed_pages, item_pages

ROOT = Path(__file__).resolve().parent.parent
PY = sys.executable
CASES = ["matching", "evaluation", "imports", "sweeps", "memory"]


def log(message: str) -> None:
    print(f"[bench {time.strftime('%H:%M:%S', time.gmtime())} UTC] {message}", flush=True)


def manage(*args: str, env: dict | None = None, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run([PY, "manage.py", *args], cwd=ROOT, env=env or os.environ.copy(), check=check)


def ensure_database(url: str, template: str | None = None) -> None:
    """CREATE DATABASE for the bench database of DATABASE_URL when missing (PostgreSQL only), as a
    copy of `template` when given (an already migrated database: CI's smoke saves the migrations)."""
    import dj_database_url
    import psycopg

    config = dj_database_url.parse(url)
    if "postgresql" not in config["ENGINE"]:
        return
    admin = psycopg.connect(
        host=config["HOST"] or "127.0.0.1",
        port=config["PORT"] or 5432,
        user=config["USER"],
        password=config["PASSWORD"],
        dbname="postgres",
        autocommit=True,
    )
    with admin:
        exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", [config["NAME"]]).fetchone()
        if not exists:
            if template:
                try:
                    admin.execute(f'CREATE DATABASE "{config["NAME"]}" TEMPLATE "{template}"')
                    log(f"created database {config['NAME']} from {template}")
                    return
                except psycopg.Error as exc:  # e.g. the template is in use: migrate from scratch
                    log(f"could not copy {template} ({exc}); creating an empty database")
            admin.execute(f'CREATE DATABASE "{config["NAME"]}"')
            log(f"created database {config['NAME']}")


def generate(scale: float, seed: int) -> dict:
    """The generated city (bench/generate.py) at `scale`; the demo data when the generator is absent."""
    started = time.perf_counter()
    if importlib.util.find_spec("bench.generate") is not None:
        subprocess.run(
            [PY, "-m", "bench.generate", "--scale", f"{scale:g}", "--seed", str(seed), "--wipe"],
            cwd=ROOT,
            check=True,
        )
        source = "bench.generate"
    else:
        log("bench/generate.py not found: filling the database with manage.py seed_demo instead")
        manage("seed_demo")
        source = "seed_demo"
    return {"source": source, "seconds": round(time.perf_counter() - started, 1)}


@contextlib.contextmanager
def gunicorn(port: int, workers: int = 2):
    log_path = ROOT / "var" / "bench" / "gunicorn.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    with open(log_path, "ab") as log_file:
        process = subprocess.Popen(
            [
                str(Path(PY).parent / "gunicorn"),
                "config.wsgi:application",
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{port}",
                "--timeout",
                "300",
                "--graceful-timeout",
                "5",
            ],
            cwd=ROOT,
            env=os.environ.copy(),
            stdout=log_file,
            stderr=log_file,
            start_new_session=True,
        )
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(120):
                if process.poll() is not None:
                    raise RuntimeError(f"gunicorn exited ({process.returncode}); see {log_path}")
                try:
                    if fetch(base, "/bench/bare/", timeout=2)[0] == 200:
                        break
                except OSError:
                    pass
                time.sleep(0.5)
            else:
                raise RuntimeError(f"gunicorn did not answer on {base}; see {log_path}")
            yield base
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def probe(base: str, page: Page, cookies: dict | None, probe_dir: Path) -> dict:
    """One observed request of the page, uncached, after an unobserved one: status, queries, SQL ms,
    the slowest query's plan."""
    probe_id = f"{int(time.time() * 1000)}-{abs(hash(page.path)) % 10**8}"
    headers = {"X-Bench-Probe": probe_id, "X-Bench-Cache": "bypass"}
    if cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    # one unobserved request first: the probe sees the steady state (summaries built, connection open)
    fetch(base, page.path, {k: v for k, v in headers.items() if k != "X-Bench-Probe"})
    started = time.perf_counter()
    status, body, _ = fetch(base, page.path, headers)
    result = {
        "status": status,
        "bytes": len(body),
        "first_ms": round((time.perf_counter() - started) * 1000, 1),
        "queries": None,
        "sql_ms": None,
        "slowest": None,
    }
    record_path = probe_dir / f"{probe_id}.json"
    if record_path.exists():
        record = json.loads(record_path.read_text("utf-8"))
        result.update(queries=record["queries"], sql_ms=record["sql_ms"], slowest=record["slowest"])
    return result


def measure_pages(
    base: str, *, duration: float, concurrency: int, smoke: bool, district: str | None, cookies: dict
):
    probe_dir = Path(os.environ.get("BENCH_PROBE_DIR", ROOT / "var" / "bench" / "probes"))
    pages = fixed_pages(district) + item_pages(base)
    figures = []
    run = {"concurrency": concurrency, "duration": duration, "warmup": 0.5 if not smoke else 0.0}

    def timed(path: str, headers: dict | None = None, cookie: dict | None = None) -> dict:
        return load.run(base + path, headers=headers, cookies=cookie, **run).as_dict()

    bare_before = timed("/bench/bare/")
    log(f"bare view: {bare_before['rps']} req/s, p50 {bare_before['p50_ms']} ms")
    for page in pages:
        cookie = None if page.who == "anonymous" else cookies.get(page.who)
        if page.who != "anonymous" and not cookie:
            figures.append({"name": page.name, "path": page.path, "who": page.who, "skipped": "no such user"})
            continue
        observed = probe(base, page, cookie, probe_dir)
        figure = {"name": page.name, "path": page.path, "who": page.who, "group": page.group, **observed}
        if observed["status"] != 200:
            figure["skipped"] = f"status {observed['status']}"
            log(f"{page.name}: {page.path} answered {observed['status']}, not timed")
            figures.append(figure)
            continue
        if page.who == "anonymous":
            fetch(base, page.path)  # fill the cache
            figure["cached"] = timed(page.path)
            figure["uncached"] = timed(page.path, headers={"X-Bench-Cache": "bypass"})
        else:
            figure["signed_in"] = timed(page.path, cookie=cookie)
            figure["uncached"] = figure["signed_in"]
        log(
            f"{page.name}: uncached {figure['uncached']['rps']} req/s"
            + (f", cached {figure['cached']['rps']} req/s" if "cached" in figure else "")
            + f", {figure['queries']} queries, {figure['sql_ms']} ms SQL"
        )
        figures.append(figure)
    bare_after = timed("/bench/bare/")
    bare = {
        "rps": report.reference_rps([bare_before, bare_after]),
        "p50_ms": (bare_before["p50_ms"] + bare_after["p50_ms"]) / 2,
        "p95_ms": (bare_before["p95_ms"] + bare_after["p95_ms"]) / 2,
    }
    for figure in figures:
        for mode in ("cached", "uncached", "signed_in"):
            if figure.get(mode):
                figure[mode].update(report.page_ratios(figure[mode], bare))
    slowest = max((f for f in figures if f.get("slowest")), key=lambda f: f["slowest"]["ms"], default=None)
    return figures, {"before": bare_before, "after": bare_after, "reference": bare}, slowest


def prepare_django() -> tuple[str | None, dict]:
    import django

    django.setup()
    from django.core.cache import cache

    from bench.sessions import cookies_for
    from core.models import District

    cache.clear()  # the bench's own Redis database: no page of another scale is served from it
    try:
        from cms import opendata_files
    except ImportError:  # a tree without the stored yearly files
        opendata_files = None
    if opendata_files is not None and opendata_files.latest() is None:
        # a reused database generated before the files existed: what the night would have written
        log(f"open-data yearly files written: {len(opendata_files.generate().files)}")
    district = District.objects.order_by("sort_order", "code").values_list("code", flat=True).first()
    roles = {"supervisor", "procurement_officer", "registry_admin", "volunteer_centre"}
    cookies = {role: c for role in roles if (c := cookies_for(role))}
    return district, cookies


def run_case(name: str, scale: float, smoke: bool) -> dict | None:
    out = ROOT / "var" / "bench" / f"case-{name}.json"
    out.unlink(missing_ok=True)
    command = [PY, "-m", f"bench.cases.{name}", "--scale", f"{scale:g}", "--out", str(out)]
    if smoke:
        command.append("--smoke")
    started = time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=os.environ.copy())
    if completed.returncode != 0 or not out.exists():
        log(f"case {name} failed ({completed.returncode})")
        return None
    doc = json.loads(out.read_text("utf-8"))
    log(f"case {name}: {time.perf_counter() - started:.1f} s")
    return doc


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="one scale of make bench")
    parser.add_argument("--scale", type=float, required=True)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--smoke", action="store_true", help="tiny and short: shows it works, not timed")
    parser.add_argument("--reuse", action="store_true", help="keep the data already in the database")
    parser.add_argument("--only", choices=["pages", "throughput", "cases"], default=None)
    parser.add_argument("--cases", default=",".join(CASES))
    args = parser.parse_args(argv)

    url = os.environ["DATABASE_URL"]
    ensure_database(url, os.environ.get("BENCH_TEMPLATE_DB") or None)
    log(f"scale {args.scale:g}: migrate")
    manage("migrate", "--noinput", "-v", "0")
    data = {"source": "reused"}
    if not args.reuse:
        # what an earlier run's staff sessions left (bench/sessions.py) would block the generator's wipe
        subprocess.run([PY, "-m", "bench.sessions"], cwd=ROOT, env=os.environ.copy(), check=True)
        log(f"scale {args.scale:g}: generate")
        data = generate(args.scale, args.seed)
        log(f"data ready ({data})")
    written = []
    problems: list[str] = []
    if args.only in (None, "pages"):
        manage("collectstatic", "--noinput", "-v", "0")
        district, cookies = prepare_django()
        with gunicorn(args.port) as base:
            figures, bare, slowest = measure_pages(
                base,
                duration=args.duration,
                concurrency=args.concurrency,
                smoke=args.smoke,
                district=district,
                cookies=cookies,
            )
        doc = report.document(
            "pages",
            args.scale,
            figures,
            bare=bare,
            slowest=slowest and {"page": slowest["name"], **slowest["slowest"]},
            data=data,
            settings={
                "workers": 2,
                "concurrency": args.concurrency,
                "duration": args.duration,
                "smoke": args.smoke,
            },
        )
        written.append(report.write(doc))
        problems += page_problems(figures)
    if args.only in (None, "throughput"):
        if args.only:
            manage("collectstatic", "--noinput", "-v", "0")
            prepare_django()
        figures = throughput.measure(
            lambda workers: gunicorn(args.port, workers=workers),
            duration=args.duration,
            concurrency=args.concurrency,
        )
        doc = report.document(
            "throughput",
            args.scale,
            figures,
            data=data,
            settings={"concurrency": args.concurrency, "duration": args.duration, "smoke": args.smoke},
        )
        written.append(report.write(doc))
        problems += case_problems("throughput", doc)
    if args.only in (None, "cases"):
        for name in [c for c in args.cases.split(",") if c]:
            doc = run_case(name, args.scale, args.smoke)
            problems += case_problems(name, doc)
            if doc is not None:
                doc.setdefault("data", data)
                written.append(report.write(doc))
    for path in written:
        log(f"wrote {path.relative_to(ROOT)}")
    if problems:
        log("problems:\n  " + "\n  ".join(problems))
        if args.smoke:
            return 1  # the smoke (CI) proves every page and case still runs
    return 0


def page_problems(figures: list[dict]) -> list[str]:
    """Pages that broke: a server error (a page that is absent or forbidden is only skipped)."""
    return [
        f"page {f['name']} ({f['path']}): status {f['status']}"
        for f in figures
        if isinstance(f.get("status"), int) and f["status"] >= 500
    ]


def case_problems(name: str, doc: dict | None) -> list[str]:
    if doc is None:
        return [f"case {name}: did not finish"]
    return [f"case {name}: {f['name']}: {f['error']}" for f in doc["figures"] if f.get("error")]


if __name__ == "__main__":
    sys.exit(main())
