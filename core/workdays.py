"""Working days on the official Chinese calendar.

The `holidays` package's China calendar knows the public holidays and, for years the State Council
has announced, the make-up workdays (调休上班). The bureau enters each year's announced schedule in
`CalendarOverride`; an override always wins. For a year with neither (say 2027 before the
announcement), holidays are the package's estimate and no weekend is a workday; staff are warned.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from functools import lru_cache

import holidays

from core.rules import calendar_warn_from

MAX_SPAN_DAYS = 366 * 5


@lru_cache(maxsize=32)
def _package_calendar(year: int) -> tuple[frozenset[dt.date], frozenset[dt.date]]:
    """(holidays, make-up workdays) that the `holidays` package knows for `year`."""
    cn = holidays.country_holidays("CN", years=year)
    off = frozenset(day for day in cn if day.year == year)
    # Make-up workdays (调休上班) on weekends, known only for years already announced.
    workdays = {day for day in getattr(cn, "weekend_workdays", ()) if day.year == year}
    return off, frozenset(workdays)


# Every override, as the process remembers them (`read_overrides_with`: core.apps registers the
# reader of core.remembered, which keeps them until an override is saved or deleted); None: read
# the span from the table on each call.
_remembered_overrides: Callable[[], dict[dt.date, bool]] | None = None


def all_overrides() -> dict[dt.date, bool]:
    """Every override of the calendar, read from the table."""
    from core.models import CalendarOverride

    return dict(CalendarOverride.objects.values_list("date", "is_working_day"))


def read_overrides_with(reader: Callable[[], dict[dt.date, bool]] | None) -> None:
    global _remembered_overrides
    _remembered_overrides = reader


def _overrides(start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    if _remembered_overrides is not None:
        return {day: working for day, working in _remembered_overrides().items() if start <= day <= end}
    from core.models import CalendarOverride

    return dict(
        CalendarOverride.objects.filter(date__range=(start, end)).values_list("date", "is_working_day")
    )


class WorkingCalendar:
    """A calendar loaded once for a span of dates; use it for loops, the functions below for one-offs."""

    def __init__(self, start: dt.date, end: dt.date):
        if start > end:
            start, end = end, start
        self.start, self.end = start, end
        self.overrides = _overrides(start, end)

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        off, make_up = _package_calendar(day.year)
        if day in make_up:
            return True
        if day in off:
            return False
        return day.weekday() < 5


def _as_date(value: dt.date | dt.datetime) -> dt.date:
    if isinstance(value, dt.datetime):
        from django.utils import timezone

        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    return value


def is_working_day(day: dt.date | dt.datetime) -> bool:
    day = _as_date(day)
    return WorkingCalendar(day, day).is_working_day(day)


def add_working_days(start: dt.date | dt.datetime, days: int) -> dt.date:
    """The date `days` working days after `start` (start itself not counted); negative goes back.

    A statutory "within N working days of X" period ends on add_working_days(X, N)."""
    day = _as_date(start)
    if days == 0:
        return day
    step = 1 if days > 0 else -1
    # A generous window: N working days never span more than N*2 + 30 calendar days here.
    span = dt.timedelta(days=abs(days) * 2 + 40)
    calendar = WorkingCalendar(day - span, day + span) if step < 0 else WorkingCalendar(day, day + span)
    remaining = abs(days)
    current = day
    for _ in range(MAX_SPAN_DAYS):
        current += dt.timedelta(days=step)
        if calendar.is_working_day(current):
            remaining -= 1
            if remaining == 0:
                return current
    raise ValueError("working-day span too long")


def working_days_between(start: dt.date | dt.datetime, end: dt.date | dt.datetime) -> int:
    """Working days after `start` up to and including `end` (negative when end is before start)."""
    a, b = _as_date(start), _as_date(end)
    if a == b:
        return 0
    sign = 1
    if b < a:
        a, b, sign = b, a, -1
    if (b - a).days > MAX_SPAN_DAYS:
        raise ValueError("working-day span too long")
    calendar = WorkingCalendar(a, b)
    count = 0
    current = a
    while current < b:
        current += dt.timedelta(days=1)
        if calendar.is_working_day(current):
            count += 1
    return sign * count


def missing_schedule_year(today: dt.date) -> int | None:
    """Next year, when it is late in the year and the bureau has entered no schedule for it."""
    from core.models import CalendarOverride

    month, day = calendar_warn_from()
    if (today.month, today.day) < (month, day):
        return None
    next_year = today.year + 1
    if CalendarOverride.objects.filter(date__year=next_year).exists():
        return None
    return next_year


def clear_calendar_cache() -> None:
    """Overrides are remembered until one changes (core.remembered); the package calendar is cached
    per year and never changes."""
    return None
