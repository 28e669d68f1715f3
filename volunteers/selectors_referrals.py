"""Reads of referrals (转介), already filtered for the acting user, and the volunteers the centre may
refer to a need (the hard filters of `volunteers.eligibility`, in the database)."""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from volunteers.eligibility import hard_filters
from volunteers.models import (
    OPEN_REFERRAL_STATUSES,
    Need,
    NeedSlot,
    NeedStatus,
    Referral,
    ReferralStatus,
    Volunteer,
)
from volunteers.permissions import is_bureau_admin, organization_ids_of, volunteer_of

# A need's open slots considered when the centre names no slot (matching ORs their filters).
MAX_SLOTS_MATCHED = 20
# Volunteers listed on the referral page at once (the search narrows the rest).
MATCH_LIMIT = 50

_LIST_RELATED = (
    "volunteer",
    "need__project__organization",
    "need__project__department",
    "slot",
    "signup",
    "referred_by",
)


def _with_status(queryset: QuerySet[Referral], status: str | None) -> QuerySet[Referral]:
    if status:
        queryset = queryset.filter(status=status)
    return queryset


def referrals_for_centre(*, status: str | None = None) -> QuerySet[Referral]:
    """Every referral (the centre works for the whole bureau), newest first."""
    return _with_status(Referral.objects.select_related(*_LIST_RELATED), status).order_by(
        "-created_at", "-pk"
    )


def incoming_referrals(user, *, status: str | None = None) -> QuerySet[Referral]:
    """Referrals to needs the user organizes (their organizations' or bureau unit's), newest first."""
    if is_bureau_admin(user):
        queryset = Referral.objects.all()
    else:
        condition = Q(need__project__organization_id__in=organization_ids_of(user))
        if user.department_id:
            condition |= Q(need__project__department_id=user.department_id)
        queryset = Referral.objects.filter(condition)
    return (
        _with_status(queryset, status)
        .select_related(*_LIST_RELATED)
        .prefetch_related("need__slots")
        .order_by("-created_at", "-pk")
    )


def pending_incoming_count(user) -> int:
    """Referrals waiting for the user's decision (one query; none for users who organize nothing)."""
    if not organization_ids_of(user) and not user.department_id and not is_bureau_admin(user):
        return 0
    return incoming_referrals(user, status=ReferralStatus.PROPOSED).count()


def own_referrals(user) -> QuerySet[Referral]:
    volunteer = volunteer_of(user)
    if volunteer is None:
        return Referral.objects.none()
    return (
        Referral.objects.filter(volunteer=volunteer)
        .select_related("need__project__organization", "need__project__department", "slot", "signup")
        .order_by("-created_at", "-pk")
    )


def open_needs_for_referral(query: str = "") -> QuerySet[Need]:
    """Needs still taking sign-ups, with their number of future slots; `query` searches the title,
    the project and the organizer."""
    now = timezone.now()
    queryset = Need.objects.filter(status=NeedStatus.OPEN, signup_closes_at__gt=now)
    if query:
        queryset = queryset.filter(
            Q(title__icontains=query)
            | Q(project__title__icontains=query)
            | Q(project__organization__name__icontains=query)
            | Q(project__department__name__icontains=query)
        )
    return (
        queryset.select_related("project__organization", "project__department", "service_type", "district")
        .annotate(
            slot_count=Count("slots", filter=Q(slots__starts_at__gt=now), distinct=True),
            referral_count=Count(
                "referrals", filter=Q(referrals__status__in=OPEN_REFERRAL_STATUSES), distinct=True
            ),
        )
        .filter(slot_count__gt=0)
        .order_by("signup_closes_at", "pk")
    )


def future_slots(need: Need) -> list[NeedSlot]:
    return list(need.slots.filter(starts_at__gt=timezone.now()).order_by("starts_at")[:MAX_SLOTS_MATCHED])


def matching_volunteers(
    need: Need,
    *,
    slot: NeedSlot | None = None,
    query: str = "",
    district=None,
    skill=None,
) -> QuerySet[Volunteer]:
    """Volunteers the need's rules let take `slot` — or, without a slot, at least one of its open
    slots — and not already referred to it: the same hard filters as sign-up (profile active, age,
    guardian consent, qualification, district, the required training, not booked at that time), as
    SQL. `query` finds a name or volunteer number; `district` and `skill` narrow further."""
    slots = [slot] if slot is not None else future_slots(need)
    fits = Q(pk__in=[])
    for candidate in slots:
        candidate.need = need
        every = Q()
        for _message, condition in hard_filters(candidate, with_availability=False):
            every &= condition
        fits |= every
    referred = Referral.objects.filter(volunteer=OuterRef("pk"), need=need, status__in=OPEN_REFERRAL_STATUSES)
    queryset = Volunteer.objects.filter(fits).filter(~Exists(referred))
    if query:
        queryset = queryset.filter(Q(real_name__icontains=query) | Q(number__iexact=query))
    if district is not None:
        queryset = queryset.filter(districts=district)
    if skill is not None:
        queryset = queryset.filter(skills=skill)
    in_district = Volunteer.districts.through.objects.filter(
        volunteer_id=OuterRef("pk"), district_id=need.district_id
    )
    return (
        queryset.annotate(in_district=Exists(in_district))
        .prefetch_related("districts", "skills")
        .order_by("-in_district", "number", "pk")
    )


def referral_counts(*, year: int | None = None) -> dict:
    """Referrals by state, in all and in `year` (this year by default), for the public statistics:
    counts only. One query."""
    year = year or timezone.localdate().year
    start = timezone.make_aware(datetime.datetime(year, 1, 1))
    end = timezone.make_aware(datetime.datetime(year + 1, 1, 1))
    this_year = Q(created_at__gte=start, created_at__lt=end)
    aggregates = {}
    for status in ReferralStatus:
        aggregates[f"all_{status.value}"] = Count("pk", filter=Q(status=status))
        aggregates[f"year_{status.value}"] = Count("pk", filter=Q(status=status) & this_year)
    counts = Referral.objects.aggregate(**aggregates)
    rows = [
        (status.label, counts[f"all_{status.value}"], counts[f"year_{status.value}"])
        for status in ReferralStatus
    ]
    return {
        "year": year,
        "rows": rows,
        "total": sum(row[1] for row in rows),
        "total_year": sum(row[2] for row in rows),
    }
