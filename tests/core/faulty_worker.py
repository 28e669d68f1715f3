"""The Celery app that the killed-worker tests start (`celery -A tests.core.faulty_worker worker`): the
project's own app (config.celery), plus the faults and test plumbing a test asks for in the worker's
environment. Nothing here is imported by the project; production code carries no test hooks.

- KILL_AFTER_SQL (a regular expression over "<sql> -- <param> | <param> ...") and KILL_AFTER_NTH
  (default 1): the worker kills itself with SIGKILL as soon as the Nth statement matching it is
  committed (at once in autocommit, else when the surrounding transaction commits), i.e. mid-task,
  after a first effect and before the task finishes: no clean-up, no acknowledgement, no outbox
  "finished". With KILL_AT=statement it dies right after the statement, inside its transaction
  (rolled back); with KILL_AT=before, just before the statement runs.
- tasks queued by a task go to the broker (not run eagerly as the test settings say);
- KILLED_WORKER_QUEUE: the default queue, so that tasks the worker queues itself (an e-mail after a
  notification) stay on the test's own queue.
- KILLED_WORKER_EMAIL_DIR: e-mails go to Django's file backend in that directory, where the test
  counts them across processes.
- KILLED_WORKER_EMAIL_CLAIM_STALE_SECONDS: how old an e-mail claim must be to be taken over
  (EMAIL_CLAIM_STALE_SECONDS, 180 s in production), so a test needs not wait three minutes."""

from __future__ import annotations

import os
import re
import signal

from django.conf import settings
from django.db import transaction
from django.db.backends.signals import connection_created
from django.dispatch import receiver

from config.celery import app

__all__ = ["app"]

# A real worker queues the tasks its tasks start (the test settings run them eagerly, in-process).
app.conf.task_always_eager = False
_queue = os.environ.get("KILLED_WORKER_QUEUE", "")
if _queue:
    app.conf.task_default_queue = _queue

if os.environ.get("KILLED_WORKER_EMAIL_DIR"):
    settings.EMAIL_BACKEND = "django.core.mail.backends.filebased.EmailBackend"
    settings.EMAIL_FILE_PATH = os.environ["KILLED_WORKER_EMAIL_DIR"]
if os.environ.get("KILLED_WORKER_EMAIL_CLAIM_STALE_SECONDS"):
    settings.EMAIL_CLAIM_STALE_SECONDS = int(os.environ["KILLED_WORKER_EMAIL_CLAIM_STALE_SECONDS"])

_pattern = re.compile(os.environ["KILL_AFTER_SQL"], re.DOTALL) if os.environ.get("KILL_AFTER_SQL") else None
_nth = int(os.environ.get("KILL_AFTER_NTH", "1"))
_kill_at = os.environ.get("KILL_AT", "commit")
_seen = 0


def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


def _text(sql: str, params) -> str:
    """What KILL_AFTER_SQL is matched against: the statement, then its parameters as text (choices
    as their values), e.g. `UPDATE "core_notification" SET "email_status" = %s, ... -- sending | ...`."""
    return f"{sql} -- {' | '.join(str(value) for value in (params or ()))}"


def _watch(execute, sql, params, many, context):
    global _seen
    matched = _pattern is not None and _pattern.search(_text(sql, params))
    if matched:
        _seen += 1
        if _seen == _nth and _kill_at == "before":
            _die()
    result = execute(sql, params, many, context)
    if matched and _seen == _nth:
        if _kill_at == "statement":
            _die()
        transaction.on_commit(_die, using=context["connection"].alias)
    return result


@receiver(connection_created, dispatch_uid="tests.core.faulty_worker.watch")
def _install(sender, connection, **kwargs) -> None:
    if _pattern is not None and _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)
