"""Summaries of verified service hours for the public statistics, so a page never aggregates the
hour records (millions of rows at city scale). The hours service keeps them in the transaction that
verifies or corrects a record (volunteers.services.hour_summaries); `rebuild_hour_summaries` (a
management command and a task) recomputes them from the records, for a backfill or a repair."""

from __future__ import annotations

import datetime

from django.db import models
from django.utils.translation import gettext_lazy as _

ALL_DISTRICTS = 0  # ServedSummary.district_id of a count over every district
ALL_TIME = datetime.date(1, 1, 1)  # ServedSummary.period of a count over all time (not NULL: unique)


class HourSummary(models.Model):
    """Verified minutes and records of one month of service (the check-in's month in Asia/Shanghai)
    for one district and service type of the needs served. Minutes and records add up over any of
    the three keys."""

    month = models.DateField()
    district = models.ForeignKey("core.District", on_delete=models.PROTECT, related_name="+")
    service_type = models.ForeignKey("core.VolunteerServiceType", on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveBigIntegerField(default=0)
    records = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month", "district", "service_type"], name="hour_summary_key"),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.district_id}/{self.service_type_id}: {self.minutes} min"


class ServedScope(models.TextChoices):
    MONTH = "month", _("month, every district")
    YEAR_DISTRICT = "year_district", _("year, one district")
    DISTRICT = "district", _("all time, one district")


class ServedSummary(models.Model):
    """How many distinct volunteers have verified service in a scope: a month (every district), a
    year in one district, or one district over all time. Distinct counts do not add up, so each scope
    the statistics show has its own row."""

    scope = models.CharField(max_length=20, choices=ServedScope.choices)
    period = models.DateField()  # the month's or year's first day, or ALL_TIME
    district_id = models.PositiveIntegerField(default=ALL_DISTRICTS)
    volunteers = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["scope", "period", "district_id"], name="served_summary_key"),
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.period} {self.district_id}: {self.volunteers}"


class VolunteerTally(models.Model):
    """How many volunteers have one status and one whole number of verified hours
    (`verified_minutes // 60`). Sums over these few rows give the registered (active) volunteers and
    the volunteers at each star level, whatever the thresholds (whole hours, configurable), so no
    page counts the volunteers table. Registration, the import and the hours service keep it in
    their transactions (volunteers.services.tallies); `rebuild_hour_summaries` recomputes it."""

    status = models.CharField(max_length=20)
    hours = models.PositiveIntegerField()
    volunteers = models.IntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["status", "hours"], name="volunteer_tally_key"),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.hours} h: {self.volunteers}"
