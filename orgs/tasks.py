"""Celery tasks of `orgs`. Each calls one idempotent service."""

from celery import shared_task

from orgs.services import credit_lists_apply_rules
from orgs.services.records import refresh_recent_grants


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, name="orgs.apply_credit_list_rules")
def apply_credit_list_rules() -> dict:
    """Daily: the automatic credit-list rules for today (a second run the same day changes nothing)."""
    return credit_lists_apply_rules()


@shared_task(acks_late=True, time_limit=300, soft_time_limit=270, name="orgs.refresh_latest_grades")
def refresh_latest_grades() -> int:
    """Daily: a grade granted with a date ahead becomes the organization's stored latest grade on that
    date (the directory's sort by grade reads it). Idempotent."""
    return refresh_recent_grants()
