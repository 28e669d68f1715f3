"""Site views of contracts: the public list and page of published contracts (public fields only); the
contract page for the organization's members and the purchasing unit's staff; deliverables and
progress reports; the officer's signing, publication, milestone decisions and payments."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import add_service_errors
from procurement import rules
from procurement.contracts.filters import CONTRACT_EXPORT_COLUMNS, PublicContractFilter, public_contract_rows
from procurement.contracts.forms import (
    DecisionForm,
    MilestoneSubmitForm,
    OpinionForm,
    PaymentForm,
    ProgressReportForm,
    SignForm,
)
from procurement.contracts.models.contracts import (
    ContractStatus,
    Milestone,
    MilestoneStatus,
    MilestoneSubmission,
    ProgressReport,
    ProgressReportStatus,
)
from procurement.contracts.models.performance import PerformanceEvaluationStatus
from procurement.contracts.participation import contract_links, participation_of
from procurement.contracts.permissions import (
    can_list_staff_contracts,
    can_manage_contract,
    can_read_contract_as_staff,
    can_view_contract,
    is_contract_party,
)
from procurement.contracts.plan_rules import shares_total_problems, targets_problems
from procurement.contracts.selectors import (
    attach_contract_documents,
    attach_documents,
    contract_page,
    contracts_of_user,
    public_contract,
    staff_contracts,
)
from procurement.contracts.services import contracts as contracts_services
from procurement.contracts.services import milestones as milestones_services
from procurement.contracts.services import payments as payments_services
from procurement.contracts.services import progress_reports as progress_reports_services
from procurement.contracts.services.milestones import milestone_accept, milestone_reject
from procurement.contracts.transitions import (
    AMENDABLE_STATES,
    EDITABLE_STATES,
    EVALUABLE_STATES,
    PERFORMING_STATES,
    SUPERVISED_STATES,
    contract_may_become,
    milestone_may_become,
    progress_report_may_become,
)
from procurement.contracts.volunteering import attach_hours_progress, attach_participation
from procurement.tendering.public_lists import public_list_response

PAGE_SIZE = 20


def contract_public_list(request):
    """Published contracts with their progress (milestones accepted of all), payments, light and the
    volunteer figures of their volunteer projects (one provider call per page);
    filters, sorting and pages in the URL, and the same list as CSV or Excel (`&format=…`)."""
    return public_list_response(
        request,
        filterset_class=PublicContractFilter,
        queryset=public_contract_rows(),
        template="procurement/contracts/contract_public_list.html",
        columns=CONTRACT_EXPORT_COLUMNS,
        filename="contracts",
        context={"warning_days": rules.light_warning_working_days()},
        decorate=attach_participation,
    )


def contract_public_detail(request, pk: int):
    contract = public_contract(pk)
    if contract is None:
        raise Http404
    # Volunteer figures of the contract's volunteer projects (no names), and each volunteer-hour
    # target's progress.
    participation = participation_of(contract.pk)
    targets = list(contract.targets.all())
    attach_hours_progress(targets, participation)
    return render(
        request,
        "procurement/contracts/contract_public_detail.html",
        {"contract": contract, "targets": targets, "participation": participation},
    )


@login_required
def my_contracts(request):
    page = Paginator(contracts_of_user(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procurement/contracts/contract_list.html", {"page_obj": page, "staff": False})


@login_required
def staff_contract_list(request):
    if not can_list_staff_contracts(request.user):
        raise PermissionDenied
    page = Paginator(staff_contracts(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "procurement/contracts/contract_list.html", {"page_obj": page, "staff": True})


@login_required
def contract_detail(request, pk: int):
    """The full contract page (its organization's members and its staff; 404 for anyone else)."""
    contract = contract_page(pk)
    if contract is None or not can_view_contract(request.user, contract):
        raise Http404
    manage = can_manage_contract(request.user, contract)
    party = is_contract_party(request.user, contract)
    staff = can_read_contract_as_staff(request.user, contract)
    attach_contract_documents(contract)
    milestones = list(contract.milestones.all())
    reports = list(contract.progress_reports.all())
    evaluations = list(contract.evaluations.all())
    status = contract.status
    # What each party may do next, read from the status tables (the template only shows it).
    actions = {
        "edit": status in EDITABLE_STATES,
        "amend": status in AMENDABLE_STATES,
        "evaluate": status in EVALUABLE_STATES,
        "complete": contract_may_become(status, ContractStatus.COMPLETED),
        "terminate": contract_may_become(status, ContractStatus.TERMINATED),
        "sign": contract_may_become(status, ContractStatus.SIGNED),
        "publish": contract_may_become(status, ContractStatus.ACTIVE),
        "pay": status not in EDITABLE_STATES,
    }
    for m in milestones:
        m.may_submit = (
            party
            and status in PERFORMING_STATES
            and milestone_may_become(m.status, MilestoneStatus.SUBMITTED)
        )
        m.may_decide = manage and milestone_may_become(m.status, MilestoneStatus.ACCEPTED)
    for r in reports:
        r.may_submit = party and progress_report_may_become(r.status, ProgressReportStatus.SUBMITTED)
        r.may_review = manage and progress_report_may_become(r.status, ProgressReportStatus.REVIEWED)
    for e in evaluations:
        e.may_survey = manage and e.status == PerformanceEvaluationStatus.OPEN
    # The organization signs a finished draft for itself (the same rule as the service).
    supplier_sign = (
        party
        and status == ContractStatus.DRAFT
        and not contracts_services.supplier_signing_problems(contract)
    )
    targets = list(contract.targets.all())
    participation = participation_of(contract.pk)
    attach_hours_progress(targets, participation)
    plan_problems = []
    if manage and contract.status == ContractStatus.DRAFT:
        plan_problems += shares_total_problems(contract.advance_share, (m.payment_share for m in milestones))
        plan_problems += targets_problems(any(t.retired_by_id is None for t in contract.targets.all()))
    return render(
        request,
        "procurement/contracts/contract_detail.html",
        {
            "contract": contract,
            "manage": manage,
            "party": party,
            "staff": staff,
            # Staff read each milestone's supervision light while the lights watch it.
            "milestone_lights_shown": staff and status in SUPERVISED_STATES,
            "plan_problems": plan_problems,
            "milestones": milestones,
            "targets": targets,
            "participation": participation,
            "participation_links": contract_links(contract, request.user),
            "payments": list(contract.payments.all()),
            "actions": actions,
            "reports": reports,
            "amendments": list(contract.amendments.all()),
            "evaluations": evaluations,
            "line": contract.tender.budget_line,
            "sign_form": SignForm() if manage else None,
            "supplier_sign": supplier_sign,
            "supplier_sign_form": SignForm(prefix="supplier") if supplier_sign else None,
            "payment_form": PaymentForm(
                milestones=[m for m in milestones if m.status == MilestoneStatus.ACCEPTED]
            )
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
            milestones_services.milestone_submit(
                actor=request.user,
                milestone=milestone,
                text=form.cleaned_data["text"],
                files=form.cleaned_data["files"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The deliverable has been submitted for acceptance."))
            return redirect("procurement:contract_detail", milestone.contract_id)
    return render(
        request,
        "procurement/contracts/contract_milestone_submit.html",
        {"milestone": milestone, "form": form},
    )


@login_required
def progress_report_submit(request, pk: int):
    report = get_object_or_404(ProgressReport.objects.select_related("contract__organization"), pk=pk)
    if not is_contract_party(request.user, report.contract):
        raise Http404
    form = ProgressReportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            progress_reports_services.progress_report_submit(
                actor=request.user, report=report, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The progress report has been submitted."))
            return redirect("procurement:contract_detail", report.contract_id)
    return render(
        request, "procurement/contracts/contract_report_submit.html", {"report": report, "form": form}
    )


def managed_contract(request, pk):
    contract = contract_page(pk)
    if contract is None or not can_manage_contract(request.user, contract):
        raise Http404
    return contract


def done(request, contract, message):
    messages.success(request, message)
    return redirect("procurement:contract_detail", contract.pk)


def refused(request, contract, exc):
    for message in exc.messages:
        messages.error(request, message)
    return redirect("procurement:contract_detail", contract.pk)


@login_required
@require_POST
def contract_sign(request, pk: int):
    contract = managed_contract(request, pk)
    form = SignForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("procurement:contract_detail", contract.pk)
    try:
        contracts_services.contract_sign(
            actor=request.user, contract=contract, signed_copy=form.cleaned_data["signed_copy"]
        )
    except ValidationError as exc:
        return refused(request, contract, exc)
    return done(
        request, contract, _("The signing has been recorded. Publish the contract within two working days.")
    )


@login_required
@require_POST
def contract_supplier_sign(request, pk: int):
    """A member of the contracted organization signs the finished draft for it."""
    contract = contract_page(pk)
    if contract is None or not is_contract_party(request.user, contract):
        raise Http404
    form = SignForm(request.POST, request.FILES, prefix="supplier")
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect("procurement:contract_detail", contract.pk)
    try:
        contracts_services.contract_supplier_sign(
            actor=request.user, contract=contract, signed_copy=form.cleaned_data["signed_copy"]
        )
    except ValidationError as exc:
        return refused(request, contract, exc)
    return done(
        request,
        contract,
        _("Your organization has signed the contract. The purchasing unit will now record the signing."),
    )


@login_required
@require_POST
def contract_publish(request, pk: int):
    contract = managed_contract(request, pk)
    try:
        contracts_services.contract_publish(actor=request.user, contract=contract)
    except ValidationError as exc:
        return refused(request, contract, exc)
    return done(request, contract, _("The contract is published."))


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
                milestone_accept(actor=request.user, milestone=milestone, reason=data["reason"])
            else:
                milestone_reject(actor=request.user, milestone=milestone, reason=data["reason"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return done(request, milestone.contract, _("The decision has been recorded."))
    submission = milestone.submissions.order_by("-pk").first()
    if submission is not None:
        attach_documents(MilestoneSubmission, [submission])
    return render(
        request,
        "procurement/contracts/contract_milestone_decide.html",
        {
            "milestone": milestone,
            "decidable": milestone_may_become(milestone.status, MilestoneStatus.ACCEPTED),
            "light_shown": milestone.contract.status in SUPERVISED_STATES,
            "submission": submission,
            "form": form,
            "opinion_form": OpinionForm(),
            "opinions": list(milestone.opinions.all()),
        },
    )


@login_required
@require_POST
def payment_record(request, pk: int):
    contract = managed_contract(request, pk)
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
        payments_services.payment_record(
            actor=request.user,
            contract=contract,
            kind=data["kind"],
            milestone=milestone,
            amount=data["amount"],
            treasury_reference=data["treasury_reference"],
            paid_on=data["paid_on"],
        )
    except ValidationError as exc:
        return refused(request, contract, exc)
    return done(request, contract, _("The payment has been recorded."))
