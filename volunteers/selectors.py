"""Reads of volunteering, already filtered for the acting user."""

from __future__ import annotations

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from core.references import with_references
from volunteers import rules
from volunteers.models import (
    HourRecord,
    HourStatus,
    HourSummary,
    Need,
    NeedSlot,
    NeedStatus,
    Qualification,
    Referral,
    ServedScope,
    ServedSummary,
    ServiceProject,
    SignUp,
    SignUpStatus,
    SocialWorker,
    TrainingRecord,
    Volunteer,
    VolunteerStatus,
    VolunteerTally,
    closing_with_need,
)
from volunteers.models.summaries import ALL_DISTRICTS
from volunteers.permissions import (
    is_bureau_admin,
    organization_ids_of,
    social_worker_of,
    volunteer_of,
    volunteers_of_department,
    volunteers_of_organizations,
)


def volunteers_visible_to(user) -> QuerySet[Volunteer]:
    if is_bureau_admin(user):
        return Volunteer.objects.all()
    org_ids = organization_ids_of(user)
    queryset = volunteers_of_organizations(org_ids) if org_ids else Volunteer.objects.none()
    if user.department_id:
        queryset = queryset | volunteers_of_department(user.department_id)
    worker = social_worker_of(user)
    if worker is not None and worker.is_valid_on():
        queryset = queryset | Volunteer.objects.filter(teams__leader=worker)
    return queryset.distinct()


def needs_managed_by(user) -> QuerySet[Need]:
    """Needs whose project the user's organization or bureau unit owns."""
    if is_bureau_admin(user):
        queryset = Need.objects.all()
    else:
        condition = Q(project__organization_id__in=organization_ids_of(user))
        if user.department_id:
            condition |= Q(project__department_id=user.department_id)
        queryset = Need.objects.filter(condition)
    return queryset.select_related("project__organization", "project__department", "service_type", "district")


def open_needs() -> QuerySet[Need]:
    """Needs open for sign-up, for the public list (no personal data). The future slots are counted
    by a sub-query per need shown (the planner evaluates it after the LIMIT of a page, and the
    paginator's count leaves it out), never by a GROUP BY over every open need's slots; the rows come
    in the order of the `need_open_closing` index."""
    now = timezone.now()
    future_slots = (
        NeedSlot.objects.filter(need=OuterRef("pk"), starts_at__gt=now)
        .order_by()
        .values("need")
        .annotate(n=Count("pk"))
        .values("n")
    )
    # the project's bureau unit and the district from the process's copy of the reference rows
    # (core.references), not joined
    return with_references(
        Need.objects.filter(status=NeedStatus.OPEN, signup_closes_at__gt=now)
        .select_related("project__organization", "service_type")
        .annotate(slot_count=Coalesce(Subquery(future_slots, output_field=IntegerField()), Value(0)))
        .order_by("signup_closes_at", "pk"),
        "project__department",
        "district",
    )


def slots_with_counts(need: Need) -> QuerySet[NeedSlot]:
    return need.slots.annotate(
        confirmed=Count(
            "signups", filter=Q(signups__status__in=[SignUpStatus.CONFIRMED, SignUpStatus.ATTENDED])
        ),
        waiting=Count("signups", filter=Q(signups__status=SignUpStatus.WAITLISTED)),
        pending=Count("signups", filter=Q(signups__status=SignUpStatus.PENDING)),
    ).order_by("starts_at")


def own_signups(user) -> QuerySet[SignUp]:
    volunteer = volunteer_of(user)
    if volunteer is None:
        return SignUp.objects.none()
    return (
        SignUp.objects.filter(volunteer=volunteer).select_related("slot__need").order_by("-slot__starts_at")
    )


def own_hours(user) -> QuerySet[HourRecord]:
    volunteer = volunteer_of(user)
    if volunteer is None:
        return HourRecord.objects.none()
    return (
        HourRecord.objects.filter(volunteer=volunteer).select_related("slot__need").order_by("-check_in_at")
    )


def hours_to_verify(user) -> QuerySet[HourRecord]:
    """Pending hours the user may verify: of needs they organize, or of their team's volunteers."""
    condition = Q(pk__in=[])
    if is_bureau_admin(user):
        condition = Q()
    else:
        org_ids = organization_ids_of(user)
        if org_ids:
            condition |= Q(slot__need__project__organization_id__in=org_ids)
        if user.department_id:
            condition |= Q(slot__need__project__department_id=user.department_id)
        worker = social_worker_of(user)
        if worker is not None and worker.is_valid_on():
            condition |= Q(volunteer__teams__leader=worker)
    return (
        HourRecord.objects.filter(condition, status=HourStatus.PENDING)
        .exclude(volunteer__user=user)
        .select_related("slot__need", "volunteer")
        .distinct()
        .order_by("check_in_at", "pk")
    )


def training_courses(limit: int = 200) -> list[str]:
    """The course names on the volunteers' training records (for the need form's suggestions), each
    once whatever its case, most recorded first. One query."""
    rows = (
        TrainingRecord.objects.order_by()
        .values("course")
        .annotate(n=Count("pk"))
        .order_by("-n", "course")[: limit * 2]
    )
    seen: dict[str, str] = {}
    for row in rows:
        seen.setdefault(row["course"].casefold(), row["course"])
    return list(seen.values())[:limit]


def public_statistics() -> dict:
    """Counts without personal data: volunteers, verified hours by service type and by district, and
    how many volunteers hold each star level. A fixed number of queries, over the hour summaries
    (never the hour records)."""
    by_type = list(
        HourSummary.objects.order_by()
        .values("service_type__name", "service_type__sort_order")
        .annotate(total=Sum("minutes"))
        .order_by("service_type__sort_order")
    )
    by_district = list(
        HourSummary.objects.order_by()
        .values("district__name", "district__sort_order")
        .annotate(total=Sum("minutes"))
        .order_by("district__sort_order")
    )
    return {
        "volunteers": active_volunteer_count(),
        "total_hours": round(sum(row["total"] for row in by_type) / 60, 1),
        "by_type": [(row["service_type__name"], round(row["total"] / 60, 1)) for row in by_type],
        "by_district": [(row["district__name"], round(row["total"] / 60, 1)) for row in by_district],
        "stars": [(level, n) for level, n in star_level_counts() if level > 0],
    }


def projects_managed_by(user) -> QuerySet:
    """Service projects the user's organizations or bureau unit own, with their number of needs."""
    if is_bureau_admin(user):
        queryset = ServiceProject.objects.all()
    else:
        condition = Q(organization_id__in=organization_ids_of(user))
        if user.department_id:
            condition |= Q(department_id=user.department_id)
        queryset = ServiceProject.objects.filter(condition)
    return (
        queryset.select_related("organization", "department")
        .annotate(need_count=Count("needs"))
        .order_by("-created_at", "-pk")
    )


def qualifications_to_verify(user) -> QuerySet:
    """Unverified qualifications of volunteers the user organizes (all of them for bureau admins);
    never the user's own."""
    queryset = Qualification.objects.filter(verified_at__isnull=True)
    if not is_bureau_admin(user):
        org_ids = organization_ids_of(user)
        visible = volunteers_of_organizations(org_ids) if org_ids else Volunteer.objects.none()
        if user.department_id:
            visible = visible | volunteers_of_department(user.department_id)
        queryset = queryset.filter(volunteer__in=visible.values("pk"))
    return (
        queryset.exclude(volunteer__user=user)
        .select_related("volunteer", "service_type", "document")
        .order_by("created_at", "pk")
    )


def social_workers_for_staff(*, unchecked_only: bool = False) -> QuerySet:
    queryset = SocialWorker.objects.select_related("user", "organization").order_by("valid_until", "pk")
    if unchecked_only:
        queryset = queryset.filter(verified_at__isnull=True)
    return queryset


# --- public statistics (cms.statistics): counts and sums in the database, no personal data ---------


def public_volunteer_figures(today=None) -> dict:
    """Registered (active) volunteers, social workers with a checked registration valid today, and
    the verified minutes of all service records (from the hour summaries). Three queries."""
    today = today or timezone.localdate()
    return {
        "volunteers": active_volunteer_count(),
        "social_workers": SocialWorker.objects.filter(
            verified_at__isnull=False, valid_until__gte=today
        ).count(),
        "verified_minutes": HourSummary.objects.aggregate(m=Sum("minutes"))["m"] or 0,
    }


def _served(scope: str, **filters) -> dict:
    return {
        (row.period, row.district_id): row.volunteers
        for row in ServedSummary.objects.filter(scope=scope, **filters)
    }


def volunteers_served_in_month(day) -> int:
    """How many distinct volunteers have verified service in the month of `day` (every district):
    one row of the served summary, kept in the verifying transaction, so never a scan of the hour
    records."""
    served = ServedSummary.objects.filter(
        scope=ServedScope.MONTH, period=day.replace(day=1), district_id=ALL_DISTRICTS
    )
    return served.values_list("volunteers", flat=True).first() or 0


def verified_minutes_by_month(*, year: int | None = None) -> list[dict]:
    """Verified service minutes per month of service (the check-in's month, Asia/Shanghai), with the
    number of records and of distinct volunteers; oldest first. Two queries over the summaries."""
    rows = HourSummary.objects.order_by()
    served = ServedSummary.objects.filter(scope=ServedScope.MONTH)
    if year:
        rows = rows.filter(month__year=year)
        served = served.filter(period__year=year)
    volunteers = dict(served.values_list("period", "volunteers"))
    return [
        {**row, "volunteers": volunteers.get(row["month"], 0)}
        for row in rows.values("month")
        .annotate(minutes=Sum("minutes"), records=Sum("records"))
        .order_by("month")
    ]


def verified_minutes_by_district(*, year: int | None = None) -> list[dict]:
    """Verified service minutes per district of the need served, with the number of distinct
    volunteers who served there; in the districts' order. Two queries over the summaries."""
    rows = HourSummary.objects.order_by()
    if year:
        rows = rows.filter(month__year=year)
        served = ServedSummary.objects.filter(scope=ServedScope.YEAR_DISTRICT, period__year=year)
    else:
        served = ServedSummary.objects.filter(scope=ServedScope.DISTRICT)
    volunteers = dict(served.values_list("district_id", "volunteers"))
    return [
        {
            "district": row["district_id"],
            "name": row["district__name"],
            "sort_order": row["district__sort_order"],
            "minutes": row["minutes"],
            "volunteers": volunteers.get(row["district_id"], 0),
        }
        for row in rows.values("district_id", "district__name", "district__sort_order")
        .annotate(minutes=Sum("minutes"))
        .order_by("district__sort_order", "district_id")
    ]


def active_volunteer_count() -> int:
    """Registered volunteers whose profile is active: a sum over the volunteer tally (a few rows,
    kept by the services), never a count of the volunteers table."""
    total = VolunteerTally.objects.filter(status=VolunteerStatus.ACTIVE).aggregate(n=Sum("volunteers"))["n"]
    return total or 0


def star_level_counts() -> list[tuple[int, int]]:
    """[(stars, number of active volunteers)] for 0★ (below the first threshold) to the top level,
    by whole verified hours. One query over the volunteer tally (the thresholds are whole hours)."""
    bounds = [0, *rules.star_thresholds_hours()]
    counts = VolunteerTally.objects.filter(status=VolunteerStatus.ACTIVE).aggregate(
        **{
            f"stars_{level}": Sum(
                "volunteers",
                filter=Q(hours__gte=low)
                & (Q(hours__lt=bounds[level + 1]) if level + 1 < len(bounds) else Q()),
            )
            for level, low in enumerate(bounds)
        }
    )
    return [(level, counts[f"stars_{level}"] or 0) for level in range(len(bounds))]


def verified_hour_years() -> list[int]:
    """The years with verified service, newest first (one query over the summaries)."""
    return sorted({day.year for day in HourSummary.objects.dates("month", "year")}, reverse=True)


def referrals_closing_with(need: Need) -> QuerySet[Referral]:
    """The volunteer centre's referrals to `need` that cancelling it would close
    (`volunteers.models.closing_with_need`), for the cancellation's confirmation page."""
    return Referral.objects.filter(closing_with_need(), need=need)
