"""Queuing Celery tasks from services: ids only, and only once the transaction has committed.

    from core.queueing import enqueue
    enqueue(send_notice, notice.pk)

A task queued inside a transaction that then rolls back would act on rows that never existed, and a
task that runs before the commit may not see them; `transaction.on_commit` avoids both. Tasks get ids
(never model instances or querysets): they read the current rows themselves and must be idempotent,
since with acks-late a task that was running when its worker died is delivered again, and the task
outbox (core.outbox) sends again what a dead worker or a lost message left unfinished."""

from __future__ import annotations

import logging
import uuid
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

from core import outbox

logger = logging.getLogger(__name__)

ID_TYPES = (int, str, uuid.UUID)


def enqueue(task, *ids: int | str | uuid.UUID, using: str | None = None, **options) -> None:
    """Queue `task` with `ids` as its arguments when the current transaction commits (at once outside
    a transaction). `options` go to `apply_async` (e.g. `countdown`, `queue`)."""
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, ID_TYPES):
            raise TypeError(f"tasks take ids, not {type(value).__name__}: {task.name}")
    args = [str(value) if isinstance(value, uuid.UUID) else value for value in ids]
    # Written in the caller's transaction: the change and its task are committed together.
    row = outbox.record_queued(task.name, args, queue=str(options.get("queue") or ""))
    transaction.on_commit(partial(_send, task, args, options, row.task_id), using=using)


def _send(task, args: list, options: dict, task_id) -> None:
    try:
        task.apply_async(args=args, task_id=str(task_id), **options)
    except KombuOperationalError:
        # The write has committed; a broker outage must not turn it into an error page: the task
        # outbox sends it again once the broker is back (core.outbox).
        logger.exception("could not queue %s%s: broker unavailable", task.name, tuple(args))
        return
    outbox.mark_sent(task_id)
