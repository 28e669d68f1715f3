"""A real Celery worker for jobs (core/jobs.py) in tests: the test's own broker (a SQLite file
locally, Redis under CI=true) and queue, the worker pointed at the test's database and private
files; jobs the test process (or its live server) starts go to that queue. Used by
tests/core/test_jobs_worker.py and the browser journey tests/e2e/test_job_progress.py."""

from __future__ import annotations

import subprocess
import uuid
from pathlib import Path

from django.conf import settings

from config import celery_app
from tests.core.test_celery_worker import broker_and_backend, close_test_pools, start_worker, stop_worker


class JobWorker:
    """Use as a context manager; `start()` starts the worker (jobs queued before wait for it)."""

    def __init__(self, tmp_path: Path, monkeypatch):
        self.tmp_path = tmp_path
        self.broker, self.backend = broker_and_backend(tmp_path)
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.log_path = tmp_path / "job-worker.log"
        self.worker: subprocess.Popen | None = None
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        monkeypatch.setitem(celery_app.conf, "broker_url", self.broker)
        # core.queueing.enqueue sends without a queue: to the test's own queue (config/celery.py)
        monkeypatch.setitem(celery_app.conf, "task_default_queue", self.queue)
        celery_app._pool = None  # not put back after the test: close_test_pools forgets it
        celery_app.amqp._producer_pool = None

    def __enter__(self) -> JobWorker:
        return self

    def __exit__(self, *exc) -> None:
        if self.worker is not None:
            stop_worker(self.worker)
        close_test_pools()

    def start(self) -> subprocess.Popen:
        self.worker = start_worker(
            self.queue,
            self.broker,
            self.backend,
            self.log_path,
            extra_env={"PRIVATE_MEDIA_ROOT": str(settings.PRIVATE_MEDIA_ROOT)},
        )
        return self.worker

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""
