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
