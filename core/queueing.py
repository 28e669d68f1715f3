"""Queuing Celery tasks from services: ids only, and only once the transaction has committed.

    from core.queueing import enqueue
    enqueue(send_notice, notice.pk)

A task queued inside a transaction that then rolls back would act on rows that never existed, and a
task that runs before the commit may not see them; `transaction.on_commit` avoids both. Tasks get ids
(never model instances or querysets): they read the current rows themselves and must be idempotent,
since with acks-late a task that was running when its worker died is delivered again."""

from __future__ import annotations

import logging
import uuid
from functools import partial

from django.db import transaction
from kombu.exceptions import OperationalError as KombuOperationalError

logger = logging.getLogger(__name__)

ID_TYPES = (int, str, uuid.UUID)


def enqueue(task, *ids: int | str | uuid.UUID, using: str | None = None, **options) -> None:
    """Queue `task` with `ids` as its arguments when the current transaction commits (at once outside
    a transaction). `options` go to `apply_async` (e.g. `countdown`, `queue`)."""
    for value in ids:
        if isinstance(value, bool) or not isinstance(value, ID_TYPES):
            raise TypeError(f"tasks take ids, not {type(value).__name__}: {task.name}")
    args = [str(value) if isinstance(value, uuid.UUID) else value for value in ids]
    transaction.on_commit(partial(_send, task, args, options), using=using)


def _send(task, args: list, options: dict) -> None:
    try:
        task.apply_async(args=args, **options)
    except KombuOperationalError:
        # The write has committed; a broker outage must not turn it into an error page. Tasks whose
        # loss matters are also picked up by their app's daily beat sweep.
        logger.exception("could not queue %s%s: broker unavailable", task.name, tuple(args))
