"""Reads of the register: eligibility, the shared-legal-representative check, the public directory
and staff lists (each with a constant number of queries)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from core.dates import add_years
from core.uscc import uscc_normalize
from orgs import rules
from orgs.models import (
    AnnualReport,
    CreditList,
    CreditListEntry,
    CreditRecord,
    CreditRecordKind,
    EvaluationGrade,
    Grade,
    Organization,
    RegistrationStatus,
    VerificationStatus,
)

# --- eligibility ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class IneligibilityReason:
    code: str
    message: str


@dataclass(frozen=True)
class Eligibility:
    reasons: tuple[IneligibilityReason, ...] = field(default_factory=tuple)

    @property
    def eligible(self) -> bool:
        return not self.reasons

    @property
    def codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    @property
    def messages(self) -> list[str]:
        return [r.message for r in self.reasons]

    def __bool__(self) -> bool:
        return self.eligible


def _entries_open_on(day: datetime.date) -> Q:
    return Q(listed_on__lte=day) & (Q(removed_on__isnull=True) | Q(removed_on__gt=day))


def grade_on(organization: Organization, day: datetime.date) -> EvaluationGrade | None:
    """The most recent grade granted on or before `day` (possibly expired by then)."""
    return organization.grades.filter(granted_on__lte=day).order_by("-granted_on").first()


def organization_eligibility(
    organization: Organization,
    *,
    min_grade: int | None = None,
    min_years_registered: int | None = None,
    on: datetime.date | None = None,
) -> Eligibility:
    """Whether the organization may bid on `on` (default today), with every reason it may not, in
    Chinese. Plain requirements, not a tender: the caller (procurement) passes the tender's minimum
    grade and years (default from `rules.default_min_years_registered`)."""
    on = on or timezone.localdate()
    if min_years_registered is None:
        min_years_registered = rules.default_min_years_registered()
    reasons: list[IneligibilityReason] = []

    def add(code: str, message: str) -> None:
        reasons.append(IneligibilityReason(code, message))

    if organization.verification_status != VerificationStatus.VERIFIED:
        add("not_verified", _("The organization's registration has not been verified on the platform."))
    if organization.registration_status != RegistrationStatus.NORMAL:
        add(
            "registration_status",
            _("The organization's legal registration status is “%(status)s”, not normal.")
            % {"status": organization.get_registration_status_display()},
        )
    open_lists = set(
        organization.credit_list_entries.filter(_entries_open_on(on)).values_list("list_type", flat=True)
    )
    if CreditList.ABNORMAL in open_lists:
        add("abnormal_list", _("The organization is on the abnormal activity list."))
    if CreditList.SERIOUS in open_lists:
        add("serious_list", _("The organization is on the serious violation list."))
    if min_years_registered and add_years(organization.founded_on, min_years_registered) > on:
        add(
            "too_recent",
            _("The organization has been registered for less than %(years)s years (founded %(date)s).")
            % {"years": min_years_registered, "date": organization.founded_on.isoformat()},
        )
    if min_grade:
        grade = grade_on(organization, on)
        required = Grade(min_grade).label
        if grade is None:
            add(
                "no_grade",
                _("The organization has no evaluation grade; at least %(grade)s is required.")
                % {"grade": required},
            )
        elif not grade.is_valid_on(on):
            add(
                "grade_expired",
                _("The organization's grade %(grade)s expired on %(date)s.")
                % {"grade": grade.get_grade_display(), "date": grade.expires_on.isoformat()},
            )
        elif grade.grade < min_grade:
            add(
                "grade_too_low",
                _("The organization's grade %(grade)s is below the required %(required)s.")
                % {"grade": grade.get_grade_display(), "required": required},
            )
    exclusion = (
        organization.credit_records.filter(
            kind=CreditRecordKind.EXCLUSION, occurred_on__lte=on, ends_on__gt=on
        )
        .order_by("-ends_on")
        .first()
    )
    if exclusion is not None:
        add(
            "excluded",
            _(
                "The organization is excluded from bidding until %(date)s after a failed performance evaluation."
            )
            % {"date": exclusion.ends_on.isoformat()},
        )
    return Eligibility(tuple(reasons))


def organizations_share_legal_representative(first: Organization, second: Organization) -> bool:
    """True when both organizations have the same legal representative, by the ID number's keyed
    hash (names collide; ID numbers do not)."""
    return bool(
        first.pk != second.pk
        and first.legal_rep_id_hmac
        and first.legal_rep_id_hmac == second.legal_rep_id_hmac
    )


def shared_legal_representative_groups(organizations) -> list[list[Organization]]:
    """Groups (of two or more) among `organizations` that share a legal representative."""
    groups: dict[str, list[Organization]] = {}
    for organization in organizations:
        if organization.legal_rep_id_hmac:
            groups.setdefault(organization.legal_rep_id_hmac, []).append(organization)
    return [group for group in groups.values() if len(group) > 1]


# --- lists -----------------------------------------------------------------------------------------


def with_credit_state(queryset: QuerySet[Organization], *, on: datetime.date | None = None) -> QuerySet:
    """Annotate the current grade, its expiry, list membership and the latest annual report year."""
    on = on or timezone.localdate()
    latest_grade = EvaluationGrade.objects.filter(organization=OuterRef("pk"), granted_on__lte=on).order_by(
        "-granted_on"
    )
    open_entries = CreditListEntry.objects.filter(organization=OuterRef("pk")).filter(_entries_open_on(on))
    latest_report = AnnualReport.objects.filter(organization=OuterRef("pk")).order_by("-year")
    return queryset.annotate(
        current_grade=Subquery(latest_grade.values("grade")[:1]),
        current_grade_expires_on=Subquery(latest_grade.values("expires_on")[:1]),
        on_abnormal_list=Exists(open_entries.filter(list_type=CreditList.ABNORMAL)),
        on_serious_list=Exists(open_entries.filter(list_type=CreditList.SERIOUS)),
        latest_report_year=Subquery(latest_report.values("year")[:1]),
    )


def directory_organizations(*, search: str = "", on: datetime.date | None = None) -> QuerySet[Organization]:
    """Verified organizations for the public credit directory, searchable by a Chinese substring of
    the name or by (the start of) the USCC."""
    queryset = Organization.objects.filter(verification_status=VerificationStatus.VERIFIED)
    search = (search or "").strip()
    if search:
        code = uscc_normalize(search)
        queryset = queryset.filter(Q(name__icontains=search) | Q(uscc__startswith=code))
    return (
        with_credit_state(queryset, on=on)
        .select_related("district")
        .prefetch_related("service_categories")
        .order_by("name", "pk")
    )


def directory_organization(*, uscc: str) -> Organization | None:
    """One verified organization with its public history, or None."""
    return (
        with_credit_state(Organization.objects.filter(verification_status=VerificationStatus.VERIFIED))
        .select_related("district")
        .prefetch_related(
            "service_categories",
            Prefetch("grades", queryset=EvaluationGrade.objects.order_by("-granted_on")),
            Prefetch("annual_reports", queryset=AnnualReport.objects.order_by("-year")),
            Prefetch("credit_list_entries", queryset=CreditListEntry.objects.order_by("-listed_on", "-pk")),
            Prefetch(
                "credit_records",
                queryset=CreditRecord.objects.filter(
                    kind__in=[
                        CreditRecordKind.PERFORMANCE,
                        CreditRecordKind.EXCLUSION,
                        CreditRecordKind.AWARD,
                    ]
                ).order_by("-occurred_on", "-pk"),
                to_attr="public_credit_records",
            ),
        )
        .filter(uscc=uscc_normalize(uscc))
        .first()
    )


def staff_organizations() -> QuerySet[Organization]:
    """The register as staff see it (every verification status), for the admin list."""
    return with_credit_state(Organization.objects.all()).select_related("district").order_by("name", "pk")


def organizations_of_user(user) -> QuerySet[Organization]:
    if not user.is_authenticated:
        return Organization.objects.none()
    return Organization.objects.filter(memberships__user=user).order_by("name")


def pending_registrations() -> QuerySet[Organization]:
    return (
        Organization.objects.filter(verification_status=VerificationStatus.PENDING)
        .select_related("district")
        .order_by("submitted_at", "pk")
    )
