"""Transfers (转办) of public reports, with first-responder duty (首问负责): a supervisor hands an
accepted report to the department responsible with a due date (`rules.public_report_transfer_working_days()`
working days unless set) and an internal instruction; the department's procurement officers answer
it; the answer returns to the supervisor, who concludes the report or transfers it again.

The daily `public_report_transfers_daily` reminds the department once before the due date and, once a
transfer is overdue, escalates it once to the supervisors and bureau admins (its report's light is
red meanwhile, see `lights.explain_public_report`), set-based. Notes, answers and staff names stay internal."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from core.models import Department
from core.workdays import add_working_days
from procurement import rules
from procurement._common import deny, refuse
from procurement.supervision.events import (
    public_report_transfer_answered,
    public_report_transfer_reminders,
    public_report_transferred,
    public_report_transfers_overdue,
)
from procurement.supervision.models import PublicReport, PublicReportStatus, PublicReportTransfer
from procurement.supervision.permissions import can_answer_transfer, can_handle_public_report

NOTE_MAX = 2000
ANSWER_MAX = 5000


def default_transfer_due_on(today: dt.date | None = None) -> dt.date:
    return add_working_days(today or timezone.localdate(), rules.public_report_transfer_working_days())


@transaction.atomic
def public_report_transfer(
    *, actor, report: PublicReport, department: Department, due_on: dt.date | None = None, note: str = ""
) -> PublicReportTransfer:
    """Transfer an accepted report to `department`. Only one transfer is open at a time: the report
    is transferred again (to the same department, sent back, or another one) once answered."""
    if not can_handle_public_report(actor):
        deny(_("Only supervisors may transfer public reports."))
    report = PublicReport.objects.select_for_update().get(pk=report.pk)
    if report.status != PublicReportStatus.ACCEPTED:
        refuse(_("Only an accepted report being handled can be transferred."))
    if department is None:
        refuse(_("Choose the department responsible."))
    if PublicReportTransfer.objects.filter(report=report, answered_at__isnull=True).exists():
        refuse(_("The report's last transfer has not been answered yet."))
    today = timezone.localdate()
    due_on = due_on or default_transfer_due_on(today)
    if due_on < today:
        refuse(_("The due date cannot be in the past."))
    try:
        with transaction.atomic():
            transfer = PublicReportTransfer.objects.create(
                report=report,
                department=department,
                due_on=due_on,
                note=(note or "").strip()[:NOTE_MAX],
                transferred_by=actor,
            )
    except IntegrityError:  # another transfer was opened meanwhile
        refuse(_("The report's last transfer has not been answered yet."))
    audit.record(
        actor=actor,
        action="public_report.transfer",
        target=report,
        after={"transfer": transfer.pk, "department": department.pk, "due_on": due_on.isoformat()},
    )
    public_report_transferred(transfer=transfer)
    return transfer


@transaction.atomic
def public_report_transfer_answer(
    *, actor, transfer: PublicReportTransfer, answer: str
) -> PublicReportTransfer:
    """The department answers; the supervisor who transferred it (and the handler) are told."""
    transfer = (
        PublicReportTransfer.objects.select_for_update(of=("self",))
        .select_related("report", "department", "transferred_by", "report__handler")
        .get(pk=transfer.pk)
    )
    if not can_answer_transfer(actor, transfer):
        deny(_("Only the officers of the department it was transferred to may answer it."))
    if not transfer.is_open:
        refuse(_("This transfer is already closed."))
    answer = (answer or "").strip()
    if not answer:
        refuse(_("Write the department's answer."))
    transfer.answer = answer[:ANSWER_MAX]
    transfer.answered_by = actor
    transfer.answered_at = timezone.now()
    transfer.save(update_fields=["answer", "answered_by", "answered_at"])
    audit.record(
        actor=actor,
        action="public_report.transfer_answer",
        target=transfer.report,
        after={"transfer": transfer.pk, "late": timezone.localdate() > transfer.due_on},
    )
    public_report_transfer_answered(transfer=transfer)
    return transfer


def public_report_transfers_daily(today: dt.date | None = None) -> dict:
    """Remind each open transfer once when due within the reminder window; escalate each overdue
    one once. Set-based (issue 17): for each, one select of the open transfers still without their
    marker (`reminded_at`, `escalated_at`; rows another run holds are skipped), the recipients read
    once, the notifications written together (`notify_many`) and the markers set in one update, all
    in one transaction with the audit events, so a killed run leaves nothing half done and a second
    run the same day tells nobody again. One audit event per transfer reminded or escalated (each on
    its report's history), written together (`audit.record_many`): no query of the sweep grows with
    the transfers."""
    today = today or timezone.localdate()
    remind_until = add_working_days(today, rules.public_report_transfer_reminder_working_days())
    open_transfers = PublicReportTransfer.objects.open()
    reminded = _sweep(
        open_transfers.filter(reminded_at__isnull=True, due_on__gte=today, due_on__lte=remind_until),
        marker="reminded_at",
        action="public_report.transfer_remind",
        tell=public_report_transfer_reminders,
    )
    escalated = _sweep(
        open_transfers.filter(escalated_at__isnull=True, due_on__lt=today),
        marker="escalated_at",
        action="public_report.transfer_escalate",
        tell=public_report_transfers_overdue,
    )
    return {"reminded": reminded, "escalated": escalated}


def _sweep(queryset, *, marker: str, action: str, tell) -> int:
    """Claim the transfers of `queryset`, tell their recipients (`tell`), set `marker` and write one
    audit event each (one batch), in one transaction. Returns the number of transfers claimed."""
    now = timezone.now()
    with transaction.atomic():
        transfers = list(
            queryset.select_for_update(of=("self",), skip_locked=True)
            .select_related("report", "department")
            .order_by("pk")
        )
        if not transfers:
            return 0
        PublicReportTransfer.objects.filter(pk__in=[transfer.pk for transfer in transfers]).update(
            **{marker: now}
        )
        tell(transfers)
        # Last: the audit log's chain lock is held until the transaction commits.
        audit.record_many(
            [
                {
                    "actor": None,
                    "action": action,
                    "target": transfer.report,
                    "after": {"transfer": transfer.pk, "due_on": transfer.due_on.isoformat()},
                }
                for transfer in transfers
            ]
        )
    return len(transfers)
