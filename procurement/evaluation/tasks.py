"""Celery tasks of evaluation. They take ids (or nothing) and call one idempotent service."""

from celery import shared_task

from procurement.evaluation.services.awards import awards_publish_due_notices


@shared_task(
    acks_late=True, time_limit=300, soft_time_limit=240, name="procurement.publish_due_award_notices"
)
def publish_due_award_notices() -> list[int]:
    """Every 10 minutes: publish the notice of any confirmed award whose notice is not out yet (a
    safety net; confirmation publishes at once). A second run finds nothing left to publish."""
    return awards_publish_due_notices()
