"""Celery tasks of supervision. They take ids (or nothing) and call one idempotent service."""

from celery import shared_task


@shared_task(acks_late=True, name="procurement.lights_daily")
def lights_daily() -> dict:
    """Every night: the supervision lights' snapshot, then the escalation of newly red items (a second
    run the same day rewrites the same rows and notifies nobody again)."""
    from procurement.supervision.services.lights import lights_daily as run

    return run()


@shared_task(acks_late=True, name="procurement.email_public_report_filer")
def email_public_report_filer(report_id: int) -> bool:
    """Email a public report's filer its status (once per status)."""
    from procurement.supervision.services.public_reports import public_report_email_filer

    return public_report_email_filer(report_id=report_id)
