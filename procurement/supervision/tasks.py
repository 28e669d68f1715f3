"""Celery tasks of supervision. They take ids (or nothing) and call one idempotent service."""

from celery import shared_task

from procurement.supervision.services.lights import lights_daily as run_lights_daily
from procurement.supervision.services.transfers import public_report_transfers_daily as run_transfers_daily


@shared_task(acks_late=True, name="procurement.lights_daily")
def lights_daily() -> dict:
    """Every night: the supervision lights' snapshot, then the escalation of newly red items (a second
    run the same day rewrites the same rows and notifies nobody again)."""
    return run_lights_daily()


@shared_task(acks_late=True, name="procurement.email_public_report_filer")
def email_public_report_filer(report_id: int) -> bool:
    """Email a public report's filer its status (once per status)."""
    # A task calling back into its service: `services.public_reports` imports this module at its top
    # to queue this task, so the service is imported here, when the task runs.
    from procurement.supervision.services.public_reports import public_report_email_filer

    return public_report_email_filer(report_id=report_id)


@shared_task(acks_late=True, name="procurement.public_report_transfers_daily")
def public_report_transfers_daily() -> dict:
    """Every morning: remind the departments of transferred public reports due soon, and escalate the
    overdue ones once (claimed, told and audited in one transaction: a second run tells nobody again)."""
    return run_transfers_daily()


@shared_task(acks_late=True, name="procurement.red_flags_refresh")
def red_flags_refresh() -> dict:
    """Every night: store the red flags of every public process (the portal's red-flag list reads
    them); a second run stores the same rows."""
    from procurement.supervision.services.red_flags import red_flags_refresh as run_refresh

    return run_refresh()
