"""Keeping the hour summaries (volunteers.models.summaries) exact.

`hour_summaries_add` runs inside the transaction of the service that makes a record count (hours
verification, an accepted correction): it adds the minutes and, when the record newly counts, the
record and the volunteer to each distinct count in which the volunteer had no other verified
record. The caller has already updated the volunteer's row (`verified_minutes`), which holds that
row's lock to the commit, so two verifications of one volunteer cannot both count them as new.

`hour_summaries_rebuild` recomputes everything from the records, set-based (a backfill after a
migration or a repair); `summaries_rebuild` also recomputes the volunteer tally (the
`rebuild_hour_summaries` command and task)."""

from __future__ import annotations

import datetime
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Sum
from django.db.models.functions import TruncMonth, TruncYear
from django.utils import timezone

from volunteers.models import HourRecord, HourStatus, HourSummary, ServedScope, ServedSummary
from volunteers.models.summaries import ALL_DISTRICTS, ALL_TIME
from volunteers.services.tallies import volunteer_tally_rebuild


def _local_date(value) -> datetime.date:
    if isinstance(value, datetime.datetime):
        value = timezone.localtime(value) if timezone.is_aware(value) else value
        return value.date()
    return value


def month_of(moment: datetime.datetime) -> datetime.date:
    return timezone.localtime(moment).date().replace(day=1)


def _bounds(first: datetime.date, *, year: bool) -> tuple[datetime.datetime, datetime.datetime]:
    if year:
        after = first.replace(year=first.year + 1)
    else:
        after = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    tz = timezone.get_current_timezone()
    return (
        datetime.datetime.combine(first, datetime.time(), tzinfo=tz),
        datetime.datetime.combine(after, datetime.time(), tzinfo=tz),
    )


def _bump(model, key: dict, **increments) -> None:
    row, _created = model.objects.get_or_create(**key)
    model.objects.filter(pk=row.pk).update(**{name: F(name) + value for name, value in increments.items()})


def hour_summaries_add(record: HourRecord, *, minutes: int, newly_counted: bool) -> None:
    """Add `minutes` of `record` (verified, its slot and need loaded) to the summaries; with
    `newly_counted` also the record and, where new, the volunteer. Call it in the service's
    transaction, after the volunteer's row was updated."""
    need = record.slot.need
    month = month_of(record.check_in_at)
    _bump(
        HourSummary,
        {"month": month, "district_id": need.district_id, "service_type_id": need.service_type_id},
        minutes=minutes,
        records=1 if newly_counted else 0,
    )
    if not newly_counted:
        return
    others = HourRecord.objects.filter(volunteer_id=record.volunteer_id, status=HourStatus.VERIFIED).exclude(
        pk=record.pk
    )
    in_district = others.filter(slot__need__district_id=need.district_id)
    year = month.replace(month=1)
    scopes = [
        (
            ServedScope.MONTH,
            month,
            ALL_DISTRICTS,
            others.filter(check_in_at__range=_bounds(month, year=False)),
        ),
        (
            ServedScope.YEAR_DISTRICT,
            year,
            need.district_id,
            in_district.filter(check_in_at__range=_bounds(year, year=True)),
        ),
        (ServedScope.DISTRICT, ALL_TIME, need.district_id, in_district),
    ]
    for scope, period, district_id, earlier in scopes:
        # check_in_at__range includes its upper bound: exclude a record at exactly the next period's start
        if scope != ServedScope.DISTRICT:
            earlier = earlier.exclude(check_in_at=_bounds(period, year=scope != ServedScope.MONTH)[1])
        if not earlier.exists():
            _bump(ServedSummary, {"scope": scope, "period": period, "district_id": district_id}, volunteers=1)


@transaction.atomic
def hour_summaries_rebuild() -> dict[str, int]:
    """Recompute every summary from the verified records (whole-table aggregates: a task's or a
    command's work, never a page's). Returns how many rows each table has."""
    verified = HourRecord.objects.filter(status=HourStatus.VERIFIED).order_by()
    sums: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        verified.annotate(month=TruncMonth("check_in_at"))
        .values("month", district=F("slot__need__district_id"), service_type=F("slot__need__service_type_id"))
        .annotate(minutes=Sum("minutes"), records=Count("pk"))
    )
    for row in rows:
        key = (_local_date(row["month"]).replace(day=1), row["district"], row["service_type"])
        sums[key][0] += row["minutes"] or 0
        sums[key][1] += row["records"]
    served = []
    for row in (
        verified.annotate(month=TruncMonth("check_in_at"))
        .values("month")
        .annotate(n=Count("volunteer", distinct=True))
    ):
        served.append((ServedScope.MONTH, _local_date(row["month"]).replace(day=1), ALL_DISTRICTS, row["n"]))
    for row in (
        verified.annotate(year=TruncYear("check_in_at"))
        .values("year", district=F("slot__need__district_id"))
        .annotate(n=Count("volunteer", distinct=True))
    ):
        served.append(
            (
                ServedScope.YEAR_DISTRICT,
                _local_date(row["year"]).replace(month=1, day=1),
                row["district"],
                row["n"],
            )
        )
    for row in verified.values(district=F("slot__need__district_id")).annotate(
        n=Count("volunteer", distinct=True)
    ):
        served.append((ServedScope.DISTRICT, ALL_TIME, row["district"], row["n"]))
    HourSummary.objects.all().delete()
    ServedSummary.objects.all().delete()
    HourSummary.objects.bulk_create(
        [
            HourSummary(month=month, district_id=district, service_type_id=service_type, minutes=m, records=r)
            for (month, district, service_type), (m, r) in sums.items()
        ],
        batch_size=1000,
    )
    ServedSummary.objects.bulk_create(
        [
            ServedSummary(scope=scope, period=period, district_id=district, volunteers=n)
            for scope, period, district, n in served
        ],
        batch_size=1000,
    )
    return {"hour_summaries": len(sums), "served_summaries": len(served)}


def summaries_rebuild() -> dict[str, int]:
    """Every summary of the public statistics: the hour summaries and the volunteer tally."""
    return {**hour_summaries_rebuild(), "volunteer_tally": volunteer_tally_rebuild()}
