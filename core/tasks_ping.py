"""A diagnostic task: proves that a worker consumes the queue and writes to the database.

Send it by name (`celery_app.send_task("core.ping", args=[token])`); it records one audit event
`system.ping` for the token, once however often it is delivered."""

from celery import shared_task
from django.db import transaction

PING_ACTION = "system.ping"
PING_OBJECT_TYPE = "system"


@shared_task(name="core.ping", ignore_result=True)
def ping(token: str) -> None:
    from audit.models import Event
    from audit.services import record

    token = str(token)[:64]
    with transaction.atomic():
        if Event.objects.filter(action=PING_ACTION, object_type=PING_OBJECT_TYPE, object_id=token).exists():
            return
        record(actor=None, action=PING_ACTION, object_type=PING_OBJECT_TYPE, object_id=token)


@shared_task(name="core.ping_when", ignore_result=True, acks_late=True, time_limit=120, soft_time_limit=110)
def ping_when(token: str, gate: str) -> None:
    """Like `ping`, once the file `gate` exists (checked ten times a second for up to 100 s): lets a
    test kill the worker while the task is running (tests/core/test_celery_worker.py)."""
    import threading
    from pathlib import Path

    waiting = threading.Event()
    for _ in range(1000):
        if Path(gate).exists():
            break
        waiting.wait(0.1)
    ping(token)
