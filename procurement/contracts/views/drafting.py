"""The contract officer's screens: awards to draft from, the draft's targets and milestones,
amendments, recipients' opinions, progress report review, completion and termination."""

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
from procurement.contracts.forms import (
    AmendForm,
    ContractDraftForm,
    DecisionForm,
    MilestoneFormSet,
    NewTargetFormSet,
    OpinionForm,
    ReportReviewForm,
    TargetFormSet,
    TerminateForm,
)
from procurement.contracts.models.contracts import (
    ContractStatus,
    Milestone,
    MilestoneStatus,
    ProgressReport,
    ProgressReportStatus,
)
from procurement.contracts.permissions import can_list_contract_awards, can_manage_contract
from procurement.contracts.plan_rules import EDITABLE_FIELDS
from procurement.contracts.selectors import attach_documents, awards_for_contracts
from procurement.contracts.services import amendments as amendments_services
from procurement.contracts.services import contracts as contracts_services
from procurement.contracts.services import progress_reports
from procurement.contracts.services.contracts import contract_create
from procurement.contracts.services.drafts import contract_draft_save
from procurement.contracts.services.milestones import recipient_opinion_record
from procurement.contracts.transitions import milestone_may_become, progress_report_may_become
from procurement.contracts.views.contracts import PAGE_SIZE, done, managed_contract, refused
from procurement.evaluation.models.awards import Award


@login_required
def staff_awards(request):
    """Confirmed awards with a published notice: their contract, or "draft the contract" for the
    department's officers."""
    if not can_list_contract_awards(request.user):
        raise PermissionDenied
    page = Paginator(awards_for_contracts(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    rows = []
    for award in page:
        contract = getattr(award, "contract", None)
        rows.append(
            {
                "award": award,
                "contract": contract,
                "may_draft": contract is None and can_manage_contract(request.user, award.tender),
            }
        )
    return render(request, "procurement/contracts/contract_awards.html", {"page_obj": page, "rows": rows})


@login_required
@require_POST
def contract_draft(request, award_id: int):
    award = get_object_or_404(Award.objects.select_related("tender"), pk=award_id)
    if not can_manage_contract(request.user, award.tender):
        raise Http404
    try:
        contract = contract_create(actor=request.user, award=award)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("procurement:staff_awards")
    messages.success(request, _("The draft contract has been created: complete its targets and milestones."))
    return redirect("procurement:contract_edit", contract.pk)


# A target row's fields (a goal in volunteer hours only for a target measured in them).
TARGET_FIELDS = ("name", "measure", "weight", "volunteer_hours_goal")


def _row_specs(formset, fields) -> list[dict]:
    specs = []
    for form in formset:
        data = getattr(form, "cleaned_data", None)
        if not data or data.get("DELETE"):
            continue
        specs.append({"pk": data.get("pk"), **{name: data.get(name) for name in fields}})
    return specs


@login_required
def contract_edit(request, pk: int):
    """The draft: its fields, measurable targets and milestones (shares plus advance = 100%)."""
    contract = managed_contract(request, pk)
    if contract.status != ContractStatus.DRAFT:
        messages.error(request, _("A signed contract is changed only by an amendment."))
        return redirect("procurement:contract_detail", contract.pk)
    post = request.POST if request.method == "POST" else None
    form = ContractDraftForm(post, instance=contract)
    targets = TargetFormSet(
        post,
        prefix="targets",
        initial=[
            {
                "pk": t.pk,
                "name": t.name,
                "measure": t.measure,
                "weight": t.weight,
                "volunteer_hours_goal": t.volunteer_hours_goal,
            }
            for t in contract.targets.all()
        ],
    )
    milestones = MilestoneFormSet(
        post,
        prefix="milestones",
        initial=[
            {"pk": m.pk, "deliverable": m.deliverable, "due_on": m.due_on, "payment_share": m.payment_share}
            for m in contract.milestones.all()
        ],
    )
    if post is not None and form.is_valid() and targets.is_valid() and milestones.is_valid():
        fields = {name: form.cleaned_data[name] for name in EDITABLE_FIELDS}
        try:
            contract_draft_save(
                actor=request.user,
                contract=contract,
                fields=fields,
                targets=_row_specs(targets, TARGET_FIELDS),
                milestones=_row_specs(milestones, ("deliverable", "due_on", "payment_share")),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return done(request, contract, _("The draft contract has been saved."))
    return render(
        request,
        "procurement/contracts/contract_edit.html",
        {"contract": contract, "form": form, "targets": targets, "milestones": milestones},
    )


@login_required
def contract_amend(request, pk: int):
    contract = managed_contract(request, pk)
    current = [t for t in contract.targets.all() if t.retired_by_id is None]
    post = request.POST if request.method == "POST" else None
    form = AmendForm(post, targets=current)
    new_targets = NewTargetFormSet(post, prefix="new")
    if post is not None and form.is_valid() and new_targets.is_valid():
        data = form.cleaned_data
        try:
            amendments_services.contract_amend(
                actor=request.user,
                contract=contract,
                reason=data["reason"],
                amount=data["amount"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                targets_change=data["targets_change"],
                add_targets=[
                    {k: v for k, v in spec.items() if k != "pk"}
                    for spec in _row_specs(new_targets, TARGET_FIELDS)
                ],
                retire_targets=[t for t in current if t.pk in data["retire_targets"]],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return done(request, contract, _("The amendment has been recorded."))
    return render(
        request,
        "procurement/contracts/contract_amend.html",
        {
            "contract": contract,
            "form": form,
            "new_targets": new_targets,
            "amendments": list(contract.amendments.all()),
        },
    )


@login_required
@require_POST
def milestone_opinion(request, pk: int):
    milestone = get_object_or_404(Milestone.objects.select_related("contract"), pk=pk)
    if not can_manage_contract(request.user, milestone.contract):
        raise Http404
    form = OpinionForm(request.POST)
    if form.is_valid():
        try:
            recipient_opinion_record(actor=request.user, milestone=milestone, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The service recipient's opinion has been recorded."))
            return redirect("procurement:milestone_decide", milestone.pk)
    return render(
        request,
        "procurement/contracts/contract_milestone_decide.html",
        {
            "milestone": milestone,
            "decidable": milestone_may_become(milestone.status, MilestoneStatus.ACCEPTED),
            "submission": milestone.submissions.order_by("-pk").first(),
            "form": DecisionForm(),
            "opinion_form": form,
            "opinions": list(milestone.opinions.all()),
        },
    )


@login_required
def progress_report_review(request, pk: int):
    """Read a submitted report and accept it, or return it for revision with the reasons."""
    report = get_object_or_404(ProgressReport.objects.select_related("contract__organization"), pk=pk)
    if not can_manage_contract(request.user, report.contract):
        raise Http404
    form = ReportReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["decision"] == "accept":
                progress_reports.progress_report_review(actor=request.user, report=report, note=data["note"])
            else:
                progress_reports.progress_report_return(actor=request.user, report=report, note=data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return done(request, report.contract, _("The review of the progress report has been recorded."))
    attach_documents(ProgressReport, [report])
    return render(
        request,
        "procurement/contracts/contract_report_review.html",
        {
            "report": report,
            "contract": report.contract,
            "form": form,
            "reviewable": progress_report_may_become(report.status, ProgressReportStatus.REVIEWED),
        },
    )


@login_required
def contract_complete(request, pk: int):
    """Confirmation step, then completion (every milestone accepted)."""
    contract = managed_contract(request, pk)
    if request.method == "POST":
        try:
            contracts_services.contract_complete(actor=request.user, contract=contract)
        except ValidationError as exc:
            return refused(request, contract, exc)
        return done(request, contract, _("The contract is completed."))
    return render(
        request,
        "procurement/contracts/contract_end.html",
        {"contract": contract, "form": None, "ending": "complete"},
    )


@login_required
def contract_terminate(request, pk: int):
    """Confirmation step with the reason, then termination."""
    contract = managed_contract(request, pk)
    form = TerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contracts_services.contract_terminate(
                actor=request.user, contract=contract, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return done(request, contract, _("The contract is terminated."))
    return render(
        request,
        "procurement/contracts/contract_end.html",
        {"contract": contract, "form": form, "ending": "terminate"},
    )
