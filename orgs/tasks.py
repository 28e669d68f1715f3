"""Celery tasks of `orgs`. Each calls one idempotent service."""

from celery import shared_task

from orgs.services import credit_lists_apply_rules


@shared_task(acks_late=True, time_limit=600, soft_time_limit=540, name="orgs.apply_credit_list_rules")
def apply_credit_list_rules() -> dict:
    """Daily: the automatic credit-list rules for today (a second run the same day changes nothing)."""
    return credit_lists_apply_rules()
