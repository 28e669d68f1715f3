"""Celery tasks of purchase of services. They take ids (or nothing) and call one idempotent service;
their results are ids only, never bid content."""

from celery import shared_task

from procurement.services.opening import tenders_close_and_open_due


@shared_task(acks_late=True, name="procurement.close_and_open_due_tenders")
def close_and_open_due_tenders() -> dict:
    """Every minute: close tenders at their deadline and open their bids (a second run does nothing)."""
    return tenders_close_and_open_due()


@shared_task(acks_late=True, name="procurement.lights_daily")
def lights_daily() -> dict:
    """Every night: the supervision lights' snapshot, then the escalation of newly red items (a second
    run the same day rewrites the same rows and notifies nobody again)."""
    from procurement.services.supervision import lights_daily as run

    return run()


@shared_task(acks_late=True, name="procurement.email_public_report_filer")
def email_public_report_filer(report_id: int) -> bool:
    """Email a public report's filer its status (once per status)."""
    from procurement.services.public_reports import public_report_email_filer

    return public_report_email_filer(report_id=report_id)


@shared_task(acks_late=True, name="procurement.progress_report_reminders")
def progress_report_reminders() -> dict:
    """Daily: remind organizations of progress reports due soon or late (each reminder once)."""
    from procurement.services.reports_progress import progress_reports_send_reminders

    return progress_reports_send_reminders()


@shared_task(
    acks_late=True, time_limit=300, soft_time_limit=240, name="procurement.publish_due_award_notices"
)
def publish_due_award_notices() -> list[int]:
    """Every 10 minutes: publish the notice of any confirmed award whose notice is not out yet (a
    safety net; confirmation publishes at once). A second run finds nothing left to publish."""
    from procurement.services.awards import awards_publish_due_notices

    return awards_publish_due_notices()
