"""The Celery application. Workers start with `celery -A config worker`; `make run` starts one with
beat on the embedded SQLite broker (see README.md, Tasks).

Settings are the Django settings prefixed `CELERY_` (config/settings/base.py).

Queues (docs/deployment.md): the daily and quarter-hourly sweeps go to "sweeps", e-mails to "email",
everything else (bid openings, award notices, the outbox, audit anchors, imports and exports) to the
default queue "celery". A worker started without `-Q` consumes all three (CELERY_TASK_QUEUES), as
`make run`'s does; in production each queue has its own workers (Procfile), so a long sweep never
holds back an e-mail or a bid opening."""

import os

from celery import Celery
from celery.signals import worker_init

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")

DEFAULT_QUEUE = "celery"
SWEEPS_QUEUE = "sweeps"
EMAIL_QUEUE = "email"
QUEUES = (DEFAULT_QUEUE, SWEEPS_QUEUE, EMAIL_QUEUE)

# Task name -> queue; a task not named here goes to the default queue.
QUEUE_OF_TASK = {
    # sweeps: periodic passes over many rows (beat)
    "orgs.apply_credit_list_rules": SWEEPS_QUEUE,
    "orgs.refresh_latest_grades": SWEEPS_QUEUE,
    "volunteers.close_forgotten_hours": SWEEPS_QUEUE,
    "volunteers.send_slot_reminders": SWEEPS_QUEUE,
    "volunteers.close_due_signups": SWEEPS_QUEUE,
    "volunteers.social_worker_daily": SWEEPS_QUEUE,
    "procurement.lights_daily": SWEEPS_QUEUE,
    "procurement.progress_report_reminders": SWEEPS_QUEUE,
    "procurement.public_report_transfers_daily": SWEEPS_QUEUE,
    "procurement.red_flags_refresh": SWEEPS_QUEUE,
    "cms.ocds_bulk": SWEEPS_QUEUE,
    "cms.opendata_files": SWEEPS_QUEUE,
    "core.requeue_unsent_emails": SWEEPS_QUEUE,
    "core.expire_job_files": SWEEPS_QUEUE,
    # e-mail: one message each, waiting on the mail server
    "core.send_notification_email": EMAIL_QUEUE,
    "procurement.email_public_report_filer": EMAIL_QUEUE,
}


def route_task(name, args, kwargs, options, task=None, **kw):
    """Celery router (CELERY_TASK_ROUTES): the queue of QUEUE_OF_TASK. An explicit `queue=` option
    wins (Celery merges it over this route). A process that moved its default queue elsewhere (a
    test's private queue, tests/core/killed_worker.py) keeps every task on that queue."""
    if app.conf.task_default_queue != DEFAULT_QUEUE:
        return None
    queue = QUEUE_OF_TASK.get(name)
    return {"queue": queue} if queue else None


app = Celery("civic")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Finds `<app>/tasks.py` in every installed app; other task modules are listed in CELERY_IMPORTS.
app.autodiscover_tasks()


@worker_init.connect
def _tune_collector(**kwargs):
    # Once the worker has loaded the application (before a prefork pool forks its children, which
    # inherit it): config/collector.py.
    from config import collector

    collector.tune()
