"""Performance evaluation pages (open, score, publish) and the beneficiary survey (printable links
and the anonymous answer page)."""

from __future__ import annotations

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from core.forms import add_service_errors
from procurement.contracts.forms import (
    EvaluationOpenForm,
    SurveyForm,
    TargetScoresForm,
    ThirdPartyForm,
    TokensForm,
)
from procurement.contracts.models.performance import (
    EvaluationGrade,
    PerformanceEvaluation,
    PerformanceEvaluationStatus,
)
from procurement.contracts.participation import participation_of
from procurement.contracts.permissions import can_manage_contract, can_read_contract_as_staff
from procurement.contracts.selectors import evaluation_page
from procurement.contracts.services import performance as performance_services
from procurement.contracts.services.performance import (
    evaluation_publish,
    evaluation_record_third_party,
    evaluation_score_targets,
    evaluation_volunteering_score,
    evaluation_weights,
    performance_grade,
    performance_total,
    satisfaction_score,
    survey_answer,
    survey_token_state,
    survey_tokens_issue,
)
from procurement.contracts.views.contracts import managed_contract
from procurement.contracts.volunteering import attach_hours_progress


@login_required
def survey_tokens(request, pk: int):
    """The single-use survey links with their QR codes (officers). Only keyed hashes of the tokens are
    stored, so the links exist once: on the page that answers the request issuing them, to print
    there and then. Afterwards the page shows how many links are out and how many were used."""
    evaluation = get_object_or_404(PerformanceEvaluation.objects.select_related("contract"), pk=pk)
    if not can_manage_contract(request.user, evaluation.contract):
        raise Http404
    form = TokensForm(request.POST or None)
    issued = []
    if request.method == "POST" and form.is_valid():
        try:
            issued = survey_tokens_issue(
                actor=request.user, evaluation=evaluation, count=form.cleaned_data["count"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            form = TokensForm()
    cards = []
    for token in issued:
        url = request.build_absolute_uri(reverse("procurement:survey", args=[token.token]))
        svg = mark_safe(segno.make(url, error="m").svg_inline(scale=3, border=2))  # noqa: S308 - segno markup
        cards.append({"url": url, "svg": svg})
    response = render(
        request,
        "procurement/contracts/survey_tokens.html",
        {
            "evaluation": evaluation,
            "contract": evaluation.contract,
            "cards": cards,
            "form": form,
            "tokens": evaluation.tokens.count(),
            "tokens_used": evaluation.tokens.filter(used=True).count(),
        },
    )
    response["Cache-Control"] = "no-store"  # the links are shown once: no copy in the browser's cache
    return response


def survey(request, token: str):
    """The anonymous satisfaction survey: one answer per link."""
    row, problem = survey_token_state(token)
    if row is None:
        raise Http404
    form = SurveyForm(request.POST or None)
    if problem:
        return render(
            request, "procurement/contracts/survey_form.html", {"problem": problem, "form": None}, status=410
        )
    if request.method == "POST" and form.is_valid():
        try:
            survey_answer(token=token, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            return render(request, "procurement/contracts/survey_thanks.html")
    return render(
        request,
        "procurement/contracts/survey_form.html",
        {"form": form, "contract_title": row.evaluation.contract.title, "problem": ""},
    )


@login_required
def evaluation_open(request, pk: int):
    contract = managed_contract(request, pk)
    form = EvaluationOpenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            evaluation = performance_services.evaluation_open(
                actor=request.user, contract=contract, **form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("The evaluation is open."))
            return redirect("procurement:evaluation_detail", evaluation.pk)
    return render(
        request, "procurement/contracts/performance_open.html", {"contract": contract, "form": form}
    )


@login_required
def evaluation_detail(request, pk: int):
    """The evaluation: the purchaser's scores per target, the third-party score, the survey's answers
    and, before publishing, the weighted total and grade it would give. Officers act; approvers and
    supervisors read."""
    evaluation = evaluation_page(pk)
    if evaluation is None:
        raise Http404
    contract = evaluation.contract
    manage = can_manage_contract(request.user, contract)
    if not can_read_contract_as_staff(request.user, contract):
        raise Http404
    targets = contract.current_targets
    scores = {s.target_id: s for s in evaluation.target_scores.all()}
    is_open = evaluation.status == PerformanceEvaluationStatus.OPEN
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
            evaluation_score_targets(
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
            evaluation_record_third_party(
                actor=request.user, evaluation=evaluation, **third_form.cleaned_data
            )
        except ValidationError as exc:
            add_service_errors(third_form, exc)
        else:
            messages.success(request, _("The third-party score has been saved."))
            return redirect("procurement:evaluation_detail", evaluation.pk)
    elif action == "publish":
        try:
            evaluation_publish(actor=request.user, evaluation=evaluation)
        except ValidationError as exc:
            publish_errors = exc.messages
        else:
            messages.success(request, _("The evaluation result is published."))
            return redirect("procurement:evaluation_detail", evaluation.pk)
    # Volunteer participation next to the targets (figures only), and what the criterion would score.
    participation = participation_of(contract.pk)
    attach_hours_progress(targets, participation)
    volunteering = evaluation_volunteering_score(evaluation, targets, participation) if is_open else None
    preview = None
    if is_open and evaluation.purchaser_score is not None:
        satisfaction = satisfaction_score(evaluation)
        total = performance_total(
            purchaser=evaluation.purchaser_score,
            satisfaction=satisfaction,
            third_party=evaluation.third_party_score,
            weights=evaluation_weights(evaluation),
            volunteering=volunteering,
        )
        grade = performance_grade(total)
        preview = {
            "satisfaction": satisfaction,
            "volunteering": volunteering,
            "total": total,
            "grade": EvaluationGrade(grade).label,
        }
    return render(
        request,
        "procurement/contracts/performance_detail.html",
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
            "participation": participation,
            "volunteering_scored": evaluation.weight_volunteering > 0,
            "volunteering_now": volunteering,
            "tokens": evaluation.tokens.count(),
            "tokens_used": evaluation.tokens.filter(used=True).count(),
        },
    )
