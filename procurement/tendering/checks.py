"""The procurement rules a tender must meet, as lists of problems in Chinese (empty = fine).

The approval task in `cms` shows these to the approver; `tender_publish` refuses with them; the
admin shows them to the officer before submission. One implementation for all three."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from core.workdays import add_working_days
from procurement import rules
from procurement.planning.models import PeriodUnit
from procurement.tendering.services.documents import bidding_documents_problems


def add_period(start: dt.datetime, amount: int, unit: str) -> dt.datetime:
    """`start` plus `amount` days counted in `unit` (calendar days, or working days on the official
    calendar keeping the time of day)."""
    if unit == PeriodUnit.WORKING_DAYS:
        local = timezone.localtime(start)
        day = add_working_days(local.date(), amount)
        return timezone.make_aware(dt.datetime.combine(day, local.time().replace(tzinfo=None)))
    return start + dt.timedelta(days=amount)


def earliest_deadline(method, *, at: dt.datetime) -> dt.datetime:
    """The earliest bid deadline a call published at `at` may have under `method`."""
    return add_period(at, method.minimum_bidding_period, method.bidding_period_unit)


def amendment_notice_deadline(method, *, at: dt.datetime) -> dt.datetime:
    """The earliest deadline that leaves the method's amendment notice after a change made at `at`."""
    return add_period(at, method.amendment_notice_period, method.amendment_notice_unit)


def points(value) -> str:
    """Points without trailing zeros or exponent: 30, 12.5."""
    return format(Decimal(value).normalize(), "f")


def unit_label(unit: str) -> str:
    return str(PeriodUnit(unit).label)


def sheet_total_problem(total) -> str | None:
    """The points of a sheet must add up to the rules' total (100)."""
    expected = rules.scoring_total_points()
    if Decimal(total) == expected:
        return None
    return _("The maximum points of the criteria add up to %(total)s; they must add up to %(expected)s.") % {
        "total": points(total),
        "expected": points(expected),
    }


def price_count_problem(count: int) -> str | None:
    return None if count == 1 else _("The scoring sheet must have exactly one price criterion.")


def price_points_problem(method, price_points) -> str | None:
    """The price criterion's points (its weight) lie within the method's bounds."""
    price_points = Decimal(price_points or 0)
    if method.price_points_min <= price_points <= method.price_points_max:
        return None
    return _(
        "Price points must be between %(min)s and %(max)s for %(method)s; the sheet gives %(points)s."
    ) % {
        "min": points(method.price_points_min),
        "max": points(method.price_points_max),
        "method": method.name,
        "points": points(price_points),
    }


def points_range_problem(name: str, max_points) -> str | None:
    if max_points is not None and 0 < Decimal(max_points) <= rules.scoring_total_points():
        return None
    return _("“%(name)s” must have between 0 and 100 points.") % {"name": name}


def qualification_problem(name: str, is_price: bool) -> str | None:
    """Qualification conditions (资格条件) are requirements of the call, never scored criteria."""
    if is_price or not any(term in name for term in rules.qualification_terms()):
        return None
    return _("“%(name)s” is a qualification condition; qualification conditions may not be scored.") % {
        "name": name
    }


def scoring_sheet_problems(method, criteria: Iterable, *, lot_label: str = "") -> list[str]:
    """Problems of one lot's sheet: points sum to 100, exactly one price criterion whose points lie in
    the method's bounds, every criterion within 0–100, no qualification condition as a criterion.
    The sheet editor's form applies the same pieces row by row."""
    criteria = list(criteria)
    prefix = f"{lot_label}：" if lot_label else ""
    if not criteria:
        return [prefix + _("The scoring sheet has no criteria.")]
    prices = [c for c in criteria if c.is_price]
    found = [
        sheet_total_problem(sum((Decimal(c.max_points or 0) for c in criteria), Decimal("0"))),
        price_count_problem(len(prices)),
    ]
    if len(prices) == 1:
        found.append(price_points_problem(method, prices[0].max_points))
    for criterion in criteria:
        found.append(points_range_problem(criterion.name, criterion.max_points))
        found.append(qualification_problem(criterion.name, criterion.is_price))
    return [prefix + problem for problem in found if problem]


def tender_publication_problems(tender, *, at: dt.datetime | None = None) -> list[str]:
    """Everything that stops `tender` from being published at `at` (default now)."""
    at = at or timezone.now()
    method = tender.method
    line = tender.budget_line
    problems = []

    if not tender.bid_deadline:
        problems.append(_("The bid deadline is not set."))
    else:
        earliest = earliest_deadline(method, at=at)
        if tender.bid_deadline < earliest:
            problems.append(
                _(
                    "The bid deadline is too early: %(method)s needs at least %(period)s %(unit)s from "
                    "publication, so the deadline must be no earlier than %(earliest)s."
                )
                % {
                    "method": method.name,
                    "period": method.minimum_bidding_period,
                    "unit": unit_label(method.bidding_period_unit),
                    "earliest": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M"),
                }
            )

    if line.plan.department_id != tender.department_id:
        problems.append(_("The budget line belongs to another purchasing unit's plan."))
    # A tender already holding its reservation (re-publication) does not count twice.
    already = sum((lot.reserved_amount for lot in tender.lots.all()), Decimal("0"))
    if tender.ceiling > line.available_amount + already:
        problems.append(
            _("The ceiling %(ceiling)s exceeds what is left on the budget line (%(available)s).")
            % {"ceiling": tender.ceiling, "available": line.available_amount + already}
        )
    notice_days = rules.intention_notice_days()
    if line.intention_published_at is None:
        problems.append(_("The purchase intention of this budget line has not been published."))
    elif timezone.localtime(line.intention_published_at).date() + dt.timedelta(days=notice_days) > (
        timezone.localtime(at).date()
    ):
        problems.append(
            _(
                "The purchase intention must be public at least %(days)s days before the call; it was published on %(date)s."
            )
            % {
                "days": notice_days,
                "date": timezone.localtime(line.intention_published_at).strftime("%Y-%m-%d"),
            }
        )

    lots = list(tender.lots.all())
    if not lots:
        problems.append(_("The tender has no lot."))
    else:
        lot_total = sum((lot.ceiling for lot in lots), Decimal("0"))
        if lot_total != tender.ceiling:
            problems.append(
                _("The lot ceilings add up to %(total)s, not to the tender's ceiling %(ceiling)s.")
                % {"total": lot_total, "ceiling": tender.ceiling}
            )
        for lot in lots:
            label = (_("Lot %(number)s") % {"number": lot.number}) if len(lots) > 1 else ""
            problems.extend(scoring_sheet_problems(method, lot.criteria.all(), lot_label=label))

    if (
        tender.service_period_start
        and tender.service_period_end
        and tender.service_period_start > tender.service_period_end
    ):
        problems.append(_("The service period ends before it starts."))
    if not method.is_active:
        problems.append(_("The procurement method %(method)s is no longer in use.") % {"method": method.name})
    problems.extend(bidding_documents_problems(tender))
    return problems
