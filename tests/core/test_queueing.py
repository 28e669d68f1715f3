import uuid

import pytest
from django.db import transaction

from audit.models import Event
from core.models import District
from core.queueing import enqueue
from core.tasks_ping import PING_ACTION, ping

pytestmark = pytest.mark.django_db


def pings(token: str):
    return Event.objects.filter(action=PING_ACTION, object_id=token)


def test_enqueue_waits_for_the_commit(django_capture_on_commit_callbacks):
    token = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        enqueue(ping, token)
    assert len(callbacks) == 1
    assert not pings(token).exists()
    callbacks[0]()
    assert pings(token).count() == 1


def test_enqueue_in_a_rolled_back_transaction_queues_nothing(django_capture_on_commit_callbacks):
    token = uuid.uuid4().hex
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        try:
            with transaction.atomic():
                enqueue(ping, token)
                raise RuntimeError("roll back")
        except RuntimeError:
            pass
    assert callbacks == []
    assert not pings(token).exists()


def test_enqueue_refuses_model_instances():
    with pytest.raises(TypeError, match="tasks take ids"):
        enqueue(ping, District(code="320102", name="玄武区"))


def test_ping_task_is_idempotent():
    token = uuid.uuid4().hex
    ping(token)
    ping.delay(token)
    assert pings(token).count() == 1


def test_tasks_are_acks_late_with_time_limits():
    from config import celery_app

    assert celery_app.conf.task_acks_late is True
    assert celery_app.conf.task_reject_on_worker_lost is True
    assert celery_app.conf.worker_prefetch_multiplier == 1
    assert celery_app.conf.task_time_limit and celery_app.conf.task_soft_time_limit
    assert celery_app.conf.task_soft_time_limit < celery_app.conf.task_time_limit
    assert "core.ping" in celery_app.tasks
