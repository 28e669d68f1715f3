"""Public reports (投诉举报). Anyone files one (rate-limited per IP address and session) and follows
it by its tracking number; the public statistics count reports by status and outcome. Supervisors
accept or decline them, assign the handler and record the outcome. The public pages show only the
fields in `PUBLIC_FIELDS`: never the filer, the contact details or the documents."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from audit.models import Event
from core import throttle
from core.documents import documents_of
from core.forms import add_service_errors
from orgs.models import Organization
from procurement.contracts.models.contracts import Contract
from procurement.supervision import summaries
from procurement.supervision.forms import (
    AcceptForm,
    AssignForm,
    ConcludeForm,
    DeclineForm,
    PublicReportForm,
    RecordForm,
    TrackForm,
    TransferForm,
)
from procurement.supervision.models import (
    PUBLIC_FIELDS,
    PublicReport,
    PublicReportChannel,
    PublicReportOutcome,
    PublicReportStatus,
    PublicReportTarget,
    PublicReportTransfer,
)
from procurement.supervision.permissions import can_handle_public_report, can_supervise
from procurement.supervision.services import public_reports as public_reports_services
from procurement.supervision.services.public_reports import (
    normalize_tracking_number,
    public_report_accept,
    public_report_assign,
    public_report_conclude,
    public_report_decline,
)
from procurement.supervision.services.transfers import public_report_transfer
from procurement.tendering.models.tenders import Tender

PAGE_SIZE = 20
FILED_SESSION_KEY = "procurement_public_report_filed"


def _initial_target(request) -> dict:
    """The "report" links of the call, contract and organization pages pass the target's id."""
    for kind, model, attr in (
        (PublicReportTarget.TENDER, Tender, "reference"),
        (PublicReportTarget.CONTRACT, Contract, "reference"),
        (PublicReportTarget.ORGANIZATION, Organization, "uscc"),
    ):
        value = request.GET.get(kind, "")
        if value.isdigit():
            found = model.objects.filter(pk=int(value)).values_list(attr, flat=True).first()
            if found:
                return {"target_kind": kind, "target_reference": found}
    return {}


@require_http_methods(["GET", "POST"])
def public_report_file(request):
    signed_in = request.user.is_authenticated
    guard = throttle.Guard(request, "public_report")
    if request.method == "POST":
        form = guard.protect(PublicReportForm(request.POST, request.FILES, signed_in=signed_in))
        if guard.admit(form):
            data = form.cleaned_data
            try:
                report = public_reports_services.public_report_file(
                    actor=request.user,
                    target_kind=data["target_kind"],
                    tender=data.get("tender"),
                    contract=data.get("contract"),
                    organization=data.get("organization"),
                    description=data["description"],
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                    contact_email=data.get("contact_email", ""),
                    anonymous=bool(data.get("anonymous")),
                    files=data["files"],
                )
            except ValidationError as exc:
                guard.release()
                add_service_errors(form, exc)
            else:
                request.session[FILED_SESSION_KEY] = report.tracking_number
                return redirect("procurement:public_report_filed")
    else:
        form = guard.protect(PublicReportForm(initial=_initial_target(request), signed_in=signed_in))
    return render(
        request, "procurement/supervision/public_report_file.html", {"form": form}, status=guard.status
    )


def public_report_filed(request):
    """Shows the tracking number once, right after filing."""
    number = request.session.pop(FILED_SESSION_KEY, None)
    if not number:
        return redirect("procurement:public_report_track")
    report = get_object_or_404(PublicReport.objects.only(*PUBLIC_FIELDS), tracking_number=number)
    return render(request, "procurement/supervision/public_report_filed.html", {"report": report})


def public_report_track(request):
    form = TrackForm(request.GET or None)
    if form.is_valid():
        number = normalize_tracking_number(form.cleaned_data["number"])
        if PublicReport.objects.filter(tracking_number=number).exists():
            return redirect("procurement:public_report_status", number)
        form.add_error("number", _("No report has this tracking number."))
    return render(request, "procurement/supervision/public_report_track.html", {"form": form})


def public_report_status(request, number: str):
    number = normalize_tracking_number(number)
    report = PublicReport.objects.filter(tracking_number=number).values(*PUBLIC_FIELDS).first()
    if report is None:
        raise Http404
    report["status_label"] = PublicReportStatus(report["status"]).label
    report["is_submitted"] = report["status"] == PublicReportStatus.SUBMITTED
    # Only that a department handles it (转办处理中): never which one, the note, the answer or names.
    if (
        report["status"] == PublicReportStatus.ACCEPTED
        and PublicReportTransfer.objects.filter(
            report__tracking_number=number, answered_at__isnull=True
        ).exists()
    ):
        report["status_label"] = _("Transferred to the department responsible, being handled")
    report["channel_label"] = PublicReportChannel(report["channel"]).label
    report["target_label"] = PublicReportTarget(report["target_kind"]).label
    report["outcome_label"] = PublicReportOutcome(report["outcome"]).label if report["outcome"] else ""
    return render(request, "procurement/supervision/public_report_status.html", {"report": report})


def public_report_statistics(request):
    """Counts by status, by outcome and by target: no personal data."""
    counts = summaries.public_report_counts()
    by_status, by_outcome = counts["status"], counts["outcome"]
    by_target, by_channel = counts["target"], counts["channel"]
    return render(
        request,
        "procurement/supervision/public_report_statistics.html",
        {
            "by_status": [(label, by_status.get(value, 0)) for value, label in PublicReportStatus.choices],
            "by_outcome": [(label, by_outcome.get(value, 0)) for value, label in PublicReportOutcome.choices],
            "by_target": [(label, by_target.get(value, 0)) for value, label in PublicReportTarget.choices],
            "by_channel": [(label, by_channel.get(value, 0)) for value, label in PublicReportChannel.choices],
            "total": sum(by_status.values()),
        },
    )


def _require_supervisor(user) -> None:
    if not can_supervise(user):
        raise PermissionDenied(_("Only supervisors may read public reports."))


def public_report_staff_list(request):
    _require_supervisor(request.user)
    status = request.GET.get("status", "")
    queryset = PublicReport.objects.select_related("tender", "contract", "organization", "handler")
    if status in PublicReportStatus.values:
        queryset = queryset.filter(status=status)
    page = Paginator(queryset.order_by("-filed_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/supervision/public_report_staff_list.html",
        {
            "page": page,
            "status": status,
            "statuses": PublicReportStatus.choices,
            "may_record": can_handle_public_report(request.user),
        },
    )


@require_http_methods(["GET", "POST"])
def public_report_record(request):
    """A supervisor records a report received by letter, visit, phone or inspection; the tracking
    number to give the reporter is shown on the report's page."""
    if not can_handle_public_report(request.user):
        raise PermissionDenied(_("Only supervisors may record public reports."))
    if request.method == "POST":
        form = RecordForm(request.POST, request.FILES)
        if form.is_valid():
            data = form.cleaned_data
            try:
                report = public_reports_services.public_report_record(
                    actor=request.user,
                    channel=data["channel"],
                    received_on=data["received_on"],
                    target_kind=data["target_kind"],
                    tender=data.get("tender"),
                    contract=data.get("contract"),
                    organization=data.get("organization"),
                    description=data["description"],
                    contact_name=data.get("contact_name", ""),
                    contact_phone=data.get("contact_phone", ""),
                    contact_email=data.get("contact_email", ""),
                    contact_address=data.get("contact_address", ""),
                    files=data["files"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(
                    request,
                    _("The report is recorded. Give the reporter its tracking number: %(number)s")
                    % {"number": report.tracking_number},
                )
                return redirect("procurement:public_report_staff_detail", report.pk)
    else:
        form = RecordForm(initial={"received_on": timezone.localdate()})
    return render(request, "procurement/supervision/public_report_record.html", {"form": form})


ACTIONS = {
    "accept": AcceptForm,
    "decline": DeclineForm,
    "assign": AssignForm,
    "conclude": ConcludeForm,
    "transfer": TransferForm,
}


@require_http_methods(["GET", "POST"])
def public_report_staff_detail(request, pk: int):
    _require_supervisor(request.user)
    report = get_object_or_404(
        PublicReport.objects.select_related(
            "tender", "contract", "organization", "handler", "filed_by", "recorded_by"
        ),
        pk=pk,
    )
    forms = {name: form_class(prefix=name) for name, form_class in ACTIONS.items()}
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action not in ACTIONS or not can_handle_public_report(request.user):
            raise PermissionDenied
        form = ACTIONS[action](request.POST, prefix=action)
        forms[action] = form
        if form.is_valid():
            data = form.cleaned_data
            try:
                if action == "accept":
                    public_report_accept(
                        actor=request.user,
                        report=report,
                        handler=data.get("handler"),
                        due_on=data.get("due_on"),
                    )
                elif action == "decline":
                    public_report_decline(actor=request.user, report=report, reason=data["reason"])
                elif action == "assign":
                    public_report_assign(actor=request.user, report=report, handler=data["handler"])
                elif action == "transfer":
                    public_report_transfer(
                        actor=request.user,
                        report=report,
                        department=data["department"],
                        due_on=data.get("due_on"),
                        note=data.get("note", ""),
                    )
                else:
                    public_report_conclude(
                        actor=request.user, report=report, outcome=data["outcome"], summary=data["summary"]
                    )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("The report has been updated."))
                return redirect("procurement:public_report_staff_detail", report.pk)
    events = list(
        Event.objects.filter(object_type="procurement.publicreport", object_id=str(report.pk))
        .select_related("actor")
        .order_by("seq")
    )
    transfers = list(
        report.transfers.select_related("department", "transferred_by", "answered_by").order_by(
            "transferred_at", "pk"
        )
    )
    return render(
        request,
        "procurement/supervision/public_report_staff_detail.html",
        {
            "report": report,
            "transfers": transfers,
            "transfer_open": any(t.answered_at is None for t in transfers),
            "forms": forms,
            "may_decide": can_handle_public_report(request.user),
            "documents": documents_of(report).order_by("uploaded_at", "pk"),
            "events": events,
        },
    )
