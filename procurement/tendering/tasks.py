"""Celery tasks of tendering. They take ids (or nothing) and call one idempotent service; their
results are ids only, never bid content."""

from celery import shared_task

from procurement.tendering.services.opening import tenders_close_and_open_due


@shared_task(acks_late=True, name="procurement.close_and_open_due_tenders")
def close_and_open_due_tenders() -> dict:
    """Every minute: close tenders at their deadline and open their bids (a second run does nothing)."""
    return tenders_close_and_open_due()
