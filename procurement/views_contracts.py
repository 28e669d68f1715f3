"""Site views of contracts: the public list and page of published contracts (public fields only); the
contract page for the organization's members and the purchasing unit's staff (milestones, payments,
progress reports, amendments, evaluations); deliverable and report submission; the officer's
signing, publication, decisions and payments; the printable survey QR page and the anonymous survey."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from procurement import services
from procurement.forms_contracts import (
    DecisionForm,
    MilestoneSubmitForm,
    PaymentForm,
    ProgressReportForm,
    SignForm,
    SurveyForm,
    TokensForm,
)
from procurement.models import Milestone, PerformanceEvaluation, ProgressReport
from procurement.permissions import can_manage_contract, can_view_contract, is_contract_party
from procurement.selectors_contracts import (
    contract_page,
    contracts_of_user,
    public_contract,
    published_contracts,
    staff_contracts,
)
from procurement.services.performance import survey_token_state

PAGE_SIZE = 20


def _errors_to_form(form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc)


# --- public -----------------------------------------------------------------------------------------


def contract_public_list(request):
    page = Paginator(published_contracts(), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procurement/contract_public_list.html", {"page_obj": page})


def contract_public_detail(request, pk: int):
    contract = public_contract(pk)
    if contract is None:
        raise Http404
    return render(request, "procurement/contract_public_detail.html", {"contract": contract})


# --- organizations and staff --------------------------------------------------------------------------


@login_required
def my_contracts(request):
    page = Paginator(contracts_of_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procurement/contract_list.html", {"page_obj": page, "staff": False})


@login_required
def staff_contract_list(request):
    if not (request.user.department_id or request.user.is_superuser) and not can_view_staff(request.user):
        raise PermissionDenied
    page = Paginator(staff_contracts(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procurement/contract_list.html", {"page_obj": page, "staff": True})


def can_view_staff(user) -> bool:
    from procurement.permissions import is_procurement_reader, is_procurement_staff

    return is_procurement_staff(user) or is_procurement_reader(user)


@login_required
def contract_detail(request, pk: int):
    """The full contract page (its organization's members and its staff; 404 for anyone else)."""
    contract = contract_page(pk)
    if contract is None or not can_view_contract(request.user, contract):
        raise Http404
    manage = can_manage_contract(request.user, contract)
    party = is_contract_party(request.user, contract)
    milestones = list(contract.milestones.all())
    return render(
        request,
        "procurement/contract_detail.html",
        {
            "contract": contract,
            "manage": manage,
            "party": party,
            "milestones": milestones,
            "targets": list(contract.targets.all()),
            "payments": list(contract.payments.all()),
            "reports": list(contract.progress_reports.all()),
            "amendments": list(contract.amendments.all()),
            "evaluations": list(contract.evaluations.all()),
            "line": contract.tender.budget_line,
            "sign_form": SignForm() if manage else None,
            "payment_form": PaymentForm(milestones=[m for m in milestones if m.status == "accepted"])
            if manage
            else None,
        },
    )


@login_required
def milestone_submit(request, pk: int):
    milestone = get_object_or_404(Milestone.objects.select_related("contract__organization"), pk=pk)
    if not is_contract_party(request.user, milestone.contract):
        raise Http404
    form = MilestoneSubmitForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.milestone_submit(
                actor=request.user,
                milestone=milestone,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The deliverable has been submitted for acceptance."))
            return redirect("procurement:contract_detail", milestone.contract_id)
    return render(
        request, "procurement/contract_milestone_submit.html", {"milestone": milestone, "form": form}
    )


@login_required
def progress_report_submit(request, pk: int):
    report = get_object_or_404(ProgressReport.objects.select_related("contract__organization"), pk=pk)
    if not is_contract_party(request.user, report.contract):
        raise Http404
    form = ProgressReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.progress_report_submit(actor=request.user, report=report, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            messages.success(request, _("The progress report has been submitted."))
            return redirect("procurement:contract_detail", report.contract_id)
    return render(request, "procurement/contract_report_submit.html", {"report": report, "form": form})


# --- officer actions -----------------------------------------------------------------------------------


def _managed_contract(request, pk):
    contract = contract_page(pk)
    if contract is None or not can_manage_contract(request.user, contract):
        raise Http404
    return contract


def _done(request, contract, message):
    messages.success(request, message)
    return redirect("procurement:contract_detail", contract.pk)


def _refused(request, contract, exc):
    for message in exc.messages:
        messages.error(request, message)
    return redirect("procurement:contract_detail", contract.pk)


@login_required
@require_POST
def contract_sign(request, pk: int):
    contract = _managed_contract(request, pk)
    form = SignForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("procurement:contract_detail", contract.pk)
    try:
        services.contract_sign(
            actor=request.user, contract=contract, signed_copy=form.cleaned_data["signed_copy"]
        )
    except ValidationError as exc:
        return _refused(request, contract, exc)
    return _done(
        request, contract, _("The signing has been recorded. Publish the contract within two working days.")
    )


@login_required
@require_POST
def contract_publish(request, pk: int):
    contract = _managed_contract(request, pk)
    try:
        services.contract_publish(actor=request.user, contract=contract)
    except ValidationError as exc:
        return _refused(request, contract, exc)
    return _done(request, contract, _("The contract is published."))


@login_required
def milestone_decide(request, pk: int):
    milestone = get_object_or_404(Milestone.objects.select_related("contract"), pk=pk)
    if not can_manage_contract(request.user, milestone.contract):
        raise Http404
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                services.milestone_accept(actor=request.user, milestone=milestone, reason=data["reason"])
            else:
                services.milestone_reject(actor=request.user, milestone=milestone, reason=data["reason"])
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return _done(request, milestone.contract, _("The decision has been recorded."))
    submission = milestone.submissions.order_by("-pk").first()
    return render(
        request,
        "procurement/contract_milestone_decide.html",
        {"milestone": milestone, "submission": submission, "form": form},
    )


@login_required
@require_POST
def payment_record(request, pk: int):
    contract = _managed_contract(request, pk)
    milestones = [m for m in contract.milestones.all()]
    form = PaymentForm(request.POST, milestones=milestones)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("procurement:contract_detail", contract.pk)
    data = form.cleaned_data
    milestone = next((m for m in milestones if m.pk == data["milestone"]), None)
    try:
        services.payment_record(
            actor=request.user,
            contract=contract,
            kind=data["kind"],
            milestone=milestone,
            amount=data["amount"],
            treasury_reference=data["treasury_reference"],
            paid_on=data["paid_on"],
        )
    except ValidationError as exc:
        return _refused(request, contract, exc)
    return _done(request, contract, _("The payment has been recorded."))


@login_required
def survey_tokens(request, pk: int):
    """The printable page of single-use survey links with their QR codes (officers)."""
    import segno

    evaluation = get_object_or_404(PerformanceEvaluation.objects.select_related("contract"), pk=pk)
    if not can_manage_contract(request.user, evaluation.contract):
        raise Http404
    form = TokensForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_tokens_issue(
                actor=request.user, evaluation=evaluation, count=form.cleaned_data["count"]
            )
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return redirect("procurement:survey_tokens", evaluation.pk)
    cards = []
    for token in evaluation.tokens.filter(used=False).order_by("pk"):
        url = request.build_absolute_uri(reverse("procurement:survey", args=[token.token]))
        svg = mark_safe(segno.make(url, error="m").svg_inline(scale=3, border=2))  # noqa: S308 - segno markup
        cards.append({"url": url, "svg": svg})
    return render(
        request,
        "procurement/survey_tokens.html",
        {"evaluation": evaluation, "contract": evaluation.contract, "cards": cards, "form": form},
    )


def survey(request, token: str):
    """The anonymous satisfaction survey: one answer per link."""
    row, problem = survey_token_state(token)
    if row is None:
        raise Http404
    form = SurveyForm(request.POST or None)
    if problem:
        return render(request, "procurement/survey_form.html", {"problem": problem, "form": None}, status=410)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(token=token, **form.cleaned_data)
        except ValidationError as exc:
            _errors_to_form(form, exc)
        else:
            return render(request, "procurement/survey_thanks.html")
    return render(
        request,
        "procurement/survey_form.html",
        {"form": form, "contract_title": row.evaluation.contract.title, "problem": ""},
    )
