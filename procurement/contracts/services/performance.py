"""Performance evaluation (绩效评价) of a contract: the purchaser scores each current target (0–100,
weighted by the targets' weights), beneficiaries answer the satisfaction survey with single-use
tokens, an optional third-party assessor gives a score, and, where the rules weigh it
(`rules.performance_volunteering_weight`, default 0), volunteer participation scores the verified
hours of the contract's volunteer projects against its volunteer-hour goals; the weighted total gives
the grade (优秀 ≥ 90 / 良好 ≥ 80 / 合格 ≥ 60 / 不合格), which is published and written into the organization's
credit record (不合格 adds the exclusion from bidding, through `orgs.services.credit_record_performance`)."""

from __future__ import annotations

import datetime as dt
import secrets
from decimal import ROUND_HALF_UP, Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from orgs.services import credit_record_performance
from procurement import rules
from procurement._common import deny, refuse
from procurement.contracts.events import performance_published
from procurement.contracts.models.contracts import Contract
from procurement.contracts.models.performance import (
    SURVEY_TOKEN_MAX_LENGTH,
    EvaluationGrade,
    EvaluationKind,
    PerformanceEvaluation,
    PerformanceEvaluationStatus,
    SatisfactionLevel,
    SurveyAnswer,
    SurveyToken,
    TargetScore,
    survey_token_digest,
    survey_token_lookup_digests,
)
from procurement.contracts.permissions import can_manage_contract
from procurement.contracts.services.contracts import is_multi_year
from procurement.contracts.transitions import EVALUABLE_STATES, check_evaluation_transition
from procurement.contracts.volunteering import contract_volunteering_score

TWO = Decimal("0.01")
MAX_TOKENS_PER_CALL = 500


def performance_total(
    *, purchaser: Decimal, satisfaction: Decimal | None, third_party: Decimal | None, weights: dict,
    volunteering: Decimal | None = None,
) -> Decimal:  # fmt: skip
    """The weighted total (two decimals, half up). A missing part is left out and the weights of the
    others re-normalised to 100. Volunteer participation is a part only when its weight
    (`weights["volunteering"]`, absent = 0) is above zero and it has a score."""
    parts = [(Decimal(purchaser), Decimal(weights["purchaser"]))]
    if satisfaction is not None:
        parts.append((Decimal(satisfaction), Decimal(weights["satisfaction"])))
    if third_party is not None:
        parts.append((Decimal(third_party), Decimal(weights["third_party"])))
    volunteering_weight = Decimal(weights.get("volunteering") or 0)
    if volunteering is not None and volunteering_weight > 0:
        parts.append((Decimal(volunteering), volunteering_weight))
    weight_sum = sum((w for _score, w in parts), Decimal("0"))
    if weight_sum <= 0:
        return Decimal("0.00")
    total = sum((score * w for score, w in parts), Decimal("0")) / weight_sum
    return total.quantize(TWO, rounding=ROUND_HALF_UP)


def performance_grade(total: Decimal) -> str:
    """The grade of a weighted total by `rules.performance_grade_thresholds()`."""
    for minimum, grade in rules.performance_grade_thresholds():
        if total >= minimum:
            return grade
    return EvaluationGrade.FAILED


def _officer(actor, contract) -> None:
    if not can_manage_contract(actor, contract):
        deny(_("Only the procurement officers of the purchasing unit may do this."))


def _lock(evaluation) -> PerformanceEvaluation:
    return (
        PerformanceEvaluation.objects.select_for_update(of=("self",))
        .select_related("contract")
        .get(pk=evaluation.pk)
    )


def _open_only(evaluation) -> None:
    if evaluation.status != PerformanceEvaluationStatus.OPEN:
        refuse(_("This evaluation is already published."), code="wrong_state")


@transaction.atomic
def evaluation_open(
    *, actor, contract: Contract, kind: str = EvaluationKind.FINAL, third_party_assessor: str = "",
    survey_closes_on: dt.date | None = None,
) -> PerformanceEvaluation:  # fmt: skip
    """Open an evaluation: the final one of a contract in performance or completed (once), or a
    mid-term one of a multi-year contract. The weights are copied from the rules."""
    contract = Contract.objects.select_for_update().get(pk=contract.pk)
    _officer(actor, contract)
    if contract.status not in EVALUABLE_STATES:
        refuse(_("Only a published contract is evaluated."), code="wrong_state")
    if kind == EvaluationKind.FINAL:
        if contract.evaluations.filter(kind=EvaluationKind.FINAL).exists():
            refuse(_("This contract already has its final evaluation."), code="exists")
    elif kind == EvaluationKind.MID_TERM:
        if not is_multi_year(contract):
            refuse(_("Only a multi-year contract has a mid-term evaluation."), code="not_multi_year")
        if contract.evaluations.filter(
            kind=EvaluationKind.MID_TERM, status=PerformanceEvaluationStatus.OPEN
        ).exists():
            refuse(_("A mid-term evaluation of this contract is already in progress."), code="exists")
    else:
        refuse({"kind": _("Choose the kind of evaluation.")})
    weights = rules.performance_evaluation_weights()
    evaluation = PerformanceEvaluation.objects.create(
        contract=contract,
        kind=kind,
        weight_purchaser=weights["purchaser"],
        weight_satisfaction=weights["satisfaction"],
        weight_third_party=weights["third_party"],
        weight_volunteering=weights["volunteering"],
        third_party_assessor=(third_party_assessor or "").strip(),
        survey_closes_on=survey_closes_on
        or timezone.localdate() + dt.timedelta(days=rules.survey_open_days()),
        opened_by=actor,
    )
    audit.record(
        actor=actor, action="performance.open", target=evaluation,
        after={"contract": contract.pk, "kind": kind, "weights": {k: str(v) for k, v in weights.items()}},
    )  # fmt: skip
    return evaluation


@transaction.atomic
def evaluation_score_targets(
    *, actor, evaluation: PerformanceEvaluation, scores: dict, comment: str = ""
) -> PerformanceEvaluation:
    """The purchaser's scores: `scores` = {target id: (score 0–100, note)} for every current target.
    The purchaser's score is their mean weighted by the targets' weights."""
    evaluation = _lock(evaluation)
    _officer(actor, evaluation.contract)
    _open_only(evaluation)
    targets = list(evaluation.contract.targets.filter(retired_by__isnull=True))
    if not targets:
        refuse(_("The contract has no current target to score."))
    errors = []
    values = {}
    for target in targets:
        raw = scores.get(target.pk)
        if raw is None:
            errors.append(_("Score the target “%(name)s”.") % {"name": target.name})
            continue
        score, note = raw if isinstance(raw, (tuple, list)) else (raw, "")
        try:
            score = Decimal(str(score))
        except ArithmeticError:
            score = Decimal("-1")
        if score < 0 or score > 100:
            errors.append(_("The score of “%(name)s” must be between 0 and 100.") % {"name": target.name})
            continue
        values[target.pk] = (score.quantize(TWO), (note or "").strip())
    if errors:
        refuse(errors, code="invalid_scores")
    for target in targets:
        score, note = values[target.pk]
        TargetScore.objects.update_or_create(
            evaluation=evaluation, target=target, defaults={"score": score, "note": note}
        )
    weight_sum = sum((t.weight for t in targets), Decimal("0"))
    purchaser = sum((values[t.pk][0] * t.weight for t in targets), Decimal("0")) / weight_sum
    before = {"purchaser_score": str(evaluation.purchaser_score)}
    evaluation.purchaser_score = purchaser.quantize(TWO, rounding=ROUND_HALF_UP)
    evaluation.purchaser_comment = (comment or "").strip()
    evaluation.save(update_fields=["purchaser_score", "purchaser_comment"])
    audit.record(
        actor=actor, action="performance.score", target=evaluation, before=before,
        after={"purchaser_score": str(evaluation.purchaser_score),
               "targets": {str(k): str(v[0]) for k, v in values.items()}},
    )  # fmt: skip
    return evaluation


@transaction.atomic
def evaluation_record_third_party(
    *, actor, evaluation: PerformanceEvaluation, assessor: str, score, comment: str = ""
) -> PerformanceEvaluation:
    """The optional third-party assessor's score (0–100)."""
    evaluation = _lock(evaluation)
    _officer(actor, evaluation.contract)
    _open_only(evaluation)
    try:
        score = Decimal(str(score))
    except ArithmeticError:
        score = Decimal("-1")
    if score < 0 or score > 100:
        refuse({"score": _("A score is between 0 and 100.")})
    if not (assessor or "").strip():
        refuse({"assessor": _("Name the third-party assessor.")})
    evaluation.third_party_assessor = assessor.strip()
    evaluation.third_party_score = score.quantize(TWO)
    evaluation.third_party_comment = (comment or "").strip()
    evaluation.save(update_fields=["third_party_assessor", "third_party_score", "third_party_comment"])
    audit.record(
        actor=actor, action="performance.third_party", target=evaluation,
        after={"assessor": evaluation.third_party_assessor, "score": str(evaluation.third_party_score)},
    )  # fmt: skip
    return evaluation


@transaction.atomic
def survey_tokens_issue(
    *, actor, evaluation: PerformanceEvaluation, count: int | None = None
) -> list[SurveyToken]:
    """Create `count` single-use random tokens (handed out on the printable QR page). Only their keyed
    hashes are stored: the returned rows carry the clear token in `.token`, the one time it exists."""
    evaluation = _lock(evaluation)
    _officer(actor, evaluation.contract)
    _open_only(evaluation)
    count = rules.survey_token_default_count() if count is None else int(count)
    if count < 1 or count > MAX_TOKENS_PER_CALL:
        refuse({"count": _("Issue between 1 and %(n)s tokens at a time.") % {"n": MAX_TOKENS_PER_CALL}})
    tokens = []
    for _n in range(count):
        clear = secrets.token_urlsafe(16)
        row = SurveyToken(evaluation=evaluation, token_hash=survey_token_digest(clear))
        row.token = clear
        tokens.append(row)
    SurveyToken.objects.bulk_create(tokens)
    audit.record(actor=actor, action="performance.tokens_issue", target=evaluation, after={"count": count})
    return tokens


def _token_rows(token: str):
    """The row of a presented clear token, found by its keyed hash (an empty queryset for a token
    that cannot be one of ours)."""
    if not token or len(token) > SURVEY_TOKEN_MAX_LENGTH:
        return SurveyToken.objects.none()
    return SurveyToken.objects.filter(token_hash__in=survey_token_lookup_digests(token))


def survey_token_state(token: str) -> tuple[SurveyToken | None, str]:
    """(token, problem) for the survey page: problem is "" when the token may answer."""
    row = _token_rows(token).select_related("evaluation__contract").first()
    if row is None:
        return None, _("This survey link is not valid.")
    if row.used:
        return row, _("This survey link has already been used: each link allows one answer.")
    evaluation = row.evaluation
    if evaluation.status != PerformanceEvaluationStatus.OPEN or (
        evaluation.survey_closes_on and timezone.localdate() > evaluation.survey_closes_on
    ):
        return row, _("This survey is closed.")
    return row, ""


@transaction.atomic
def survey_answer(
    *, token: str, overall: int, timeliness: int, attitude: int, comment: str = ""
) -> SurveyAnswer:
    """One anonymous answer per token. The token is only marked used; the answer keeps no link to it
    (nor the time of day), so results cannot be traced to whoever held it."""
    row = _token_rows(token).select_for_update().first()
    if row is None:
        refuse(_("This survey link is not valid."), code="invalid_token")
    if row.used:
        refuse(_("This survey link has already been used: each link allows one answer."), code="used_token")
    evaluation = PerformanceEvaluation.objects.select_for_update().get(pk=row.evaluation_id)
    if evaluation.status != PerformanceEvaluationStatus.OPEN or (
        evaluation.survey_closes_on and timezone.localdate() > evaluation.survey_closes_on
    ):
        refuse(_("This survey is closed."), code="closed")
    levels = set(SatisfactionLevel.values)
    if not {overall, timeliness, attitude} <= levels:
        refuse(_("Choose a level of satisfaction for every question."))
    row.used = True
    row.save(update_fields=["used"])
    answer = SurveyAnswer.objects.create(
        evaluation=evaluation,
        overall=overall,
        timeliness=timeliness,
        attitude=attitude,
        comment=(comment or "").strip()[:2000],
    )
    evaluation.survey_answer_count = evaluation.answers.count()
    evaluation.save(update_fields=["survey_answer_count"])
    audit.record(
        actor=None,
        action="performance.survey_answer",
        target=evaluation,
        after={"answers": evaluation.survey_answer_count},
    )
    return answer


def satisfaction_score(evaluation: PerformanceEvaluation) -> Decimal | None:
    """The mean answer score (level × 20, the three questions averaged), or None without answers."""
    answers = list(evaluation.answers.values_list("overall", "timeliness", "attitude"))
    if not answers:
        return None
    total = sum((Decimal(sum(levels)) * 20 / 3 for levels in answers), Decimal("0"))
    return (total / len(answers)).quantize(TWO, rounding=ROUND_HALF_UP)


def evaluation_weights(evaluation: PerformanceEvaluation) -> dict[str, Decimal]:
    """The weights the evaluation copied when it was opened."""
    return {
        "purchaser": evaluation.weight_purchaser,
        "satisfaction": evaluation.weight_satisfaction,
        "third_party": evaluation.weight_third_party,
        "volunteering": evaluation.weight_volunteering,
    }


def evaluation_volunteering_score(
    evaluation: PerformanceEvaluation, targets=None, participation=None
) -> Decimal | None:
    """The volunteer participation score of an evaluation that weighs it (`volunteering.volunteering_score`
    of the contract's current targets and participation now); None when its weight is 0 or no current
    target has a volunteer-hour goal (the criterion is then left out)."""
    if evaluation.weight_volunteering <= 0:
        return None
    return contract_volunteering_score(evaluation.contract, targets, participation)


@transaction.atomic
def evaluation_publish(
    *, actor, evaluation: PerformanceEvaluation, at: dt.datetime | None = None
) -> PerformanceEvaluation:
    """Compute the weighted total and grade, publish them and write them into the organization's
    credit record (不合格 also excludes it from bidding for the configured period)."""
    evaluation = _lock(evaluation)
    contract = evaluation.contract
    _officer(actor, contract)
    check_evaluation_transition(
        evaluation.status,
        PerformanceEvaluationStatus.PUBLISHED,
        message=_("This evaluation is already published."),
    )
    if evaluation.purchaser_score is None:
        refuse(_("The purchaser's scores are missing."), code="incomplete")
    satisfaction = satisfaction_score(evaluation)
    volunteering = evaluation_volunteering_score(evaluation)
    total = performance_total(
        purchaser=evaluation.purchaser_score,
        satisfaction=satisfaction,
        third_party=evaluation.third_party_score,
        weights=evaluation_weights(evaluation),
        volunteering=volunteering,
    )
    at = at or timezone.now()
    evaluation.satisfaction_score = satisfaction
    evaluation.volunteering_score = volunteering
    evaluation.survey_answer_count = evaluation.answers.count()
    evaluation.total = total
    evaluation.grade = performance_grade(total)
    evaluation.status = PerformanceEvaluationStatus.PUBLISHED
    evaluation.published_at = at
    evaluation.published_by = actor
    evaluation.save()
    records = credit_record_performance(
        actor=actor,
        organization=contract.organization,
        grade=evaluation.grade,
        evaluated_on=timezone.localdate(at),
        title=f"{contract.reference} {contract.title} · {evaluation.get_kind_display()}"[:200],
        source_key=f"procurement.performance:{evaluation.pk}",
        details=_("Weighted total %(total)s") % {"total": total},
    )
    audit.record(
        actor=actor, action="performance.publish", target=evaluation,
        before={"status": PerformanceEvaluationStatus.OPEN},
        after={"total": str(total), "grade": evaluation.grade,
               "satisfaction": str(satisfaction) if satisfaction is not None else None,
               "third_party": str(evaluation.third_party_score) if evaluation.third_party_score is not None else None,
               **({"volunteering": str(volunteering) if volunteering is not None else None}
                  if evaluation.weight_volunteering > 0 else {}),
               "credit_records": [r.pk for r in records]},
    )  # fmt: skip
    performance_published(evaluation=evaluation)
    return evaluation
