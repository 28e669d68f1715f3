"""The hard filters of matching, as SQL on the volunteers table. The same filters decide whether a
volunteer may sign up for a slot (`eligibility_problems`), so the rules live in one place.

Filters for a slot: active profile; a verified, unexpired qualification for the service type when the
need requires one; the need's minimum age on the slot's date (under 18 only with recorded guardian
consent; under 14 never on a risky need); weekly availability overlapping the slot (matching only);
the need's district when required; a completed training of the need's required course (its
`TrainingRecord`, compared without case) when it names one; not already booked for an overlapping
slot."""

from __future__ import annotations

import datetime

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from volunteers import rules
from volunteers.models import (
    AvailabilitySlot,
    NeedSlot,
    Qualification,
    SignUp,
    TrainingRecord,
    Volunteer,
    VolunteerStatus,
)
from volunteers.models.needs import ACTIVE_SIGNUP_STATUSES, SignUpStatus

BOOKED_STATUSES = (*ACTIVE_SIGNUP_STATUSES, SignUpStatus.ATTENDED)


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def slot_window(slot: NeedSlot) -> tuple[int, datetime.time, datetime.time]:
    """(weekday, start, end) of the slot in local time; a slot past midnight counts until 23:59."""
    start, end = timezone.localtime(slot.starts_at), timezone.localtime(slot.ends_at)
    end_time = end.time() if end.date() == start.date() else datetime.time(23, 59, 59)
    return start.weekday(), start.time(), end_time


def trained_in(course: str):
    """Training records of the course `course` (without case) of the outer volunteer row."""
    return TrainingRecord.objects.filter(volunteer=OuterRef("pk"), course__iexact=course.strip())


def hard_filters(slot: NeedSlot, *, with_availability: bool = True) -> list[tuple[str, Q]]:
    """(message when failed, condition) for each hard filter that applies to `slot`."""
    need = slot.need
    day = timezone.localtime(slot.starts_at).date()
    filters: list[tuple[str, Q]] = [
        (_("Your volunteer profile is not active."), Q(status=VolunteerStatus.ACTIVE)),
    ]
    if need.requires_qualification:
        qualified = Qualification.objects.filter(
            volunteer=OuterRef("pk"), service_type_id=need.service_type_id, verified_at__isnull=False
        ).filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        filters.append((_("This need requires a verified qualification."), Q(Exists(qualified))))
    if need.required_training:
        filters.append(
            (
                _("This need requires the training “%(course)s”, which is not in your training records.")
                % {"course": need.required_training},
                Q(Exists(trained_in(need.required_training))),
            )
        )
    filters.append(
        (
            _("You must be at least %(age)s on the day of the activity.") % {"age": need.min_age},
            Q(birth_date__lte=_years_before(day, need.min_age)),
        )
    )
    filters.append(
        (
            _("A volunteer under 18 needs the guardian's recorded consent."),
            Q(birth_date__lte=_years_before(day, rules.adult_age())) | Q(guardian_consent_at__isnull=False),
        )
    )
    if need.is_risky:
        filters.append(
            (
                _("Volunteers under 14 do not take risky work."),
                Q(birth_date__lte=_years_before(day, rules.sensitive_age())),
            )
        )
    if with_availability:
        weekday, start, end = slot_window(slot)
        available = AvailabilitySlot.objects.filter(
            volunteer=OuterRef("pk"), weekday=weekday, start_time__lt=end, end_time__gt=start
        )
        filters.append((_("Not available at this time."), Q(Exists(available))))
    if need.district_required:
        in_district = Volunteer.districts.through.objects.filter(
            volunteer_id=OuterRef("pk"), district_id=need.district_id
        )
        filters.append((_("This need takes only volunteers of its district."), Q(Exists(in_district))))
    booked = SignUp.objects.filter(
        volunteer=OuterRef("pk"),
        status__in=BOOKED_STATUSES,
        slot__starts_at__lt=slot.ends_at,
        slot__ends_at__gt=slot.starts_at,
    )
    filters.append((_("Already booked at this time."), ~Q(Exists(booked))))
    return filters


def eligible_volunteers(slot: NeedSlot, *, with_availability: bool = True) -> QuerySet[Volunteer]:
    queryset = Volunteer.objects.all()
    for _message, condition in hard_filters(slot, with_availability=with_availability):
        queryset = queryset.filter(condition)
    return queryset


def eligibility_problems(
    volunteer: Volunteer, slot: NeedSlot, *, with_availability: bool = False
) -> list[str]:
    """Messages of the hard filters `volunteer` fails for `slot` (one query per filter)."""
    one = Volunteer.objects.filter(pk=volunteer.pk)
    return [
        message
        for message, condition in hard_filters(slot, with_availability=with_availability)
        if not one.filter(condition).exists()
    ]
