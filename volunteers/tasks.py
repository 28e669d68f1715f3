"""Celery tasks of volunteering. Each takes ids (or nothing), calls one idempotent service and is
safe to run twice (acks-late redelivery)."""

from celery import shared_task

from volunteers.services.hour_summaries import summaries_rebuild
from volunteers.services.hours import hours_close_forgotten
from volunteers.services.needs import need_close_signups, needs_close_due
from volunteers.services.signups import signups_remind
from volunteers.services.social_workers import social_workers_expire, social_workers_remind


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240, name="volunteers.close_forgotten_hours")
def close_forgotten_hours() -> int:
    """Every 15 minutes: close check-ins of ended slots at the slot end (flagged); mark no-shows."""
    return hours_close_forgotten()


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240, name="volunteers.send_slot_reminders")
def send_slot_reminders() -> int:
    """Every 15 minutes: reminders 48 h before a slot, once per sign-up."""
    return signups_remind()


@shared_task(acks_late=True, time_limit=60, soft_time_limit=50, name="volunteers.close_need_signups")
def close_need_signups(need_id: int) -> str:
    return need_close_signups(need_id=need_id)


@shared_task(acks_late=True, time_limit=300, soft_time_limit=240, name="volunteers.close_due_signups")
def close_due_signups() -> int:
    """Every 15 minutes: close the sign-up of needs whose closing time has passed (risky needs without
    insurance are cancelled)."""
    return needs_close_due()


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, name="volunteers.social_worker_daily")
def social_worker_daily() -> dict:
    """Daily: revoke the role of expired registrations; remind 90 and 30 days before expiry."""
    return {"expired": social_workers_expire(), "reminded": social_workers_remind()}


@shared_task(acks_late=True, time_limit=1800, soft_time_limit=1700, name="volunteers.rebuild_hour_summaries")
def rebuild_hour_summaries() -> dict:
    """On demand or nightly: recompute the statistics' hour summaries from the records and the
    volunteer tally from the volunteers (the services keep them exact; this repairs rows written
    outside them)."""
    return summaries_rebuild()
