"""Configurable numbers of `core`, read from settings with the RULES.md defaults."""

from django.conf import settings


def calendar_warn_from() -> tuple[int, int]:
    """(month, day) from which staff are warned that next year's schedule is missing."""
    month, day = str(getattr(settings, "CORE_CALENDAR_WARN_FROM", "12-01")).split("-")
    return int(month), int(day)


def notify_daily_cap() -> int:
    """Emails one user may receive per calendar day; in-app notifications are not capped."""
    return int(getattr(settings, "NOTIFY_DAILY_CAP", 20))


def document_max_bytes() -> int:
    """Largest document upload accepted, in bytes."""
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))
