"""Configurable numbers of `core`, read from settings with the RULES.md defaults."""

from django.conf import settings


def calendar_warn_from() -> tuple[int, int]:
    """(month, day) from which staff are warned that next year's schedule is missing."""
    month, day = str(getattr(settings, "CORE_CALENDAR_WARN_FROM", "12-01")).split("-")
    return int(month), int(day)
