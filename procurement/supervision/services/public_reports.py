"""Public reports (投诉举报): anyone files one about a tender, a contract or an organization; a
supervisor accepts (受理) or declines it with a reason; an accepted one gets a handler, an answer due
date (`rules.public_report_answer_working_days()` after acceptance) and an outcome.

The filer's contact details never leave the staff screens (not in the audit log, not on the public
pages); the filer is emailed about each status only when they gave an email address. The filing
form is rate-limited per IP address and per session by its view, through core.throttle."""

from __future__ import annotations

import datetime as dt
import secrets

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import F
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

import audit
from core.documents import check_document_file, document_upload
from core.models import DocumentType, DocumentVisibility
from core.queueing import enqueue
from core.site_url import absolute_url
from core.workdays import add_working_days
from procurement import rules
from procurement._common import deny, refuse
from procurement.contracts.models.contracts import Contract, ContractStatus
from procurement.supervision.events import public_report_assigned, public_report_filed
from procurement.supervision.models import (
    PublicReport,
    PublicReportChannel,
    PublicReportOutcome,
    PublicReportStatus,
    PublicReportTarget,
)
from procurement.supervision.permissions import can_handle_public_report
from procurement.supervision.tasks import email_public_report_filer
from procurement.supervision.transitions import PUBLIC_REPORT_TRANSITIONS
from procurement.tendering.models.tenders import Tender, TenderStatus

PUBLIC_REPORT_MAX_DOCUMENTS = 5
DESCRIPTION_MAX = 5000


# No 0/O, 1/I/L: a number read over the phone is not mistaken. 31^12 ≈ 7.9e17: not guessable.
TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 12
TRACKING_PREFIX = "JB"


def new_tracking_number() -> str:
    return TRACKING_PREFIX + "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))


def normalize_tracking_number(value: str) -> str:
    return "".join((value or "").split()).upper()[:20]


def _target_text(report: PublicReport) -> str:
    if report.target_kind == PublicReportTarget.TENDER:
        return str(report.tender)
    if report.target_kind == PublicReportTarget.CONTRACT:
        return str(report.contract)
    return str(report.organization)


@transaction.atomic
def public_report_file(
    *,
    actor,
    target_kind: str,
    description: str,
    tender: Tender | None = None,
    contract: Contract | None = None,
    organization=None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    anonymous: bool = False,
    files=(),
) -> PublicReport:
    """Anyone (signed in or not) files a report through the web form. A signed-in filer who asks to
    stay anonymous is not linked to it. Supervisors have `rules.public_report_accept_working_days()`
    to accept or decline it."""
    signed_in = bool(actor and actor.is_authenticated)
    return _create(
        actor=actor,
        filed_by=actor if signed_in and not anonymous else None,
        channel=PublicReportChannel.WEB,
        received_on=timezone.localdate(),
        target_kind=target_kind,
        description=description,
        tender=tender,
        contract=contract,
        organization=organization,
        contact={
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
        },
        files=files,
    )


@transaction.atomic
def public_report_record(
    *,
    actor,
    channel: str,
    received_on: dt.date,
    target_kind: str,
    description: str,
    tender: Tender | None = None,
    contract: Contract | None = None,
    organization=None,
    contact_name: str = "",
    contact_phone: str = "",
    contact_email: str = "",
    contact_address: str = "",
    files=(),
) -> PublicReport:
    """A supervisor records a report received by letter, visit, phone or inspection (来信、来访、
    来电、明察暗访). It then lives as a web report does: a tracking number the supervisor gives the
    reporter (emailed when an email was given), the acceptance due
    `rules.public_report_accept_working_days()` working days from the day received. Scanned
    documents are kept as the web form's evidence (restricted)."""
    _require_handler(actor)
    if channel not in PublicReportChannel.values or channel == PublicReportChannel.WEB:
        refuse(_("Choose how the report was received."))
    today = timezone.localdate()
    if received_on is None or received_on > today:
        refuse(_("The date received cannot be in the future."))
    if received_on < today - dt.timedelta(days=rules.public_report_received_max_age_days()):
        refuse(
            _("The date received is more than %(n)s days ago.")
            % {"n": rules.public_report_received_max_age_days()}
        )
    return _create(
        actor=actor,
        filed_by=None,
        recorded_by=actor,
        channel=channel,
        received_on=received_on,
        target_kind=target_kind,
        description=description,
        tender=tender,
        contract=contract,
        organization=organization,
        contact={
            "contact_name": contact_name,
            "contact_phone": contact_phone,
            "contact_email": contact_email,
            "contact_address": contact_address,
        },
        files=files,
    )


def _create(
    *,
    actor,
    filed_by,
    channel: str,
    received_on: dt.date,
    target_kind: str,
    description: str,
    tender,
    contract,
    organization,
    contact: dict,
    files,
    recorded_by=None,
) -> PublicReport:
    if target_kind not in PublicReportTarget.values:
        refuse(_("Choose what the report is about."))
    targets = {
        PublicReportTarget.TENDER: tender,
        PublicReportTarget.CONTRACT: contract,
        PublicReportTarget.ORGANIZATION: organization,
    }
    if targets[target_kind] is None:
        refuse(_("Choose what the report is about."))
    if target_kind == PublicReportTarget.TENDER and tender.status in (
        TenderStatus.DRAFT,
        TenderStatus.PENDING_APPROVAL,
    ):
        refuse(_("No published call has this project number."))
    if target_kind == PublicReportTarget.CONTRACT and contract.status == ContractStatus.DRAFT:
        refuse(_("No published contract has this number."))
    description = (description or "").strip()
    if not description:
        refuse(_("Describe what you report."))
    if len(description) > DESCRIPTION_MAX:
        refuse(_("The description is too long (at most %(n)s characters).") % {"n": DESCRIPTION_MAX})
    files = [f for f in files if f]
    if len(files) > PUBLIC_REPORT_MAX_DOCUMENTS:
        refuse(_("Attach at most %(n)s files.") % {"n": PUBLIC_REPORT_MAX_DOCUMENTS})
    for upload in files:
        check_document_file(upload)
    limits = {"contact_name": 50, "contact_phone": 30, "contact_email": 254, "contact_address": 200}
    fields = {
        "target_kind": target_kind,
        "tender": tender if target_kind == PublicReportTarget.TENDER else None,
        "contract": contract if target_kind == PublicReportTarget.CONTRACT else None,
        "organization": organization if target_kind == PublicReportTarget.ORGANIZATION else None,
        "description": description,
        **{name: (contact.get(name) or "").strip()[:limit] for name, limit in limits.items()},
        "filed_by": filed_by,
        "channel": channel,
        "received_on": received_on,
        "recorded_by": recorded_by,
        "accept_due_on": add_working_days(received_on, rules.public_report_accept_working_days()),
    }
    report = None
    for _attempt in range(5):
        try:
            with transaction.atomic():
                report = PublicReport.objects.create(tracking_number=new_tracking_number(), **fields)
            break
        except IntegrityError:  # the same number drawn twice: draw again
            continue
    if report is None:
        raise RuntimeError("could not draw a free tracking number")
    for upload in files:
        document_upload(
            actor=actor,
            owner=report,
            file=upload,
            document_type=DocumentType.COMPLAINTS,
            title="",
            visibility=DocumentVisibility.RESTRICTED,
        )
    # No contact detail in the log: only whether one was given.
    after = {
        "target_kind": target_kind,
        "target": (fields["tender"] or fields["contract"] or fields["organization"]).pk,
        "contact_given": any(fields[name] for name in limits),
        "anonymous": fields["filed_by"] is None,
        "documents": len(files),
        "accept_due_on": report.accept_due_on.isoformat(),
    }
    if recorded_by is not None:
        after |= {"channel": channel, "received_on": received_on.isoformat()}
        audit.record(actor=recorded_by, action="public_report.record", target=report, after=after)
    else:
        audit.record(
            actor=fields["filed_by"] or AnonymousUser(),
            action="public_report.file",
            target=report,
            # An anonymous filer stays anonymous in the audit log too: no client IP.
            keep_ip=fields["filed_by"] is not None,
            after=after,
        )
    public_report_filed(report=report, target=_target_text(report))
    _email_filer(report)
    return report


def _locked(report: PublicReport) -> PublicReport:
    return PublicReport.objects.select_for_update().get(pk=report.pk)


def _require_handler(actor) -> None:
    if not can_handle_public_report(actor):
        deny(_("Only supervisors may decide on public reports."))


def _check_handler(handler) -> None:
    if handler is not None and not can_handle_public_report(handler):
        refuse(_("The handler must be an active supervisor."))


@transaction.atomic
def public_report_accept(
    *, actor, report: PublicReport, handler=None, due_on: dt.date | None = None
) -> PublicReport:
    """Accept (受理): the answer is due `rules.public_report_answer_working_days()` working days
    from today unless the supervisor sets another (later) date. From now on the report turns its
    tender's or contract's light red until it is concluded."""
    _require_handler(actor)
    report = _locked(report)
    if (report.status, PublicReportStatus.ACCEPTED) not in PUBLIC_REPORT_TRANSITIONS:
        refuse(_("This report has already been decided."))
    _check_handler(handler)
    today = timezone.localdate()
    due_on = due_on or add_working_days(today, rules.public_report_answer_working_days())
    if due_on < today:
        refuse(_("The due date cannot be in the past."))
    report.status = PublicReportStatus.ACCEPTED
    report.decided_at = timezone.now()
    report.decided_by = actor
    report.handler = handler
    report.due_on = due_on
    report.save(update_fields=["status", "decided_at", "decided_by", "handler", "due_on"])
    audit.record(
        actor=actor,
        action="public_report.accept",
        target=report,
        before={"status": PublicReportStatus.SUBMITTED},
        after={"status": report.status, "handler": report.handler_id, "due_on": due_on.isoformat()},
    )
    if handler is not None:
        public_report_assigned(report=report)
    _email_filer(report)
    return report


@transaction.atomic
def public_report_decline(*, actor, report: PublicReport, reason: str) -> PublicReport:
    """Decline (不予受理) with a reason, which the filer sees on the status page."""
    _require_handler(actor)
    report = _locked(report)
    if (report.status, PublicReportStatus.DECLINED) not in PUBLIC_REPORT_TRANSITIONS:
        refuse(_("This report has already been decided."))
    reason = (reason or "").strip()
    if not reason:
        refuse(_("Give the reason for not accepting the report."))
    report.status = PublicReportStatus.DECLINED
    report.decided_at = timezone.now()
    report.decided_by = actor
    report.decline_reason = reason[:2000]
    report.save(update_fields=["status", "decided_at", "decided_by", "decline_reason"])
    audit.record(
        actor=actor,
        action="public_report.decline",
        target=report,
        before={"status": PublicReportStatus.SUBMITTED},
        after={"status": report.status},
    )
    _email_filer(report)
    return report


@transaction.atomic
def public_report_assign(*, actor, report: PublicReport, handler) -> PublicReport:
    """Give an accepted report its handler (or another one)."""
    _require_handler(actor)
    report = _locked(report)
    if report.status != PublicReportStatus.ACCEPTED:
        refuse(_("Only an accepted report being handled can be assigned."))
    if handler is None:
        refuse(_("Choose the handler."))
    _check_handler(handler)
    before = {"handler": report.handler_id}
    report.handler = handler
    report.save(update_fields=["handler"])
    audit.record(
        actor=actor,
        action="public_report.assign",
        target=report,
        before=before,
        after={"handler": handler.pk},
    )
    public_report_assigned(report=report)
    return report


@transaction.atomic
def public_report_conclude(*, actor, report: PublicReport, outcome: str, summary: str) -> PublicReport:
    """Record the outcome and its public summary (which must not name the filer)."""
    _require_handler(actor)
    report = _locked(report)
    if (report.status, PublicReportStatus.CONCLUDED) not in PUBLIC_REPORT_TRANSITIONS:
        refuse(_("Only an accepted report being handled can be concluded."))
    if outcome not in PublicReportOutcome.values:
        refuse(_("Choose the outcome."))
    summary = (summary or "").strip()
    if not summary:
        refuse(_("Summarize the outcome for the public."))
    report.status = PublicReportStatus.CONCLUDED
    report.outcome = outcome
    report.outcome_summary = summary[:5000]
    report.concluded_at = timezone.now()
    report.save(update_fields=["status", "outcome", "outcome_summary", "concluded_at"])
    audit.record(
        actor=actor,
        action="public_report.conclude",
        target=report,
        before={"status": PublicReportStatus.ACCEPTED},
        after={"status": report.status, "outcome": outcome, "late": timezone.localdate() > report.due_on},
    )
    _email_filer(report)
    return report


def _email_filer(report: PublicReport) -> None:
    if report.contact_email:
        enqueue(email_public_report_filer, report.pk)


def public_report_email_filer(*, report_id: int) -> bool:
    """Email the filer the report's current status, at most once per status (the status is claimed
    by a conditional update before sending). Nothing but the tracking number, status and dates."""
    report = PublicReport.objects.filter(pk=report_id).exclude(contact_email="").first()
    if report is None:
        return False
    claimed = (
        PublicReport.objects.filter(pk=report_id)
        .exclude(filer_emailed_status=F("status"))
        .update(filer_emailed_status=F("status"))
    )
    if not claimed:
        return False
    report.refresh_from_db()
    url = absolute_url(reverse("procurement:public_report_status", args=[report.tracking_number]))
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Your report %(number)s: %(status)s") % {
            "number": report.tracking_number,
            "status": report.get_status_display(),
        }
        body = _(
            "The status of your report %(number)s is now: %(status)s.\n\nFollow it at %(url)s with your "
            "tracking number."
        ) % {"number": report.tracking_number, "status": report.get_status_display(), "url": url}
    send_mail(subject, body, None, [report.contact_email])
    return True
