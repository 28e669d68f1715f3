"""Calendar arithmetic on dates (months and years), beside the working-day helpers of
core.workdays. Used wherever a term, a validity or a listing runs for whole months or years."""

from __future__ import annotations

import calendar
import datetime


def add_months(day: datetime.date, months: int) -> datetime.date:
    """Calendar months later; the 31st becomes the month's last day when the month is shorter."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def add_years(day: datetime.date, years: int) -> datetime.date:
    """Calendar years later (or earlier when negative); 29 February becomes 28 February."""
    return add_months(day, 12 * years)
