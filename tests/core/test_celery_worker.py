"""A real Celery worker (a subprocess, eager mode off) consumes a task sent by name and writes to the
database the test reads. Locally the broker is a temporary SQLite file (kombu's SQLAlchemy transport)
and the worker opens the test's own SQLite file; under CI=true the broker is Redis and the test fails
if Redis is unreachable."""

import os
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection
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


def start_worker(queue: str, broker: str, backend: str, log_path: Path) -> subprocess.Popen:
    env = {key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SQLITE_PATH"}}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.test",
        CELERY_BROKER_URL=broker,
        CELERY_RESULT_BACKEND=backend,
        **database_env(),
    )
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "config",
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
