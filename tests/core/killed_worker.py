"""Machinery of the killed-worker tests (tests/core/test_killed_worker_*.py), on top of the real-worker
test's (tests/core/test_celery_worker.py): a broker of the test's own (a SQLite file locally, Redis
under CI=true), a queue of its own, worker A started with a fault (tests/core/faulty_worker.py) that
kills it with SIGKILL mid-task, worker B started clean, and the task outbox's redelivery run as if
the dead task's time limit had passed. No sleeps: every wait polls briefly up to a deadline."""

from __future__ import annotations

import datetime
import email
import email.message
import signal
import subprocess
import threading
import time
import uuid
from pathlib import Path

from django.utils import timezone

from config import celery_app
from tests.core.test_celery_worker import (
    DEADLINE_SECONDS,
    POLL_SECONDS,
    broker_and_backend,
    close_test_pools,
    start_worker,
    stop_worker,
    wait_for,
)

FAULTY_APP = "tests.core.faulty_worker"


class KilledWorkerRun:
    """One test's broker, queue, workers and e-mail directory. Use as a context manager."""

    def __init__(self, tmp_path: Path, monkeypatch):
        self.tmp_path = tmp_path
        self.broker, self.backend = broker_and_backend(tmp_path)
        self.queue = f"test-{uuid.uuid4().hex[:12]}"
        self.email_dir = tmp_path / "mail"
        self.email_dir.mkdir()
        self.workers: list[subprocess.Popen] = []
        monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
        monkeypatch.setitem(celery_app.conf, "broker_url", self.broker)
        # Tasks this process queues without a queue (core.queueing.enqueue, the outbox) go to the
        # test's queue, which only this test's workers consume.
        monkeypatch.setitem(celery_app.conf, "task_default_queue", self.queue)
        # The app caches its pools for the broker it first used: start fresh on this test's broker.
        celery_app._pool = None  # not put back after the test: close_test_pools forgets it
        celery_app.amqp._producer_pool = None

    def __enter__(self) -> KilledWorkerRun:
        return self

    def __exit__(self, *exc) -> None:
        for worker in self.workers:
            stop_worker(worker)
        close_test_pools()

    def log(self, name: str) -> Path:
        return self.tmp_path / f"worker-{name}.log"

    def start(self, name: str, **env: str) -> subprocess.Popen:
        extra = {
            "KILLED_WORKER_QUEUE": self.queue,
            "KILLED_WORKER_EMAIL_DIR": str(self.email_dir),
            **env,
        }
        worker = start_worker(
            self.queue, self.broker, self.backend, self.log(name), app=FAULTY_APP, extra_env=extra
        )
        self.workers.append(worker)
        return worker

    def send(self, task, *args) -> None:
        """Queue `task` as the project does (core.queueing.enqueue: an outbox row, then the message)."""
        from core.queueing import enqueue

        with celery_app.connection_for_write(self.broker) as conn:
            enqueue(task, *args, queue=self.queue, connection=conn)

    def wait_until_killed(self, worker: subprocess.Popen, name: str) -> None:
        deadline = time.monotonic() + DEADLINE_SECONDS
        pause = threading.Event()
        while worker.poll() is None:
            log = self.log(name).read_text(errors="replace")[-4000:] if self.log(name).exists() else ""
            assert time.monotonic() < deadline, f"worker {name} still alive after {DEADLINE_SECONDS}s:\n{log}"
            pause.wait(POLL_SECONDS)
        log = self.log(name).read_text(errors="replace")[-4000:]
        assert worker.returncode == -signal.SIGKILL, f"worker {name} exited with {worker.returncode}:\n{log}"

    def wait_for(self, condition, worker: subprocess.Popen, name: str, what: str) -> None:
        wait_for(condition, worker, self.log(name), what)

    def redeliver_as_if_dead(self, task) -> int:
        """The beat's `core.redeliver_tasks`, run as though `task`'s time limit (plus the grace
        minute) had passed since the dead worker started it."""
        from core import outbox

        later = timezone.now() + outbox.run_grace(task) + datetime.timedelta(seconds=1)
        with celery_app.connection_for_write(self.broker) as conn:
            return outbox.redeliver_due_tasks(now=later, connection=conn)

    def emails(self) -> list[email.message.Message]:
        """Every message the workers' file backend wrote (one file per connection, messages
        separated by a line of 79 dashes), parsed."""
        messages = []
        for path in sorted(self.email_dir.iterdir()):
            for chunk in path.read_text(errors="replace").split("\n" + "-" * 79 + "\n"):
                if chunk.strip():
                    messages.append(email.message_from_string(chunk.lstrip("\n")))
        return messages


def outbox_finished(task_name: str) -> bool:
    from core.models import TaskOutbox

    rows = TaskOutbox.objects.filter(task_name=task_name)
    return rows.exists() and not rows.filter(finished_at__isnull=True).exists()
