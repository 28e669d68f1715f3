"""Transferred public reports (转办) as their department sees them: the list of the department's
transfers (supervisors see every department's) and one transfer's page, where the department's
procurement officers answer it. The reporter's contact details are not shown here."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core.forms import add_service_errors
from procurement.supervision.forms import TransferAnswerForm
from procurement.supervision.models import PublicReportStatus, PublicReportTransfer
from procurement.supervision.permissions import (
    can_answer_transfer,
    can_supervise,
    can_view_transfer,
    is_department_officer,
)
from procurement.supervision.services.transfers import public_report_transfer_answer

PAGE_SIZE = 20
STATES = ("open", "answered", "all")


def _visible_transfers(user):
    """The transfers `user` may read: their department's, or all for a supervisor."""
    queryset = PublicReportTransfer.objects.all()
    if can_supervise(user):
        return queryset
    if is_department_officer(user):
        return queryset.filter(department_id=user.department_id)
    raise PermissionDenied(_("Only the department's procurement officers and supervisors read transfers."))


def public_report_transfer_list(request):
    queryset = _visible_transfers(request.user)
    state = request.GET.get("state", "open")
    state = state if state in STATES else "open"
    if state == "open":
        queryset = queryset.open()
    elif state == "answered":
        queryset = queryset.filter(answered_at__isnull=False)
    queryset = queryset.select_related("report", "department").order_by("due_on", "pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "procurement/supervision/public_report_transfer_list.html",
        {"page": page, "state": state, "today": timezone.localdate()},
    )


@require_http_methods(["GET", "POST"])
def public_report_transfer_detail(request, pk: int):
    transfer = get_object_or_404(
        PublicReportTransfer.objects.select_related(
            "report",
            "report__tender",
            "report__contract",
            "report__organization",
            "department",
            "transferred_by",
            "answered_by",
        ),
        pk=pk,
    )
    if not can_view_transfer(request.user, transfer):
        raise PermissionDenied(_("This transfer went to another department."))
    may_answer = can_answer_transfer(request.user, transfer) and transfer.is_open
    form = TransferAnswerForm()
    if request.method == "POST":
        if not may_answer:
            raise PermissionDenied
        form = TransferAnswerForm(request.POST)
        if form.is_valid():
            try:
                public_report_transfer_answer(
                    actor=request.user, transfer=transfer, answer=form.cleaned_data["answer"]
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Your answer has been sent to the supervisors."))
                return redirect("procurement:public_report_transfer_list")
    return render(
        request,
        "procurement/supervision/public_report_transfer_detail.html",
        {
            "transfer": transfer,
            "report": transfer.report,
            "form": form,
            "may_answer": may_answer,
            "concluded": transfer.report.status == PublicReportStatus.CONCLUDED,
            "today": timezone.localdate(),
        },
    )
