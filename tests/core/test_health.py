"""`/health/` (core/health.py): database, cache, broker and worker heartbeats as JSON, 200 when all
pass and 503 when one fails, open to anonymous visitors, never cached."""

import os
import time

import pytest
from django.core.cache import caches
from django.db import OperationalError, connections
from django.test import Client

from core.health import CHECKS, heartbeat_key, record_heartbeat, worker_heartbeat

QUEUES = ["celery", "sweeps", "email"]


@pytest.fixture(autouse=True)
def _own_heartbeats_and_broker(settings, tmp_path):
    """A heartbeat cache and a broker of this test's own (files under tmp_path), every queue required."""
    settings.CACHES = {
        **settings.CACHES,
        "heartbeats": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(tmp_path / "heartbeats"),
        },
    }
    settings.CELERY_BROKER_URL = f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}"
    settings.HEALTH_WORKER_QUEUES = QUEUES
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 300
    settings.HEALTH_BROKER_TIMEOUT_SECONDS = 2


def beat_all(at=None):
    for queue in QUEUES:
        record_heartbeat(queue, at=at)


def get(query="", client=None):
    return (client or Client()).get("/health/" + query)


@pytest.mark.django_db
def test_all_up_answers_200_with_every_check_to_an_anonymous_visitor():
    beat_all()
    response = get()
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "no-store" in response["Cache-Control"] and "no-cache" in response["Cache-Control"]
    assert "Set-Cookie" not in response.headers
    body = response.json()
    assert body["ok"] is True
    assert list(body["checks"]) == ["database", "cache", "broker", "worker"]
    for check in body["checks"].values():
        assert check["ok"] is True
        assert isinstance(check["ms"], float)
    worker = body["checks"]["worker"]
    assert worker["max_age_seconds"] == 300
    assert set(worker["queues"]) == set(QUEUES)
    assert all(0 <= q["age_seconds"] <= 5 for q in worker["queues"].values())


@pytest.mark.django_db
def test_a_logged_in_user_gets_the_same_answer_and_post_is_refused(django_user_model):
    beat_all()
    user = django_user_model.objects.create_user(username="h1", email="h1@example.org", password="x" * 12)
    client = Client()
    client.force_login(user)
    assert get(client=client).json()["ok"] is True
    assert client.post("/health/").status_code == 405


@pytest.mark.django_db
def test_broker_down_answers_503_with_only_the_broker_false(settings):
    beat_all()
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    started = time.monotonic()
    response = get()
    assert time.monotonic() - started < 10
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert response.json()["ok"] is False
    assert checks["broker"]["ok"] is False
    assert checks["broker"]["error"]  # the exception's class, no message (no host, no password)
    assert "127.0.0.1" not in response.content.decode()
    assert [name for name, check in checks.items() if check["ok"]] == ["database", "cache", "worker"]


@pytest.mark.django_db
def test_cache_down_answers_503_with_the_cache_false(settings):
    beat_all()
    settings.CACHES = {
        **settings.CACHES,
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
        },
    }
    response = get("?checks=cache,database")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["cache"]["ok"] is False and checks["database"]["ok"] is True


@pytest.mark.django_db
def test_database_down_answers_503_with_the_database_false(monkeypatch):
    beat_all()

    def refused(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connections["default"], "cursor", refused)
    response = get("?checks=database,cache")
    assert response.status_code == 503
    checks = response.json()["checks"]
    assert checks["database"] == {"ok": False, "error": "OperationalError", "ms": checks["database"]["ms"]}
    assert checks["cache"]["ok"] is True


@pytest.mark.django_db
def test_worker_check_fails_without_a_heartbeat_on_every_queue():
    response = get("?checks=worker")
    assert response.status_code == 503
    assert response.json()["checks"]["worker"]["queues"] == {q: {"age_seconds": None} for q in QUEUES}

    # the heartbeat task, as a worker of the sweeps queue runs it: one queue served, two not yet
    worker_heartbeat.delay("sweeps")
    queues = get("?checks=worker").json()["checks"]["worker"]["queues"]
    assert queues["sweeps"]["age_seconds"] <= 5
    assert queues["celery"] == queues["email"] == {"age_seconds": None}

    worker_heartbeat.delay("celery")
    worker_heartbeat.delay("email")
    assert get("?checks=worker").status_code == 200


@pytest.mark.django_db
def test_worker_check_fails_when_a_heartbeat_is_older_than_the_max_age(settings):
    beat_all()
    record_heartbeat("email", at=time.time() - 400)
    response = get("?checks=worker")
    assert response.status_code == 503
    queues = response.json()["checks"]["worker"]["queues"]
    assert 399 <= queues["email"]["age_seconds"] <= 405
    settings.HEALTH_WORKER_MAX_AGE_SECONDS = 600
    assert get("?checks=worker").status_code == 200


@pytest.mark.django_db
def test_checks_parameter_selects_checks_and_refuses_unknown_ones():
    # a load balancer's probe of one web process: no worker needed
    response = get("?checks=database,cache")
    assert response.status_code == 200
    assert list(response.json()["checks"]) == ["database", "cache"]
    bad = get("?checks=database,<script>")
    assert bad.status_code == 400
    assert bad.json() == {"error": "unknown check", "known": list(CHECKS)}


@pytest.mark.django_db
def test_the_answer_is_never_kept_by_the_portal_cache(settings):
    settings.PORTAL_CACHE = {**settings.PORTAL_CACHE, "ENABLED": True}
    assert get("?checks=worker").status_code == 503
    beat_all()
    assert get("?checks=worker").status_code == 200


@pytest.mark.django_db
def test_health_does_not_run_in_the_request_transaction():
    """With ATOMIC_REQUESTS a database that is down would fail the request before the view: the view
    opts out, so it can answer 503 itself."""
    from core.health import health

    assert getattr(health, "_non_atomic_requests", None)


def test_heartbeats_reach_every_queue_through_beat():
    from django.conf import settings as live

    entries = [e for e in live.CELERY_BEAT_SCHEDULE.values() if e["task"] == "health.worker_heartbeat"]
    assert sorted((e["args"][0], e["options"]["queue"]) for e in entries) == sorted((q, q) for q in QUEUES)
    assert all(
        e["schedule"] == live.HEALTH_HEARTBEAT_SECONDS < live.HEALTH_WORKER_MAX_AGE_SECONDS for e in entries
    )


def test_heartbeats_default_to_a_cache_every_process_of_the_machine_shares():
    from django.conf import settings as live

    backend = live.CACHES["heartbeats"]["BACKEND"]
    if live.CACHES["default"]["BACKEND"].endswith("RedisCache"):
        assert backend.endswith("RedisCache")
    else:  # not the per-process memory cache: the worker writes, the web processes read
        assert backend.endswith("FileBasedCache")
    assert caches["heartbeats"].get(heartbeat_key("nobody")) is None


@pytest.mark.django_db
@pytest.mark.skipif(
    not os.environ.get("REDIS_URL") and os.environ.get("CI", "").lower() != "true",
    reason="the Redis broker check needs REDIS_URL (CI=true sets it, and there this test must run)",
)
def test_a_redis_broker_that_answers_is_up(settings):
    settings.CELERY_BROKER_URL = os.environ.get("REDIS_URL", "")
    assert get("?checks=broker").json()["checks"]["broker"]["ok"] is True
