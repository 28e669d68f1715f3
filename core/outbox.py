"""The task outbox: no task is lost when a worker dies or the broker drops a message.

Every task of the project's apps has a `core.TaskOutbox` row, keyed by its Celery task id:
- `core.queueing.enqueue` writes it in the caller's transaction (queued with the change it follows);
  a task started otherwise (beat's schedule, `send_task`) gets its row when a worker starts it;
- a worker starting the task moves `due_at` past the task's time limit; finishing it sets
  `finished_at` (Celery's `task_prerun` / `task_postrun` signals below);
- `redeliver_due_tasks` (the beat task `core.redeliver_tasks`, every minute) sends again, with the
  same task id, each unfinished row whose `due_at` has passed, at most `TASK_OUTBOX_MAX_ATTEMPTS`
  times, and forgets finished rows after `TASK_OUTBOX_KEEP_DAYS`.

This does what a broker's visibility timeout would, on every broker: kombu's SQLite transport (the
zero-setup default) never redelivers a message taken by a worker that was killed. Tasks must stay
idempotent (they are: each claims or checks its rows), since a task can run twice."""

from __future__ import annotations

import datetime
import logging
import uuid

from celery import current_app
from celery.signals import task_postrun, task_prerun
from django.conf import settings
from django.db.models import F
from django.utils import timezone

from core.models import TaskOutbox

logger = logging.getLogger(__name__)

PROJECT_TASK_PREFIXES = ("core.", "audit.", "accounts.", "orgs.", "procurement.", "volunteers.", "cms.")


def send_grace() -> datetime.timedelta:
    """A queued task not started within this is sent again."""
    return datetime.timedelta(seconds=int(getattr(settings, "TASK_OUTBOX_SEND_GRACE_SECONDS", 300)))


def run_grace(task=None) -> datetime.timedelta:
    """A started task not finished within its hard time limit plus a minute has lost its worker."""
    limit = getattr(task, "time_limit", None) or settings.CELERY_TASK_TIME_LIMIT
    return datetime.timedelta(seconds=int(limit) + 60)


def max_attempts() -> int:
    return int(getattr(settings, "TASK_OUTBOX_MAX_ATTEMPTS", 5))


def is_project_task(name: str) -> bool:
    return name.startswith(PROJECT_TASK_PREFIXES)


def record_queued(task_name: str, args: list, queue: str = "") -> TaskOutbox:
    return TaskOutbox.objects.create(
        task_name=task_name, args=args, queue=queue, due_at=timezone.now() + send_grace()
    )


def mark_sent(task_id) -> None:
    TaskOutbox.objects.filter(task_id=task_id, finished_at__isnull=True).update(
        due_at=timezone.now() + send_grace()
    )


@task_prerun.connect(dispatch_uid="core.outbox.started")
def _started(sender=None, task_id=None, task=None, args=None, **kwargs) -> None:
    if task is None or not is_project_task(task.name) or not _is_uuid(task_id):
        return
    now = timezone.now()
    updated = TaskOutbox.objects.filter(task_id=task_id, finished_at__isnull=True).update(
        started_at=now, due_at=now + run_grace(task), attempts=F("attempts") + 1
    )
    if not updated and not TaskOutbox.objects.filter(task_id=task_id).exists():
        TaskOutbox.objects.create(
            task_id=task_id,
            task_name=task.name,
            args=list(args or []),
            queue=(task.request.delivery_info or {}).get("routing_key", "")
            if not task.request.is_eager
            else "",
            started_at=now,
            due_at=now + run_grace(task),
            attempts=1,
        )


@task_postrun.connect(dispatch_uid="core.outbox.finished")
def _finished(sender=None, task_id=None, task=None, retval=None, state=None, **kwargs) -> None:
    if task is None or not is_project_task(task.name) or not _is_uuid(task_id):
        return
    if state == "SUCCESS":
        TaskOutbox.objects.filter(task_id=task_id).update(finished_at=timezone.now(), last_error="")
    elif state == "FAILURE":
        # Tried again when due, up to max_attempts(); the error stays for the operator.
        TaskOutbox.objects.filter(task_id=task_id, finished_at__isnull=True).update(
            last_error=repr(retval)[:2000], due_at=timezone.now() + send_grace()
        )


def _is_uuid(value) -> bool:
    try:
        uuid.UUID(str(value))
    except (TypeError, ValueError):
        return False
    return True


def redeliver_due_tasks(*, now: datetime.datetime | None = None, limit: int = 500, connection=None) -> int:
    """Send again every unfinished task whose `due_at` has passed (same task id, same queue), through
    `connection` when given (a broker connection), else the app's pool."""
    now = now or timezone.now()
    keep_days = int(getattr(settings, "TASK_OUTBOX_KEEP_DAYS", 7))
    TaskOutbox.objects.filter(finished_at__lt=now - datetime.timedelta(days=keep_days)).delete()
    due = list(
        TaskOutbox.objects.filter(
            finished_at__isnull=True, due_at__lt=now, attempts__lt=max_attempts()
        ).order_by("due_at")[:limit]
    )
    sent = 0
    for row in due:
        options = {"queue": row.queue} if row.queue else {}
        if connection is not None:
            options["connection"] = connection
        TaskOutbox.objects.filter(pk=row.pk).update(due_at=now + send_grace())
        try:
            task = current_app.tasks.get(row.task_name)
            if task is None:
                current_app.send_task(row.task_name, args=row.args, task_id=str(row.task_id), **options)
            else:
                task.apply_async(args=row.args, task_id=str(row.task_id), **options)
        except Exception:
            logger.exception("could not send %s again", row)
            continue
        sent += 1
    if due:
        logger.info("task outbox: %s task(s) sent again", sent)
    return sent
