"""Reads of supervision used by more than one module: who is told, who may be chosen."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.roles import Role


def active_supervisors() -> QuerySet:
    """The active supervisors (who are told about new public reports and may handle them), by
    username."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=Role.SUPERVISOR.value)
        .order_by("username")
    )
