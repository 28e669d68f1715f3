"""A real Celery worker (a subprocess, eager mode off) consumes a task sent by name and writes to the
database the test reads. Locally the broker is a temporary SQLite file (kombu's SQLAlchemy transport)
and the worker opens the test's own SQLite file; under CI=true the broker is Redis and the test fails
if Redis is unreachable."""

import datetime
import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone
from kombu.utils.url import maybe_sanitize_url

from audit.models import Event
from config import celery_app
from core.tasks_ping import PING_ACTION, PING_OBJECT_TYPE

DEADLINE_SECONDS = 60
POLL_SECONDS = 0.2


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def require_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=3, socket_timeout=3).ping()
    except redis.exceptions.RedisError as exc:
        pytest.fail(f"CI=true: Redis broker {maybe_sanitize_url(url)} is unreachable ({exc})")


def broker_and_backend(tmp_path: Path) -> tuple[str, str]:
    if in_ci():
        url = os.environ.get("CELERY_BROKER_URL") or os.environ.get("REDIS_URL") or ""
        if not url.startswith(("redis://", "rediss://")):
            pytest.fail("CI=true: the worker test runs on Redis; set CELERY_BROKER_URL=redis://...")
        require_redis(url)
        return url, url
    return f"sqla+sqlite:///{tmp_path / 'broker.sqlite3'}", f"db+sqlite:///{tmp_path / 'results.sqlite3'}"


def database_env() -> dict[str, str]:
    """Point the worker's default database at the test database this process uses."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        assert not connection.is_in_memory_db(), "the worker test needs a file-based SQLite test database"
        return {"SQLITE_PATH": db["NAME"]}
    auth = ""
    if db["USER"]:
        auth = quote(db["USER"], safe="")
        if db["PASSWORD"]:
            auth += ":" + quote(db["PASSWORD"], safe="")
        auth += "@"
    host = db["HOST"] or "localhost"
    port = f":{db['PORT']}" if db["PORT"] else ""
    return {"DATABASE_URL": f"postgres://{auth}{host}{port}/{quote(db['NAME'], safe='')}"}


def start_worker(
    queue: str,
    broker: str,
    backend: str,
    log_path: Path,
    *,
    app: str = "config",
    extra_env: dict | None = None,
) -> subprocess.Popen:
    """A solo worker consuming `queue` of `app` (tests/core/faulty_worker.py adds faults asked for in
    `extra_env`)."""
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SQLITE_PATH"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_BROKER_URL=broker,
        CELERY_RESULT_BACKEND=backend,
        **database_env(),
        **(extra_env or {}),
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        app,
        "worker",
        "--pool=solo",
        "--concurrency=1",
        "-Q",
        queue,
        "-n",
        f"{queue}@%h",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
        "--loglevel=INFO",
    ]
    with log_path.open("wb") as log:
        return subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)


def close_test_pools() -> None:
    """After a test that ran a real worker: the app forgets its pools, so the next task sent picks
    the pool of the broker configured then (the test put the suite's back). Locally (a SQLite file a
    test) every pool of kombu's process-wide registry is also closed and forgotten: a test that
    sent on the suite's own broker through an explicit connection would otherwise leave a closed
    pool for every later test of this process ("Acquire on closed pool"); the next send opens a
    fresh one. Under CI=true the suite's broker is a Redis its workers share: its pools stay open."""
    if not in_ci():
        kombu.pools.reset()
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def stop_worker(worker: subprocess.Popen) -> None:
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
# kombu's SQLAlchemy transport still uses a loader option SQLAlchemy 2.1 deprecates.
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_real_worker_runs_a_task_sent_by_name_and_writes_the_row(tmp_path, monkeypatch):
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    broker, backend = broker_and_backend(tmp_path)
    queue = f"test-{uuid.uuid4().hex[:12]}"
    token = uuid.uuid4().hex
    log_path = tmp_path / "worker.log"
    worker = start_worker(queue, broker, backend, log_path)
    try:
        with celery_app.connection_for_write(broker) as conn:
            celery_app.send_task("core.ping", args=[token], queue=queue, connection=conn, ignore_result=True)

        written = Event.objects.filter(action=PING_ACTION, object_type=PING_OBJECT_TYPE, object_id=token)
        deadline = time.monotonic() + DEADLINE_SECONDS
        pause = threading.Event()
        while not written.exists():
            log = log_path.read_text(errors="replace")[-4000:]
            assert worker.poll() is None, f"the worker exited with {worker.returncode}:\n{log}"
            assert time.monotonic() < deadline, f"no row after {DEADLINE_SECONDS}s; worker log:\n{log}"
            pause.wait(POLL_SECONDS)
        assert written.count() == 1
    finally:
        stop_worker(worker)


def wait_for(condition, worker: subprocess.Popen, log_path: Path, what: str) -> None:
    deadline = time.monotonic() + DEADLINE_SECONDS
    pause = threading.Event()
    while not condition():
        log = log_path.read_text(errors="replace")[-4000:] if log_path.exists() else ""
        assert worker.poll() is None, f"the worker exited with {worker.returncode}:\n{log}"
        assert time.monotonic() < deadline, f"{what}: not after {DEADLINE_SECONDS}s; worker log:\n{log}"
        pause.wait(POLL_SECONDS)


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_a_task_whose_worker_is_killed_mid_run_is_sent_again_and_acts_once(tmp_path, monkeypatch):
    """Worker A takes the task and is killed (SIGKILL) while it runs; no broker redelivers it soon
    (kombu's SQLite transport never, Redis only after its one-hour visibility timeout). The outbox
    sends it again once due; worker B runs it; its effect exists once and its row is finished."""
    from core import outbox
    from core.models import TaskOutbox
    from core.queueing import enqueue
    from core.tasks_ping import ping_when

    broker, backend = broker_and_backend(tmp_path)
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    monkeypatch.setitem(celery_app.conf, "broker_url", broker)
    # The app caches its connection pool and producer pool for the broker it first used: start fresh
    # on this test's broker (monkeypatch puts the cached ones back afterwards).
    celery_app._pool = None  # not put back after the test: close_test_pools forgets it
    celery_app.amqp._producer_pool = None
    queue = f"test-{uuid.uuid4().hex[:12]}"
    token, gate = uuid.uuid4().hex, tmp_path / "gate"
    log_a, log_b = tmp_path / "worker-a.log", tmp_path / "worker-b.log"
    worker_a = start_worker(queue, broker, backend, log_a)
    worker_b = None
    try:
        # Outside a transaction: sent at once, through a connection to this test's broker.
        with celery_app.connection_for_write(broker) as conn:
            enqueue(ping_when, token, str(gate), queue=queue, connection=conn)
        row = TaskOutbox.objects.get(task_name="core.ping_when")
        wait_for(
            lambda: TaskOutbox.objects.get(pk=row.pk).started_at is not None,
            worker_a,
            log_a,
            "worker A starts",
        )
        worker_a.kill()
        worker_a.wait(timeout=20)
        written = Event.objects.filter(action=PING_ACTION, object_type=PING_OBJECT_TYPE, object_id=token)
        assert not written.exists()
        row.refresh_from_db()
        assert row.finished_at is None and row.attempts == 1

        worker_b = start_worker(queue, broker, backend, log_b)
        assert outbox.redeliver_due_tasks() == 0  # not due while it could still be running
        later = timezone.now() + outbox.run_grace(ping_when) + datetime.timedelta(seconds=1)
        with celery_app.connection_for_write(broker) as conn:
            assert outbox.redeliver_due_tasks(now=later, connection=conn) == 1
        gate.touch()
        wait_for(
            lambda: TaskOutbox.objects.get(pk=row.pk).finished_at is not None,
            worker_b,
            log_b,
            "worker B finishes",
        )
        assert written.count() == 1
        assert TaskOutbox.objects.get(pk=row.pk).attempts == 2
    finally:
        stop_worker(worker_a)
        if worker_b is not None:
            stop_worker(worker_b)
        close_test_pools()
