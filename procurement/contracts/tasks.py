"""Celery tasks of contracts. They take ids (or nothing) and call one idempotent service."""

from celery import shared_task


@shared_task(acks_late=True, name="procurement.progress_report_reminders")
def progress_report_reminders() -> dict:
    """Daily: remind organizations of progress reports due soon or late (each reminder once)."""
    # A task calling back into its service: imported when it runs, so that loading the task module
    # (Celery's imports) does not load the services and models.
    from procurement.contracts.services.progress_reports import progress_reports_send_reminders

    return progress_reports_send_reminders()
