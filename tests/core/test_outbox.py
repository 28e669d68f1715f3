"""The task outbox: a task queued by a committed change is on record until a worker finishes it, and
what a dead worker or a lost message left unfinished is sent again, with its effect once."""

import datetime

import pytest
from django.db import transaction
from django.utils import timezone
from kombu.exceptions import OperationalError as KombuOperationalError

from audit.models import Event
from core import outbox
from core.models import TaskOutbox
from core.queueing import enqueue
from core.tasks_ping import PING_ACTION, ping

pytestmark = pytest.mark.django_db


def pings(token: str) -> int:
    return Event.objects.filter(action=PING_ACTION, object_id=token).count()


def test_a_task_queued_in_a_transaction_is_recorded_with_it_and_finished_after_commit(
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        with transaction.atomic():
            enqueue(ping, "t1")
            row = TaskOutbox.objects.get()
            assert (row.task_name, row.args, row.started_at) == ("core.ping", ["t1"], None)
    row.refresh_from_db()
    assert row.finished_at is not None and row.attempts == 1
    assert pings("t1") == 1


def test_a_rolled_back_change_leaves_no_task():
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue(ping, "t2")
        raise RuntimeError
    assert not TaskOutbox.objects.exists()


def test_a_task_whose_worker_died_is_sent_again_once_due_and_acts_once():
    """The row of a started task that never finished (its worker was killed) is sent again with the
    same task id after its run grace; the ping's effect stays one event."""
    ping.apply(args=["t3"])  # the first run did its work ...
    row = TaskOutbox.objects.get()
    TaskOutbox.objects.filter(pk=row.pk).update(finished_at=None)  # ... but its worker died before finishing
    assert outbox.redeliver_due_tasks() == 0  # not due yet
    later = timezone.now() + outbox.run_grace(ping) + datetime.timedelta(seconds=1)
    assert outbox.redeliver_due_tasks(now=later) == 1
    row.refresh_from_db()
    assert row.finished_at is not None and row.attempts == 2
    assert pings("t3") == 1


def test_a_task_the_broker_refused_is_sent_when_due(monkeypatch, django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise KombuOperationalError("broker down")

    monkeypatch.setattr(ping, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        enqueue(ping, "t4")
    monkeypatch.undo()
    row = TaskOutbox.objects.get()
    assert row.started_at is None and pings("t4") == 0
    later = timezone.now() + outbox.send_grace() + datetime.timedelta(seconds=1)
    assert outbox.redeliver_due_tasks(now=later) == 1
    assert pings("t4") == 1


def test_attempts_are_capped_and_finished_rows_are_forgotten(settings):
    settings.TASK_OUTBOX_MAX_ATTEMPTS = 2
    stuck = TaskOutbox.objects.create(task_name="core.ping", args=["t5"], due_at=timezone.now(), attempts=2)
    old = TaskOutbox.objects.create(
        task_name="core.ping",
        args=["t6"],
        due_at=timezone.now(),
        finished_at=timezone.now() - datetime.timedelta(days=8),
    )
    assert outbox.redeliver_due_tasks(now=timezone.now() + datetime.timedelta(hours=1)) == 0
    assert TaskOutbox.objects.filter(pk=stuck.pk).exists()
    assert not TaskOutbox.objects.filter(pk=old.pk).exists()


def test_a_task_started_by_beat_gets_its_row_when_it_starts():
    from core.tasks import requeue_unsent_emails

    requeue_unsent_emails.apply()
    row = TaskOutbox.objects.get(task_name="core.requeue_unsent_emails")
    assert row.finished_at is not None and row.attempts == 1


def test_the_redelivery_runs_every_minute():
    from django.conf import settings as live

    assert live.CELERY_BEAT_SCHEDULE["core-redeliver-tasks"] == {
        "task": "core.redeliver_tasks",
        "schedule": 60,
    }
