"""Celery tasks of `core`. Tasks take ids and call one service."""

from celery import shared_task

from core import outbox  # noqa: F401 - connects the outbox's task signals in the worker
from core.notification_email import notification_send_email, unsent_email_ids


# soft_time_limit: the global CELERY_TASK_SOFT_TIME_LIMIT is above this task's hard limit.
@shared_task(acks_late=True, time_limit=60, soft_time_limit=50, name="core.send_notification_email")
def send_notification_email(notification_id: int) -> str:
    """Email one notification; running it twice sends once."""
    return notification_send_email(notification_id=notification_id)


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, name="core.requeue_unsent_emails")
def requeue_unsent_emails() -> int:
    """Periodic (beat): queue again the emails whose task was lost (a broker without redelivery, a
    worker killed mid-send). Sending is idempotent per notification, so a duplicate task is harmless."""
    ids = unsent_email_ids()
    for notification_id in ids:
        send_notification_email.apply_async(args=[notification_id])
    return len(ids)


@shared_task(acks_late=True, time_limit=120, soft_time_limit=100, name="core.redeliver_tasks")
def redeliver_tasks() -> int:
    """Periodic (beat, every minute): send again the tasks a dead worker or a lost message left
    unfinished (core.outbox)."""
    from core.outbox import redeliver_due_tasks

    return redeliver_due_tasks()


# Long work (core.jobs): imports of up to MAX rows, large exports. Above the global limits on purpose.
JOB_TIME_LIMIT_SECONDS = 3600


@shared_task(
    acks_late=True,
    time_limit=JOB_TIME_LIMIT_SECONDS,
    soft_time_limit=JOB_TIME_LIMIT_SECONDS - 60,
    name="core.run_job",
)
def run_job(job_id: int) -> str:
    """Run one queued job (an import, an export, a report) and keep its outcome; idempotent."""
    from core.jobs import job_run  # core.jobs imports core.notifications, which imports this module

    return job_run(job_id=job_id)


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, name="core.expire_job_files")
def expire_job_files() -> int:
    """Daily (beat): delete the result files of jobs finished more than JOBS_KEEP_DAYS days ago;
    their pages then show the file as expired. Idempotent."""
    from core.jobs import job_files_expire  # core.jobs imports core.notifications, which imports this module

    return job_files_expire()
