"""Site views of contracts: the public list and page of published contracts (public fields only); the
contract page for the organization's members and the purchasing unit's staff (milestones, payments,
progress reports, amendments, evaluations); deliverable and report submission; the officer's
signing, publication, decisions and payments; the printable survey QR page and the anonymous survey."""

from __future__ import annotations

from decimal import Decimal

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

from core.forms import add_service_errors
from procurement import services
from procurement.forms_contracts import (
    AmendForm,
    ContractDraftForm,
    DecisionForm,
    EvaluationOpenForm,
    MilestoneFormSet,
    MilestoneSubmitForm,
    NewTargetFormSet,
    OpinionForm,
    PaymentForm,
    ProgressReportForm,
    ReportReviewForm,
    SignForm,
    SurveyForm,
    TargetFormSet,
    TargetScoresForm,
    TerminateForm,
    ThirdPartyForm,
    TokensForm,
)
from procurement.models import Award, EvaluationGrade, Milestone, PerformanceEvaluation, ProgressReport
from procurement.permissions import can_manage_contract, can_view_contract, is_contract_party
from procurement.selectors_contracts import (
    awards_for_contracts,
    contract_page,
    contracts_of_user,
    evaluation_page,
    public_contract,
    published_contracts,
    staff_contracts,
)
from procurement.services import contracts as contract_services
from procurement.services import reports_progress as reports_services
from procurement.services.performance import survey_token_state

PAGE_SIZE = 20


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
    from procurement.permissions import is_procurement_reader

    manage = can_manage_contract(request.user, contract)
    party = is_contract_party(request.user, contract)
    milestones = list(contract.milestones.all())
    plan_problems = []
    if manage and contract.status == "draft":
        total = contract.advance_share + sum((m.payment_share for m in milestones), Decimal("0"))
        if total != Decimal("100"):
            plan_problems.append(
                _("The advance and the milestones' payment shares sum to %(total)s%%, not 100%%.")
                % {"total": format(total.normalize(), "f")}
            )
        if not any(t.retired_by_id is None for t in contract.targets.all()):
            plan_problems.append(_("Add at least one measurable performance target."))
    return render(
        request,
        "procurement/contract_detail.html",
        {
            "contract": contract,
            "manage": manage,
            "party": party,
            "staff": manage or is_procurement_reader(request.user),
            "plan_problems": plan_problems,
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
            add_service_errors(form, exc)
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
            add_service_errors(form, exc)
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
            add_service_errors(form, exc)
        else:
            return _done(request, milestone.contract, _("The decision has been recorded."))
    submission = milestone.submissions.order_by("-pk").first()
    return render(
        request,
        "procurement/contract_milestone_decide.html",
        {
            "milestone": milestone,
            "submission": submission,
            "form": form,
            "opinion_form": OpinionForm(),
            "opinions": list(milestone.opinions.all()),
        },
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
            add_service_errors(form, exc)
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
            add_service_errors(form, exc)
        else:
            return render(request, "procurement/survey_thanks.html")
    return render(
        request,
        "procurement/survey_form.html",
        {"form": form, "contract_title": row.evaluation.contract.title, "problem": ""},
    )


# --- officer's screens: awards to contract, the draft's plan, amendments, opinions, reports, ending ------


def _staff_reader(user) -> bool:
    from procurement.permissions import is_procurement_reader

    return bool(user.department_id) or is_procurement_reader(user)


@login_required
def staff_awards(request):
    """Confirmed awards with a published notice: their contract, or "draft the contract" for the
    department's officers."""
    if not _staff_reader(request.user):
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
    return render(request, "procurement/contract_awards.html", {"page_obj": page, "rows": rows})


@login_required
@require_POST
def contract_draft(request, award_id: int):
    award = get_object_or_404(Award.objects.select_related("tender"), pk=award_id)
    if not can_manage_contract(request.user, award.tender):
        raise Http404
    try:
        contract = contract_services.contract_create(actor=request.user, award=award)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
        return redirect("procurement:staff_awards")
    messages.success(request, _("The draft contract has been created: complete its targets and milestones."))
    return redirect("procurement:contract_edit", contract.pk)


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
    contract = _managed_contract(request, pk)
    if contract.status != "draft":
        messages.error(request, _("A signed contract is changed only by an amendment."))
        return redirect("procurement:contract_detail", contract.pk)
    post = request.POST if request.method == "POST" else None
    form = ContractDraftForm(post, instance=contract)
    targets = TargetFormSet(
        post,
        prefix="targets",
        initial=[
            {"pk": t.pk, "name": t.name, "measure": t.measure, "weight": t.weight}
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
        fields = {name: form.cleaned_data[name] for name in ContractDraftForm.Meta.fields}
        try:
            contract_services.contract_draft_save(
                actor=request.user,
                contract=contract,
                fields=fields,
                targets=_row_specs(targets, ("name", "measure", "weight")),
                milestones=_row_specs(milestones, ("deliverable", "due_on", "payment_share")),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, contract, _("The draft contract has been saved."))
    return render(
        request,
        "procurement/contract_edit.html",
        {"contract": contract, "form": form, "targets": targets, "milestones": milestones},
    )


@login_required
def contract_amend(request, pk: int):
    contract = _managed_contract(request, pk)
    current = [t for t in contract.targets.all() if t.retired_by_id is None]
    post = request.POST if request.method == "POST" else None
    form = AmendForm(post, targets=current)
    new_targets = NewTargetFormSet(post, prefix="new")
    if post is not None and form.is_valid() and new_targets.is_valid():
        data = form.cleaned_data
        try:
            contract_services.contract_amend(
                actor=request.user,
                contract=contract,
                reason=data["reason"],
                amount=data["amount"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                targets_change=data["targets_change"],
                add_targets=[
                    {k: v for k, v in spec.items() if k != "pk"}
                    for spec in _row_specs(new_targets, ("name", "measure", "weight"))
                ],
                retire_targets=[t for t in current if t.pk in data["retire_targets"]],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, contract, _("The amendment has been recorded."))
    return render(
        request,
        "procurement/contract_amend.html",
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
            contract_services.recipient_opinion_record(
                actor=request.user, milestone=milestone, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The service recipient's opinion has been recorded."))
            return redirect("procurement:milestone_decide", milestone.pk)
    return render(
        request,
        "procurement/contract_milestone_decide.html",
        {
            "milestone": milestone,
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
                reports_services.progress_report_review(actor=request.user, report=report, note=data["note"])
            else:
                reports_services.progress_report_return(actor=request.user, report=report, note=data["note"])
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, report.contract, _("The review of the progress report has been recorded."))
    return render(
        request,
        "procurement/contract_report_review.html",
        {"report": report, "contract": report.contract, "form": form},
    )


@login_required
def contract_complete(request, pk: int):
    """Confirmation step, then completion (every milestone accepted)."""
    contract = _managed_contract(request, pk)
    if request.method == "POST":
        try:
            contract_services.contract_complete(actor=request.user, contract=contract)
        except ValidationError as exc:
            return _refused(request, contract, exc)
        return _done(request, contract, _("The contract is completed."))
    return render(
        request, "procurement/contract_end.html", {"contract": contract, "form": None, "ending": "complete"}
    )


@login_required
def contract_terminate(request, pk: int):
    """Confirmation step with the reason, then termination."""
    contract = _managed_contract(request, pk)
    form = TerminateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contract_services.contract_terminate(
                actor=request.user, contract=contract, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return _done(request, contract, _("The contract is terminated."))
    return render(
        request, "procurement/contract_end.html", {"contract": contract, "form": form, "ending": "terminate"}
    )


# --- performance evaluation ---------------------------------------------------------------------------------


@login_required
def evaluation_open(request, pk: int):
    contract = _managed_contract(request, pk)
    form = EvaluationOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = services.evaluation_open(actor=request.user, contract=contract, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The evaluation is open."))
            return redirect("procurement:evaluation_detail", evaluation.pk)
    return render(request, "procurement/performance_open.html", {"contract": contract, "form": form})


@login_required
def evaluation_detail(request, pk: int):
    """The evaluation: the purchaser's scores per target, the third-party score, the survey's answers
    and, before publishing, the weighted total and grade it would give. Officers act; approvers and
    supervisors read."""
    from procurement.permissions import is_procurement_reader
    from procurement.services.performance import performance_grade, performance_total, satisfaction_score

    evaluation = evaluation_page(pk)
    if evaluation is None:
        raise Http404
    contract = evaluation.contract
    manage = can_manage_contract(request.user, contract)
    if not (manage or is_procurement_reader(request.user)):
        raise Http404
    targets = contract.current_targets
    scores = {s.target_id: s for s in evaluation.target_scores.all()}
    is_open = evaluation.status == "open"
    action = request.POST.get("action") if request.method == "POST" else None
    if action and not (manage and is_open):
        raise Http404
    scores_form = TargetScoresForm(
        request.POST if action == "scores" else None, targets=targets, scores=scores,
        initial={"comment": evaluation.purchaser_comment},
    )  # fmt: skip
    third_form = ThirdPartyForm(
        request.POST if action == "third_party" else None,
        initial={
            "assessor": evaluation.third_party_assessor,
            "score": evaluation.third_party_score,
            "comment": evaluation.third_party_comment,
        },
    )
    publish_errors = []
    if action == "scores" and scores_form.is_valid():
        try:
            services.evaluation_score_targets(
                actor=request.user, evaluation=evaluation, scores=scores_form.scores(),
                comment=scores_form.cleaned_data["comment"],
            )  # fmt: skip
        except ValidationError as exc:
            add_service_errors(scores_form, exc)
        else:
            messages.success(request, _("The purchaser's scores have been saved."))
            return redirect("procurement:evaluation_detail", evaluation.pk)
    elif action == "third_party" and third_form.is_valid():
        try:
            services.evaluation_record_third_party(
                actor=request.user, evaluation=evaluation, **third_form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(third_form, exc)
        else:
            messages.success(request, _("The third-party score has been saved."))
            return redirect("procurement:evaluation_detail", evaluation.pk)
    elif action == "publish":
        try:
            services.evaluation_publish(actor=request.user, evaluation=evaluation)
        except ValidationError as exc:
            publish_errors = exc.messages
        else:
            messages.success(request, _("The evaluation result is published."))
            return redirect("procurement:evaluation_detail", evaluation.pk)
    preview = None
    if is_open and evaluation.purchaser_score is not None:
        satisfaction = satisfaction_score(evaluation)
        total = performance_total(
            purchaser=evaluation.purchaser_score,
            satisfaction=satisfaction,
            third_party=evaluation.third_party_score,
            weights={
                "purchaser": evaluation.weight_purchaser,
                "satisfaction": evaluation.weight_satisfaction,
                "third_party": evaluation.weight_third_party,
            },
        )
        grade = performance_grade(total)
        preview = {"satisfaction": satisfaction, "total": total, "grade": EvaluationGrade(grade).label}
    return render(
        request,
        "procurement/performance_detail.html",
        {
            "evaluation": evaluation,
            "contract": contract,
            "manage": manage and is_open,
            "targets": targets,
            "scores": [(t, scores.get(t.pk)) for t in targets],
            "scores_form": scores_form,
            "third_form": third_form,
            "publish_errors": publish_errors,
            "preview": preview,
            "tokens": evaluation.tokens.count(),
            "tokens_used": evaluation.tokens.filter(used=True).count(),
        },
    )
