"""Grades, annual reports, qualification documents and the credit record."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.dates import add_months, add_years
from core.documents import document_upload
from core.models import DocumentVisibility
from orgs import rules
from orgs.models import (
    AnnualReport,
    CreditListEntry,
    CreditRecord,
    CreditRecordKind,
    EvaluationGrade,
    Grade,
    ListingTrigger,
    Organization,
    PerformanceGrade,
    QualificationDocument,
    ReportConclusion,
)
from orgs.permissions import is_org_admin, is_registry_admin


def _require_registry_admin(actor) -> None:
    if not is_registry_admin(actor):
        raise PermissionDenied(_("Only a registry administrator may change the register."))


# A grant dated ahead becomes the organization's grade on its date: the daily refresh looks this far
# back, so that a few days without the task still catch it.
RECENT_GRANTS_DAYS = 31


def refresh_latest_grades(*, organization_ids=None, on: datetime.date | None = None) -> int:
    """Set `Organization.latest_grade` to the grade of each organization's latest grant on or before
    `on` (today), as `selectors.with_credit_state` reads it: one UPDATE, of `organization_ids` or of
    every organization. Returns the number of organizations updated."""
    on = on or timezone.localdate()
    latest = EvaluationGrade.objects.filter(organization=OuterRef("pk"), granted_on__lte=on).order_by(
        "-granted_on"
    )
    rows = Organization.objects.all()
    if organization_ids is not None:
        rows = rows.filter(pk__in=organization_ids)
    return rows.update(latest_grade=Subquery(latest.values("grade")[:1]))


def refresh_recent_grants(*, on: datetime.date | None = None) -> int:
    """Daily: the organizations with a grant dated in the last `RECENT_GRANTS_DAYS` days (one dated
    ahead when it was recorded is theirs from today). Idempotent."""
    on = on or timezone.localdate()
    recent = EvaluationGrade.objects.filter(
        granted_on__gt=on - datetime.timedelta(days=RECENT_GRANTS_DAYS), granted_on__lte=on
    ).values("organization_id")
    return refresh_latest_grades(organization_ids=recent.distinct(), on=on)


@transaction.atomic
def grade_grant(
    *, actor, organization: Organization, grade: int, granted_on: datetime.date, certificate_no: str
) -> EvaluationGrade:
    """Record an evaluation grade (1A–5A); it expires after the configured years (default 5)."""
    _require_registry_admin(actor)
    if grade not in Grade.values:
        raise ValidationError({"grade": _("A grade is 1A to 5A.")})
    certificate_no = (certificate_no or "").strip()
    if not certificate_no:
        raise ValidationError({"certificate_no": _("Enter the certificate number.")})
    if EvaluationGrade.objects.filter(organization=organization, granted_on=granted_on).exists():
        raise ValidationError(
            {"granted_on": _("This organization already has a grade granted on this date.")}
        )
    record = EvaluationGrade.objects.create(
        organization=organization,
        grade=grade,
        granted_on=granted_on,
        expires_on=add_years(granted_on, rules.grade_validity_years()),
        certificate_no=certificate_no,
    )
    refresh_latest_grades(organization_ids=[organization.pk])
    audit.record(
        actor=actor,
        action="grade.grant",
        target=record,
        after={
            "organization": organization.pk,
            "grade": record.get_grade_display(),
            "granted_on": str(granted_on),
            "expires_on": str(record.expires_on),
            "certificate_no": certificate_no,
        },
    )
    return record


@transaction.atomic
def annual_report_record(
    *, actor, organization: Organization, year: int, submitted_on: datetime.date, conclusion: str = ""
) -> AnnualReport:
    """Record that the annual report for `year` was submitted (and its conclusion once issued).
    A late report settles what its abnormal-list entry required; the daily rules remove it then."""
    _require_registry_admin(actor)
    if conclusion and conclusion not in ReportConclusion.values:
        raise ValidationError({"conclusion": _("Choose a valid conclusion.")})
    report = AnnualReport.objects.select_for_update().filter(organization=organization, year=year).first()
    before = (
        {} if report is None else {"submitted_on": str(report.submitted_on), "conclusion": report.conclusion}
    )
    if report is None:
        report = AnnualReport(organization=organization, year=year)
    report.submitted_on, report.conclusion = submitted_on, conclusion
    report.full_clean(validate_unique=False)
    report.save()
    CreditListEntry.objects.filter(
        organization=organization,
        trigger=ListingTrigger.ANNUAL_REPORT_MISSING,
        trigger_key=f"annual_report:{year}",
        rectified_on__isnull=True,
    ).update(rectified_on=submitted_on)
    audit.record(
        actor=actor,
        action="annual_report.record",
        target=report,
        before=before,
        after={
            "organization": organization.pk,
            "year": year,
            "submitted_on": str(submitted_on),
            "conclusion": conclusion,
        },
    )
    return report


@transaction.atomic
def qualification_document_add(
    *,
    actor,
    organization: Organization,
    file,
    document_type: str,
    title: str = "",
    valid_until: datetime.date | None = None,
):
    """Attach a qualification document (a private `core.Document` owned by the organization) with
    its validity date. Its own administrators and registry administrators may."""
    if not (is_org_admin(actor, organization) or is_registry_admin(actor)):
        raise PermissionDenied(_("Only the organization's administrator may add its documents."))
    document = document_upload(
        actor=actor,
        owner=organization,
        file=file,
        document_type=document_type,
        title=title,
        visibility=DocumentVisibility.OWNER_AND_STAFF,
    )
    qualification = QualificationDocument.objects.create(
        organization=organization, document=document, valid_until=valid_until
    )
    audit.record(
        actor=actor,
        action="qualification_document.add",
        target=qualification,
        after={
            "organization": organization.pk,
            "document": str(document.public_id),
            "valid_until": str(valid_until),
        },
    )
    return qualification


@transaction.atomic
def credit_record_append(
    *,
    actor,
    organization: Organization,
    kind: str,
    occurred_on: datetime.date,
    title: str,
    source_key: str,
    details: str = "",
    performance_grade: str = "",
    amount: Decimal | None = None,
    ends_on: datetime.date | None = None,
) -> CreditRecord:
    """Append one entry to an organization's credit record (awards won, contracts completed,
    performance grades, penalties, exclusions with an end date). The one way other apps write it.
    `source_key` names the source ("procurement.contract:42"): appending the same key again
    returns the existing entry, so a retried task appends nothing."""
    if kind not in CreditRecordKind.values:
        raise ValidationError({"kind": _("Choose a valid kind of credit record.")})
    if kind == CreditRecordKind.EXCLUSION and ends_on is None:
        raise ValidationError({"ends_on": _("An exclusion needs an end date.")})
    if performance_grade and performance_grade not in PerformanceGrade.values:
        raise ValidationError({"performance_grade": _("Choose a valid performance grade.")})
    existing = CreditRecord.objects.filter(source_key=source_key).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            record = CreditRecord.objects.create(
                organization=organization,
                kind=kind,
                occurred_on=occurred_on,
                title=title,
                details=details,
                performance_grade=performance_grade,
                amount=amount,
                ends_on=ends_on,
                source_key=source_key,
            )
    except IntegrityError:
        return CreditRecord.objects.get(source_key=source_key)
    audit.record(
        actor=actor,
        action="credit_record.append",
        target=record,
        after={
            "organization": organization.pk,
            "kind": kind,
            "occurred_on": str(occurred_on),
            "title": title,
            "performance_grade": performance_grade,
            "amount": str(amount) if amount is not None else None,
            "ends_on": str(ends_on) if ends_on else None,
            "source_key": source_key,
        },
    )
    return record


@transaction.atomic
def credit_record_performance(
    *,
    actor,
    organization: Organization,
    grade: str,
    evaluated_on: datetime.date,
    title: str,
    source_key: str,
    details: str = "",
) -> list[CreditRecord]:
    """Record a performance evaluation result; a failed one (不合格) also appends an exclusion from
    bidding for the configured period (default 12 months) — the exit half of entry/exit."""
    records = [
        credit_record_append(
            actor=actor,
            organization=organization,
            kind=CreditRecordKind.PERFORMANCE,
            occurred_on=evaluated_on,
            title=title,
            details=details,
            performance_grade=grade,
            source_key=source_key,
        )
    ]
    if grade == PerformanceGrade.FAILED:
        records.append(
            credit_record_append(
                actor=actor,
                organization=organization,
                kind=CreditRecordKind.EXCLUSION,
                occurred_on=evaluated_on,
                title=_("Excluded from bidding after a failed performance evaluation"),
                details=title,
                ends_on=add_months(evaluated_on, rules.failed_performance_exclusion_months()),
                source_key=f"{source_key}:exclusion",
            )
        )
    return records
