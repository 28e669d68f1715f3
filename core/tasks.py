"""Celery tasks of `core`. Tasks take ids and call one service."""

from celery import shared_task

from core.notification_email import notification_send_email


# soft_time_limit: the global CELERY_TASK_SOFT_TIME_LIMIT is above this task's hard limit.
@shared_task(acks_late=True, time_limit=60, soft_time_limit=50, name="core.send_notification_email")
def send_notification_email(notification_id: int) -> str:
    """Email one notification; running it twice sends once."""
    return notification_send_email(notification_id=notification_id)
