"""Performance evaluation: weighted total with re-normalisation, grade thresholds, the credit record
and the exclusion reaching eligibility; survey tokens single-use and answers anonymous; the numbers'
defaults."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from orgs.models import CreditRecordKind
from orgs.selectors import organization_eligibility
from procurement import rules
from procurement.contracts.services.performance import (
    evaluation_open,
    evaluation_publish,
    evaluation_record_third_party,
    evaluation_score_targets,
    performance_grade,
    performance_total,
    survey_answer,
    survey_tokens_issue,
)
from procurement.models import EvaluationKind, SurveyAnswer, SurveyToken
from tests.procurement.contracting import active_contract, published_award

pytestmark = pytest.mark.django_db

WEIGHTS = {"purchaser": D("50"), "satisfaction": D("30"), "third_party": D("20")}


def test_default_weights_are_50_30_20():
    assert rules.performance_weights() == WEIGHTS


def test_default_grade_thresholds_are_90_80_60():
    assert rules.performance_grade_thresholds() == (
        (D("90"), "excellent"),
        (D("80"), "good"),
        (D("60"), "passed"),
    )


def test_contract_numbers_default_to_rules_md():
    assert rules.contract_sign_days() == 30
    assert rules.contract_publish_working_days() == 2
    assert rules.contract_max_term_months() == 12
    assert rules.contract_continuing_max_term_months() == 36
    assert rules.contract_default_advance_share() == D("0")
    assert rules.progress_report_due_working_days() == 5
    assert rules.progress_report_remind_before_days() == 3
    assert rules.progress_report_remind_after_days() == 1
    assert rules.survey_token_default_count() == 30
    assert rules.survey_open_days() == 30


def test_weighted_total_renormalises_without_a_third_party():
    assert performance_total(
        purchaser=D("90"), satisfaction=D("80"), third_party=D("70"), weights=WEIGHTS
    ) == D("83.00")
    # 50:30 → 90×5/8 + 80×3/8 = 86.25
    assert performance_total(purchaser=D("90"), satisfaction=D("80"), third_party=None, weights=WEIGHTS) == D(
        "86.25"
    )
    assert performance_total(purchaser=D("71"), satisfaction=None, third_party=None, weights=WEIGHTS) == D(
        "71.00"
    )


@pytest.mark.parametrize(
    ("total", "grade"),
    [("100", "excellent"), ("90.00", "excellent"), ("89.99", "good"), ("80", "good"), ("79.99", "passed"),
     ("60", "passed"), ("59.99", "failed"), ("0", "failed")],
)  # fmt: skip
def test_grade_thresholds(total, grade):
    assert performance_grade(D(total)) == grade


@pytest.fixture
def evaluation_setup():
    award, officer, winner, others = published_award()
    contract = active_contract(award, officer)
    evaluation = evaluation_open(actor=officer, contract=contract)
    return contract, officer, winner, others, evaluation


def _score_all(officer, evaluation, contract, score):
    targets = contract.targets.filter(retired_by__isnull=True)
    return evaluation_score_targets(
        actor=officer, evaluation=evaluation, scores={t.pk: (score, "完成") for t in targets}
    )


def test_survey_tokens_are_single_use_and_answers_keep_no_link_to_them(evaluation_setup):
    _contract, officer, *_rest, evaluation = evaluation_setup
    tokens = survey_tokens_issue(actor=officer, evaluation=evaluation, count=3)
    assert len({t.token for t in tokens}) == 3 and all(len(t.token) >= 20 for t in tokens)
    survey_answer(token=tokens[0].token, overall=5, timeliness=4, attitude=5, comment="很好")
    with pytest.raises(ValidationError) as error:
        survey_answer(token=tokens[0].token, overall=1, timeliness=1, attitude=1)
    assert error.value.code == "used_token"
    assert "已使用" in error.value.messages[0]  # Chinese first, outside requests too
    with pytest.raises(ValidationError) as error:
        survey_answer(token="not-a-token", overall=5, timeliness=5, attitude=5)
    assert error.value.code == "invalid_token"
    assert SurveyAnswer.objects.filter(evaluation=evaluation).count() == 1
    answer_fields = {f.name for f in SurveyAnswer._meta.get_fields()}
    assert not answer_fields & {"token", "user", "created_at", "ip_address"}
    assert SurveyToken.objects.get(pk=tokens[0].pk).used


def test_failed_evaluation_is_published_into_the_credit_record_and_excludes_the_organization(
    evaluation_setup,
):
    contract, officer, *_rest, evaluation = evaluation_setup
    organization = contract.organization
    assert organization_eligibility(organization).eligible
    _score_all(officer, evaluation, contract, "50")
    tokens = survey_tokens_issue(actor=officer, evaluation=evaluation, count=2)
    survey_answer(token=tokens[0].token, overall=2, timeliness=3, attitude=3)
    evaluation = evaluation_publish(actor=officer, evaluation=evaluation)
    assert evaluation.satisfaction_score == D("53.33")
    # 50 and 53.33 at 50:30 → 51.25
    assert evaluation.total == D("51.25") and evaluation.grade == "failed"
    records = organization.credit_records.all()
    assert {r.kind for r in records} >= {CreditRecordKind.PERFORMANCE, CreditRecordKind.EXCLUSION}
    eligibility = organization_eligibility(organization)
    assert not eligibility.eligible
    exclusion = records.get(kind=CreditRecordKind.EXCLUSION)
    assert exclusion.ends_on > timezone.localdate() + dt.timedelta(days=360)
    with pytest.raises(ValidationError):
        survey_answer(token=tokens[1].token, overall=5, timeliness=5, attitude=5)


def test_good_evaluation_with_a_third_party_does_not_exclude(evaluation_setup):
    contract, officer, *_rest, evaluation = evaluation_setup
    _score_all(officer, evaluation, contract, "90")
    evaluation_record_third_party(actor=officer, evaluation=evaluation, assessor="某评估中心", score="70")
    evaluation = evaluation_publish(actor=officer, evaluation=evaluation)
    # 90 and 70 at 50:20 → 84.29
    assert evaluation.total == D("84.29") and evaluation.grade == "good"
    assert organization_eligibility(contract.organization).eligible
    with pytest.raises(ValidationError):
        evaluation_open(actor=officer, contract=contract, kind=EvaluationKind.FINAL)


def test_mid_term_evaluation_only_for_multi_year_contracts(evaluation_setup):
    contract, officer, *_ = evaluation_setup
    with pytest.raises(ValidationError) as error:
        evaluation_open(actor=officer, contract=contract, kind=EvaluationKind.MID_TERM)
    assert error.value.code == "not_multi_year"
