"""The benchmark harness (bench/): its arithmetic, its results documents, the bench settings and their
two middlewares, the load generator against a real local server."""

from __future__ import annotations

import http.server
import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory, override_settings

from bench import load, report
from bench.middleware import BenchPortalCacheMiddleware, QueryProbeMiddleware
from bench.run import database_name, growth, scales_from

ROOT = Path(__file__).resolve().parents[2]


# --- arithmetic -----------------------------------------------------------------------------------


def test_percentile_interpolates_between_ranks():
    values = [10.0, 20.0, 30.0, 40.0, 50.0]
    assert load.percentile(values, 50) == 30.0
    assert load.percentile(values, 95) == pytest.approx(48.0)
    assert load.percentile(values, 0) == 10.0
    assert load.percentile(values, 100) == 50.0
    assert load.percentile([7.0], 95) == 7.0
    assert load.percentile(list(reversed(values)), 50) == 30.0  # order does not matter


def test_summary_counts_only_successes_as_done():
    result = load.summarize("u", 2, [10.0, 30.0], {200: 2, 500: 1, "ClientOSError": 1}, seconds=2.0)
    assert result.requests == 2
    assert result.errors == 2
    assert result.rps == 1.0
    assert result.p50_ms == 20.0


def test_ratios_to_the_bare_view():
    assert report.ratio(50, 200) == 0.25
    assert report.ratio(1, 0) is None
    assert report.ratio(None, 10) is None
    bare = {"rps": 400.0, "p50_ms": 5.0, "p95_ms": 10.0}
    page = {"rps": 12.0, "p50_ms": 150.0, "p95_ms": 400.0}
    assert report.page_ratios(page, bare) == {"rps_ratio": 0.03, "p50_x": 30.0, "p95_x": 40.0}
    # small ratios keep their significant figures
    assert report.page_ratios({"rps": 0.12, "p50_ms": 1, "p95_ms": 1}, bare)["rps_ratio"] == 0.0003
    assert report.reference_rps([{"rps": 100.0}, {"rps": 300.0}]) == 200.0
    assert report.reference_rps([]) is None


def test_growth_between_scales():
    docs = {
        0.1: {"figures": [{"name": "m", "seconds": 0.2}]},
        1.0: {"figures": [{"name": "m", "seconds": 1.0}]},
    }
    assert growth(docs, "m") == "m: 5.00× the time for 10× the data"
    assert growth({1.0: docs[1.0]}, "m") is None


def test_scales_and_database_names():
    assert scales_from("1 10") == [1.0, 10.0]
    assert scales_from("0.1,1") == [0.1, 1.0]
    with pytest.raises(ValueError):
        scales_from("0 1")
    assert database_name(0.1) == "bench_0_1x"
    assert database_name(10.0, "ci_bench") == "ci_bench_10x"
    assert report.scale_tag(1.0) == "1x"


# --- results documents ----------------------------------------------------------------------------


def test_results_document_schema_and_file(tmp_path):
    doc = report.document("sweeps", 0.1, [{"name": "lights", "seconds": 1.5, "queries": 12}])
    assert report.validate(doc) == []
    assert {"host", "cpus", "python"} <= doc["machine"].keys()
    assert doc["commit"]
    path = report.write(doc, tmp_path)
    assert path.name == "sweeps-0.1x.json"
    assert json.loads(path.read_text("utf-8"))["figures"][0]["queries"] == 12


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (lambda d: d.pop("commit"), "missing commit"),
        (lambda d: d.update(scale=0), "scale must be a positive number"),
        (lambda d: d.update(figures=[{"seconds": 1}]), "figures must be a list of objects with a name"),
        (lambda d: d.update(date="yesterday"), "date is not ISO 8601"),
    ],
)
def test_invalid_documents_are_refused(tmp_path, change, problem):
    doc = report.document("x", 1, [{"name": "a"}])
    change(doc)
    assert problem in report.validate(doc)
    with pytest.raises(ValueError):
        report.write(doc, tmp_path)


def test_pages_table_puts_scales_side_by_side():
    def doc(scale, cached, uncached):
        return {
            "figures": [
                {
                    "name": "home",
                    "queries": 6,
                    "sql_ms": 1.0,
                    "cached": {"rps_ratio": cached},
                    "uncached": {"rps_ratio": uncached, "p95_x": 20.0},
                }
            ]
        }

    table = report.pages_table({1.0: doc(1.0, 0.6, 0.079), 10.0: doc(10.0, 0.55, 0.13)})
    header, _, row = table.splitlines()
    assert "cached 1x" in header and "uncached 10x" in header
    assert row == "| home | 0.6 | 0.079 | 20 | 6 | 1 | 0.55 | 0.13 | 20 | 6 | 1 |"


# --- the bench settings -----------------------------------------------------------------------------


def test_bench_settings_load_production_like_with_the_bench_additions():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps({'debug': settings.DEBUG, 'urls': settings.ROOT_URLCONF, "
        "'mw': settings.MIDDLEWARE, 'kind': settings.SETTINGS_KIND, 'otp': settings.OTP_TRUST_TEST_CLIENT_LOGINS, "
        "'storage': settings.STORAGES['staticfiles']['BACKEND'], 'cache': settings.PORTAL_CACHE['ENABLED']}))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.bench"}
    env.pop("DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert loaded["debug"] is False
    assert loaded["otp"] is False  # staff pages are asked with a really verified session
    assert loaded["kind"] == "bench"
    assert loaded["urls"] == "bench.urls"
    assert loaded["cache"] is True
    assert loaded["storage"].startswith("whitenoise.")
    assert loaded["mw"][0] == "bench.middleware.QueryProbeMiddleware"
    assert "core.portal_cache.PortalCacheMiddleware" not in loaded["mw"]
    assert (
        loaded["mw"].index("bench.middleware.BenchPortalCacheMiddleware")
        == loaded["mw"].index("core.middleware.ChineseFirstLocaleMiddleware") + 1
    )


def test_other_settings_have_no_bench_route():
    from django.conf import settings
    from django.urls import Resolver404, resolve

    assert "bench" not in settings.ROOT_URLCONF
    try:
        match = resolve("/bench/bare/")
    except Resolver404:
        return
    assert match.url_name != "bench_bare"  # Wagtail's catch-all may answer, never the bare view


@pytest.mark.django_db
def test_query_probe_writes_counts_and_the_slowest_query(tmp_path):
    def view(request):
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.execute("SELECT 2")
        return HttpResponse("ok")

    middleware = QueryProbeMiddleware(view)
    with override_settings(BENCH_PROBE_DIR=tmp_path):
        plain = middleware(RequestFactory().get("/x/"))
        probed = middleware(RequestFactory().get("/x/", HTTP_X_BENCH_PROBE="p-1"))
        refused = middleware(RequestFactory().get("/x/", HTTP_X_BENCH_PROBE="../etc/passwd"))
    assert not plain.has_header("X-Bench-Queries")
    assert not refused.has_header("X-Bench-Queries")
    assert probed["X-Bench-Queries"] == "2"
    record = json.loads((tmp_path / "p-1.json").read_text("utf-8"))
    assert record["queries"] == 2 and len(record["statements_ms"]) == 2
    assert record["slowest"]["sql"] in ("SELECT 1", "SELECT 2")
    assert [p.name for p in tmp_path.iterdir()] == ["p-1.json"]


@pytest.mark.django_db
def test_bypass_header_serves_an_uncached_page():
    calls = []

    def view(request):
        calls.append(request.path)
        return HttpResponse("page")

    config = {"ENABLED": True, "TIMEOUT": 60, "PATHS": [("/bench-cached/", ("cms",))]}
    with override_settings(PORTAL_CACHE=config):
        middleware = BenchPortalCacheMiddleware(view)
        first = middleware(RequestFactory().get("/bench-cached/"))
        second = middleware(RequestFactory().get("/bench-cached/"))
        bypassed = middleware(RequestFactory().get("/bench-cached/", HTTP_X_BENCH_CACHE="bypass"))
    assert first["X-Portal-Cache"] == "miss"
    assert second["X-Portal-Cache"] == "hit"
    assert not bypassed.has_header("X-Portal-Cache")
    assert len(calls) == 2  # the first request and the bypassed one reached the view


# --- the load generator -----------------------------------------------------------------------------


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_GET(self):
        status = 404 if self.path == "/missing" else 200
        self.send_response(status)
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def local_server():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_load_generator_is_bounded_by_request_count(local_server):
    result = load.run(local_server + "/", concurrency=3, duration=None, requests=30, warmup=0)
    assert result.requests == 30
    assert result.errors == 0
    assert result.rps > 0 and 0 < result.p50_ms <= result.p95_ms
    assert result.statuses == {"200": 30}


def test_load_generator_counts_errors_apart(local_server):
    result = load.run(local_server + "/missing", concurrency=2, duration=0.3, warmup=0)
    assert result.requests == 0
    assert result.errors > 0
    assert set(result.statuses) == {"404"}


def test_smoke_problems_are_server_errors_and_failed_cases():
    from bench.scale import case_problems, page_problems

    figures = [
        {"name": "home", "path": "/", "status": 200},
        {"name": "board", "path": "/b/", "status": 403},
        {"name": "stats", "path": "/s/", "status": 500},
        {"name": "staff", "path": "/x/", "skipped": "no such user"},
    ]
    assert page_problems(figures) == ["page stats (/s/): status 500"]
    assert case_problems("imports", None) == ["case imports: did not finish"]
    doc = {"figures": [{"name": "ok", "seconds": 1}, {"name": "orgs", "error": "ValueError: x"}]}
    assert case_problems("imports", doc) == ["case imports: orgs: ValueError: x"]


def test_compare_two_runs_shows_before_and_after():
    before = {
        "figures": [{"name": "board", "queries": 25, "sql_ms": 454.0, "uncached": {"rps_ratio": 0.0015}}]
    }
    after = {"figures": [{"name": "board", "queries": 9, "sql_ms": 3.0, "uncached": {"rps_ratio": 0.21}}]}
    row = report.compare_pages(before, after).splitlines()[-1]
    assert row == "| board | 0.0015 → 0.21 | – | 25 → 9 | 454 → 3 |"
    cases = report.compare_cases(
        {"figures": [{"name": "import", "seconds": 10.0, "queries": 1700, "ratio": 0.027}]},
        {"figures": [{"name": "import", "seconds": 1.0, "queries": 12, "ratio": 0.3}]},
    )
    assert cases.splitlines()[-1] == "| import | 10 → 1 | 1,700 → 12 | – | 0.027 → 0.3 | – |"


@pytest.mark.django_db
def test_bench_session_is_verified_by_django_otp_and_its_device_is_cleaned_up():
    from django.contrib.sessions.backends.db import SessionStore
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.models import Device
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from bench.sessions import cleanup, verified_session
    from tests.factories import UserFactory

    user = UserFactory()
    own = TOTPDevice.objects.create(user=UserFactory(), name="default", confirmed=True)
    key = verified_session(user)
    session = SessionStore(session_key=key).load()
    device = Device.from_persistent_id(session[DEVICE_ID_SESSION_KEY])
    assert device.user == user and device.confirmed and device.name == "bench"
    assert session["_auth_user_id"] == str(user.pk)
    assert cleanup() == 1
    assert list(TOTPDevice.objects.all()) == [own]


def test_throughput_asks_each_page_with_one_then_two_workers_and_reports_the_rise(local_server):
    """bench/throughput.py against a real local server: each worker count gets its own server start,
    every page is asked uncached, the ratio is the last count's req/s over the first's."""
    import contextlib

    from bench import throughput

    started: list[int] = []

    @contextlib.contextmanager
    def server(workers):
        started.append(workers)
        yield local_server

    seen: list[tuple[str, dict]] = []
    speed = {1: 100.0, 2: 170.0}

    def runner(url, **kwargs):
        seen.append((url, kwargs["headers"]))
        result = load.run(url, concurrency=2, duration=None, requests=4, warmup=0)
        result.rps = speed[started[-1]]  # the server is the same: only the arithmetic is checked
        return result

    figures = throughput.measure(
        server, duration=0.1, concurrency=2, paths={"a": "/", "b": "/missing"}, runner=runner
    )
    assert started == [1, 2]
    assert [url for url, _headers in seen] == [local_server + p for p in ("/", "/missing") * 2]
    assert all(headers == {"X-Bench-Cache": "bypass"} for _url, headers in seen)
    first, missing = figures
    assert first["ratio"] == pytest.approx(1.7)
    assert first["note"] == "1 worker(s) 100.0 req/s, 2 worker(s) 170.0 req/s"
    assert "error" not in first
    assert "404" in missing["error"]  # a page that fails is a problem, not a figure
