"""`/health/`: is this site able to serve, and are its workers alive? (docs/deployment.md)

Four checks, each cheap and bounded in time:
- database: `SELECT 1` on the default database;
- cache: a set then a get of a fresh key in the default cache (Redis in production);
- broker: a kombu connection to CELERY_BROKER_URL, established within HEALTH_BROKER_TIMEOUT_SECONDS;
- worker: the age of each queue's last heartbeat. Beat sends `health.worker_heartbeat` to every queue
  (CELERY_BEAT_SCHEDULE); the worker that takes it writes the time into the "heartbeats" cache, and
  the check fails when a queue of HEALTH_WORKER_QUEUES has none younger than
  HEALTH_WORKER_MAX_AGE_SECONDS (no worker on that queue, no beat, or every worker busy that long).

The answer is JSON, HTTP 200 when every check asked for passes and 503 otherwise, never cached, open
to everyone: it names no host, address or error message (only the exception's class).
`?checks=database,cache` asks for some checks only, e.g. for a load balancer's probe of one web
process, which should not take the site out of service because a worker is down."""

from __future__ import annotations

import time
import uuid

from celery import shared_task
from django.conf import settings
from django.core.cache import caches
from django.db import connections, transaction
from django.http import JsonResponse
from django.utils.cache import add_never_cache_headers
from django.views.decorators.http import require_GET

HEARTBEAT_CACHE = "heartbeats"
HEARTBEAT_KEY = "health:heartbeat:{queue}"


def heartbeat_key(queue: str) -> str:
    return HEARTBEAT_KEY.format(queue=queue)


# Named outside the project's task prefixes (core.outbox.PROJECT_TASK_PREFIXES): no outbox row and no
# redelivery for it; a lost heartbeat is replaced by the next one.
@shared_task(name="health.worker_heartbeat", ignore_result=True, time_limit=30, soft_time_limit=25)
def worker_heartbeat(queue: str) -> None:
    """Beat sends this to each queue; whichever worker takes it says that the queue is served."""
    record_heartbeat(str(queue)[:100])


def record_heartbeat(queue: str, *, at: float | None = None) -> None:
    # Kept a day: an old heartbeat still tells how long ago the queue was last served.
    caches[HEARTBEAT_CACHE].set(heartbeat_key(queue), time.time() if at is None else at, 86400)


def check_database() -> dict:
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT 1")
        row = cursor.fetchone()
    return {"ok": row is not None and row[0] == 1}


def check_cache() -> dict:
    cache = caches["default"]
    key = f"health:probe:{uuid.uuid4().hex}"
    token = uuid.uuid4().hex
    cache.set(key, token, 10)
    ok = cache.get(key) == token
    cache.delete(key)
    return {"ok": ok}


def check_broker() -> dict:
    from kombu import Connection

    timeout = settings.HEALTH_BROKER_TIMEOUT_SECONDS
    options = {"socket_connect_timeout": timeout, "socket_timeout": timeout}
    with Connection(settings.CELERY_BROKER_URL, connect_timeout=timeout, transport_options=options) as conn:
        # One attempt, no retry loop: a broker that does not answer within the timeout is down.
        conn.ensure_connection(max_retries=1, interval_start=0, interval_step=0, timeout=timeout)
        conn.default_channel  # noqa: B018 - opens a channel (Redis: a PING) on the live connection
    return {"ok": True}


def check_worker() -> dict:
    max_age = settings.HEALTH_WORKER_MAX_AGE_SECONDS
    queues = list(settings.HEALTH_WORKER_QUEUES)
    seen = caches[HEARTBEAT_CACHE].get_many([heartbeat_key(queue) for queue in queues])
    now = time.time()
    ages = {}
    for queue in queues:
        at = seen.get(heartbeat_key(queue))
        ages[queue] = None if at is None else max(0, round(now - float(at)))
    ok = bool(queues) and all(age is not None and age <= max_age for age in ages.values())
    return {"ok": ok, "max_age_seconds": max_age, "queues": {q: {"age_seconds": a} for q, a in ages.items()}}


CHECKS = {
    "database": check_database,
    "cache": check_cache,
    "broker": check_broker,
    "worker": check_worker,
}


def run_checks(names) -> dict[str, dict]:
    results = {}
    for name in names:
        started = time.perf_counter()
        try:
            result = CHECKS[name]()
        except Exception as exc:  # any failure of a dependency is that check failing
            result = {"ok": False, "error": type(exc).__name__}
        result["ms"] = round((time.perf_counter() - started) * 1000, 1)
        results[name] = result
    return results


# Outside the request's transaction: a database that is down must answer 503, not fail the request.
@transaction.non_atomic_requests
@require_GET
def health(request):
    asked = request.GET.get("checks")
    names = list(CHECKS) if not asked else [name.strip() for name in asked.split(",") if name.strip()]
    unknown = [name for name in names if name not in CHECKS]
    if unknown or not names:
        response = JsonResponse({"error": "unknown check", "known": list(CHECKS)}, status=400)
    else:
        checks = run_checks(names)
        ok = all(result["ok"] for result in checks.values())
        response = JsonResponse({"ok": ok, "checks": checks}, status=200 if ok else 503)
    add_never_cache_headers(response)
    return response
