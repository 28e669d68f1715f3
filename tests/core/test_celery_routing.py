"""Queues (config/celery.py): sweeps to "sweeps", e-mails to "email", the rest to "celery"; a worker
started without `-Q`, as `make run`'s, consumes all three (shown with a real worker)."""

import os
import subprocess
import sys
import uuid

import pytest
from django.conf import settings as live
from django.test import Client

from config import celery_app
from config.celery import QUEUE_OF_TASK, QUEUES, route_task
from config.runlocal import worker_command
from core.health import worker_heartbeat
from core.models import TaskOutbox
from tests.core.test_celery_worker import (
    broker_and_backend,
    close_test_pools,
    database_env,
    stop_worker,
    wait_for,
)


def queue_of(name: str, **options) -> str:
    return celery_app.amqp.router.route(options, name)["queue"].name


@pytest.mark.parametrize(
    ("task", "queue"),
    [
        ("orgs.apply_credit_list_rules", "sweeps"),
        ("orgs.refresh_latest_grades", "sweeps"),
        ("volunteers.send_slot_reminders", "sweeps"),
        ("volunteers.close_forgotten_hours", "sweeps"),
        ("volunteers.close_due_signups", "sweeps"),
        ("volunteers.social_worker_daily", "sweeps"),
        ("procurement.lights_daily", "sweeps"),
        ("procurement.progress_report_reminders", "sweeps"),
        ("procurement.public_report_transfers_daily", "sweeps"),
        ("core.requeue_unsent_emails", "sweeps"),
        ("core.expire_job_files", "sweeps"),
        ("procurement.red_flags_refresh", "sweeps"),
        ("cms.ocds_bulk", "sweeps"),
        ("cms.opendata_files", "sweeps"),
        ("core.send_notification_email", "email"),
        ("procurement.email_public_report_filer", "email"),
        # time-critical or small: the default queue
        ("procurement.close_and_open_due_tenders", "celery"),
        ("procurement.publish_due_award_notices", "celery"),
        ("core.redeliver_tasks", "celery"),
        ("audit.tasks.write_audit_anchor", "celery"),
        ("core.ping", "celery"),
        ("some.task_nobody_routed", "celery"),
    ],
)
def test_each_task_goes_to_its_queue(task, queue):
    assert queue_of(task) == queue


def test_every_routed_task_exists_and_every_beat_task_is_routed_somewhere_known():
    celery_app.loader.import_default_modules()  # what a worker imports at start: every task module
    known = set(celery_app.tasks)
    assert set(QUEUE_OF_TASK) <= known
    assert set(QUEUE_OF_TASK.values()) <= set(QUEUES)
    for entry in live.CELERY_BEAT_SCHEDULE.values():
        assert entry["task"] in known
        queue = entry.get("options", {}).get("queue") or queue_of(entry["task"])
        assert queue in QUEUES


def test_an_explicit_queue_wins_and_a_moved_default_queue_keeps_everything(monkeypatch):
    assert queue_of("procurement.lights_daily", queue="elsewhere") == "elsewhere"
    # a test's private default queue (tests/core/killed_worker.py): nothing is routed away from it
    monkeypatch.setitem(celery_app.conf, "task_default_queue", "test-private")
    assert route_task("core.send_notification_email", (), {}, {}) is None
    assert queue_of("core.send_notification_email") == "test-private"


def test_a_worker_without_q_consumes_every_queue():
    assert [queue.name for queue in live.CELERY_TASK_QUEUES] == list(QUEUES)
    assert [queue.name for queue in celery_app.conf.task_queues] == list(QUEUES)
    command = worker_command(sys.executable)
    assert "-Q" not in command and "--queues" not in command


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
@pytest.mark.filterwarnings("ignore:The ``noload`` loader strategy is deprecated")
def test_make_runs_worker_takes_tasks_from_all_three_queues_and_reports_healthy(
    tmp_path, monkeypatch, settings
):
    """`make run`'s worker command (without beat): a sweep, an e-mail and a ping, each sent by name
    without a queue, run on their routed queues; heartbeats on the three queues make /health/ pass."""
    monkeypatch.setitem(celery_app.conf, "task_always_eager", False)
    broker, backend = broker_and_backend(tmp_path)
    heartbeats = tmp_path / "heartbeats"
    env = {
        **{key: value for key, value in os.environ.items() if key not in {"DATABASE_URL", "SQLITE_PATH"}},
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "CELERY_BROKER_URL": broker,
        "CELERY_RESULT_BACKEND": backend,
        "HEARTBEAT_CACHE_DIR": str(heartbeats),
        **database_env(),
    }
    env.pop("CACHE_URL", None)  # the heartbeats go to the file cache this test reads
    command = [part for part in worker_command(sys.executable) if part != "--beat"]
    command += [
        "-n",
        f"routing-{uuid.uuid4().hex[:8]}@%h",
        "--without-heartbeat",
        "--without-mingle",
        "--without-gossip",
    ]
    log_path = tmp_path / "worker.log"
    with log_path.open("wb") as log:
        worker = subprocess.Popen(command, cwd=live.BASE_DIR, env=env, stdout=log, stderr=subprocess.STDOUT)
    ids = {}
    try:
        with celery_app.connection_for_write(broker) as conn:
            for name, args in (
                ("volunteers.close_due_signups", []),
                ("core.send_notification_email", [0]),
                ("core.ping", [uuid.uuid4().hex]),
            ):
                ids[name] = uuid.uuid4()
                celery_app.send_task(
                    name, args=args, task_id=str(ids[name]), connection=conn, ignore_result=True
                )
            for queue in QUEUES:
                worker_heartbeat.apply_async(args=[queue], queue=queue, connection=conn, ignore_result=True)

        finished = TaskOutbox.objects.filter(task_id__in=ids.values(), finished_at__isnull=False)
        wait_for(lambda: finished.count() == 3, worker, log_path, "three routed tasks finished")
        assert dict(finished.values_list("task_name", "queue")) == {
            "volunteers.close_due_signups": "sweeps",
            "core.send_notification_email": "email",
            "core.ping": "celery",
        }

        settings.CACHES = {
            **settings.CACHES,
            "heartbeats": {
                "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
                "LOCATION": str(heartbeats),
            },
        }
        settings.HEALTH_WORKER_QUEUES = list(QUEUES)
        wait_for(
            lambda: Client().get("/health/?checks=worker").status_code == 200,
            worker,
            log_path,
            "heartbeats on all three queues",
        )
    finally:
        stop_worker(worker)
        close_test_pools()
