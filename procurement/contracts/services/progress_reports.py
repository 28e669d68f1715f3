"""Progress reports (进度报告): the schedule of a published contract (monthly, quarterly or once at the
end), each due `rules.progress_report_due_working_days()` after its period; the organization submits
the form with documents; the officer reviews it. Reminders go
`rules.progress_report_remind_before_days()` before and `rules.progress_report_remind_after_days()`
after the due date, each exactly once (the notification's dedupe key), however often the task runs."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.dates import add_months
from core.documents import document_upload
from core.models import DocumentType
from core.workdays import add_working_days
from procurement import rules
from procurement._common import deny, refuse
from procurement.contracts.events import progress_report_reminders, progress_report_submitted
from procurement.contracts.models.contracts import (
    Contract,
    ProgressReport,
    ProgressReportStatus,
    ReportSchedule,
)
from procurement.contracts.permissions import can_manage_contract, is_contract_party
from procurement.contracts.transitions import REPORTING_STATES, check_progress_report_transition

MAX_REPORT_DOCUMENTS = 10


def report_periods(*, starts_on: dt.date, ends_on: dt.date, schedule: str) -> list[tuple[dt.date, dt.date]]:
    """The reporting periods of a term: calendar months or quarters from the start, or the whole term."""
    if schedule == ReportSchedule.ONE_OFF:
        return [(starts_on, ends_on)]
    step = 1 if schedule == ReportSchedule.MONTHLY else 3
    periods, index = [], 0
    while True:
        start = add_months(starts_on, index * step)
        if start > ends_on:
            break
        end = min(add_months(starts_on, (index + 1) * step) - dt.timedelta(days=1), ends_on)
        periods.append((start, end))
        index += 1
    return periods


def progress_reports_schedule(*, contract: Contract) -> list[ProgressReport]:
    """Create the reports of the contract's schedule that do not exist yet (called at publication and
    when an amendment moves the end). Existing reports are kept as they are."""
    existing = set(contract.progress_reports.values_list("period_start", flat=True))
    number = contract.progress_reports.count()
    created = []
    for start, end in report_periods(
        starts_on=contract.starts_on, ends_on=contract.ends_on, schedule=contract.report_schedule
    ):
        if start in existing:
            continue
        number += 1
        created.append(
            ProgressReport.objects.create(
                contract=contract,
                number=number,
                period_start=start,
                period_end=end,
                due_on=add_working_days(end, rules.progress_report_due_working_days()),
            )
        )
    return created


@transaction.atomic
def progress_report_submit(
    *, actor, report: ProgressReport, work_done: str, people_served=None, issues: str = "", next_steps: str = "",
    files=(),
) -> ProgressReport:  # fmt: skip
    """The organization submits the report form with its documents (once; the officer reviews it)."""
    report = (
        ProgressReport.objects.select_for_update(of=("self",)).select_related("contract").get(pk=report.pk)
    )
    contract = report.contract
    if not is_contract_party(actor, contract):
        deny(_("Only members of the contracted organization may submit progress reports."))
    if contract.status not in REPORTING_STATES:
        refuse(_("Progress reports are submitted while the contract is in performance."), code="wrong_state")
    check_progress_report_transition(
        report.status, ProgressReportStatus.SUBMITTED, message=_("This report has already been submitted.")
    )
    if not (work_done or "").strip():
        refuse({"work_done": _("Describe the work done in the period.")})
    files = list(files or ())
    if len(files) > MAX_REPORT_DOCUMENTS:
        refuse({"files": _("At most %(n)s documents.") % {"n": MAX_REPORT_DOCUMENTS}})
    now = timezone.now()
    report.work_done = work_done.strip()
    report.people_served = people_served
    report.issues = (issues or "").strip()
    report.next_steps = (next_steps or "").strip()
    report.status = ProgressReportStatus.SUBMITTED
    report.submitted_at = now
    report.submitted_by = actor
    report.save()
    for file in files:
        document_upload(
            actor=actor, owner=report, file=file, document_type=DocumentType.PHYSICAL_PROGRESS_REPORT
        )
    audit.record(
        actor=actor, action="progress_report.submit", target=report, before={"status": ProgressReportStatus.DUE},
        after={"status": report.status, "documents": len(files), "late": timezone.localdate(now) > report.due_on},
    )  # fmt: skip
    progress_report_submitted(report=report)
    return report


@transaction.atomic
def progress_report_review(*, actor, report: ProgressReport, note: str = "") -> ProgressReport:
    """The officer has read the report (with an optional note to the organization)."""
    report = (
        ProgressReport.objects.select_for_update(of=("self",)).select_related("contract").get(pk=report.pk)
    )
    if not can_manage_contract(actor, report.contract):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    check_progress_report_transition(
        report.status, ProgressReportStatus.REVIEWED, message=_("Only a submitted report is reviewed.")
    )
    report.status = ProgressReportStatus.REVIEWED
    report.review_note = (note or "").strip()
    report.reviewed_at = timezone.now()
    report.save(update_fields=["status", "review_note", "reviewed_at"])
    audit.record(
        actor=actor, action="progress_report.review", target=report,
        before={"status": ProgressReportStatus.SUBMITTED}, after={"status": report.status, "note": report.review_note},
    )  # fmt: skip
    return report


@transaction.atomic
def progress_report_return(*, actor, report: ProgressReport, note: str) -> ProgressReport:
    """The officer returns a submitted report for revision with the reasons: it is due again (its
    content is kept for the organization to correct and submit again; the audit log keeps the first
    submission's time)."""
    report = (
        ProgressReport.objects.select_for_update(of=("self",)).select_related("contract").get(pk=report.pk)
    )
    if not can_manage_contract(actor, report.contract):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    check_progress_report_transition(
        report.status, ProgressReportStatus.DUE, message=_("Only a submitted report is reviewed.")
    )
    note = (note or "").strip()
    if not note:
        refuse({"note": _("Give the reasons for returning the report.")}, code="reason_required")
    before = {"status": report.status, "submitted_at": report.submitted_at.isoformat()}
    report.status = ProgressReportStatus.DUE
    report.submitted_at = None
    report.submitted_by = None
    report.review_note = note
    report.reviewed_at = timezone.now()
    report.save(update_fields=["status", "submitted_at", "submitted_by", "review_note", "reviewed_at"])
    audit.record(
        actor=actor, action="progress_report.return", target=report, before=before,
        after={"status": report.status, "note": note},
    )  # fmt: skip
    return report


def progress_reports_send_reminders(*, today: dt.date | None = None) -> dict:
    """What the scheduler runs daily: remind the organization of each report still due, once in the
    days before its due date and once after it. Set-based (issue 17): for each of the two reminders,
    one select of the reports still needing it (its `reminded_*_at` marker empty), their
    organizations' members in one query, the notifications written together (`notify_many`) and the
    markers set in one update, all in one transaction, in a number of queries that does not grow with
    the reports. A second run (or a retried task) sends nothing new: the markers, and the
    notification's (recipient, event, report, dedupe key) is unique. Returns the notifications sent
    of each kind. The notification is the record of a reminder (no audit event, as before)."""
    today = today or timezone.localdate()
    before = rules.progress_report_remind_before_days()
    after = rules.progress_report_remind_after_days()
    due = ProgressReport.objects.filter(
        status=ProgressReportStatus.DUE, contract__status__in=REPORTING_STATES
    )
    return {
        # in the days before the due date, the due date included
        "before": _remind(
            due.filter(
                reminded_before_at__isnull=True,
                due_on__gte=today,
                due_on__lte=today + dt.timedelta(days=before),
            ),
            when="before",
            marker="reminded_before_at",
        ),
        # `after` days after it (at least the day after), while still missing
        "after": _remind(
            due.filter(
                reminded_after_at__isnull=True,
                due_on__lte=min(today - dt.timedelta(days=after), today - dt.timedelta(days=1)),
            ),
            when="after",
            marker="reminded_after_at",
        ),
    }


def _remind(queryset, *, when: str, marker: str) -> int:
    """Claim the reports of `queryset` (rows another run holds are skipped), remind their
    organizations and set `marker`, together. Returns the number of notifications created."""
    now = timezone.now()
    with transaction.atomic():
        reports = list(
            queryset.select_for_update(of=("self",), skip_locked=True)
            .select_related("contract")
            .order_by("pk")
        )
        if not reports:
            return 0
        created = progress_report_reminders(reports=reports, when=when)
        ProgressReport.objects.filter(pk__in=[report.pk for report in reports]).update(**{marker: now})
    return len(created)
