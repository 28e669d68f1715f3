"""Contracts from an award: parties and amount, signing window after the notice, blocked by an open
challenge, term rules, shares summing to 100%, publication within working days, amendments as rows,
the budget line's committed amount."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from audit.models import Event
from core.workdays import add_working_days
from procurement.contracts.services.amendments import contract_amend
from procurement.contracts.services.contracts import (
    contract_create,
    contract_publish,
    contract_sign,
    contract_terminate,
    contract_update,
)
from procurement.evaluation.services.result_challenges import result_challenge_answer, result_challenge_file
from procurement.models import ContractAmendment, ContractStatus, ProgressReport
from tests.procurement.bidding import pdf_with
from tests.procurement.contracting import active_contract, draft_contract, published_award, signed_contract
from tests.procurement.factories import officer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def awarded():
    return published_award()


def test_contract_takes_parties_and_amount_from_the_award_and_is_due_30_days_after_the_notice(awarded):
    award, officer, _winner, _others = awarded
    contract = draft_contract(award, officer)
    assert contract.organization_id == award.organization_id
    assert contract.department_id == award.tender.department_id
    assert contract.amount == contract.original_amount == award.amount
    assert contract.advance_share == D("10")
    assert contract.status == ContractStatus.DRAFT
    assert contract.sign_due_on == timezone.localdate(award.notice_published_at) + dt.timedelta(days=30)


def test_advance_share_defaults_to_zero(awarded):
    award, officer, *_ = awarded
    today = timezone.localdate()
    contract = contract_create(
        actor=officer, award=award, starts_on=today, ends_on=today + dt.timedelta(days=100)
    )
    assert contract.advance_share == D("0")


def test_another_departments_officer_cannot_draft_the_contract(awarded):
    award, *_ = awarded
    stranger = officer_for(None)
    with pytest.raises(PermissionDenied):
        draft_contract(award, stranger)


def test_term_is_one_year_at_most_unless_continuing_service_with_a_reason(awarded):
    award, officer, *_ = awarded
    start = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        contract_create(actor=officer, award=award, starts_on=start, ends_on=start + dt.timedelta(days=400))
    assert error.value.code == "term"
    with pytest.raises(ValidationError):
        contract_create(
            actor=officer, award=award, starts_on=start, ends_on=start + dt.timedelta(days=700),
            is_continuing_service=True,
        )  # fmt: skip
    contract = contract_create(
        actor=officer, award=award, starts_on=start, ends_on=start + dt.timedelta(days=700),
        is_continuing_service=True, continuing_reason="居家养老服务需连续提供",
    )  # fmt: skip
    assert contract.ends_on == start + dt.timedelta(days=700)


def test_signing_needs_the_advance_and_milestone_shares_to_sum_to_100(awarded):
    award, officer, *_ = awarded
    contract = draft_contract(award, officer, advance="10", shares=("40", "40"))
    with pytest.raises(ValidationError) as error:
        contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("x", name="c.pdf"))
    assert error.value.code == "incomplete"
    assert "90" in " ".join(error.value.messages)
    contract_update(actor=officer, contract=contract, advance_share=D("20"))
    contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("x", name="c.pdf"))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED


def test_signing_is_blocked_while_a_challenge_claiming_the_result_is_wrong_is_open(awarded):
    award, officer, _winner, others = awarded
    challenge = result_challenge_file(actor=others[0], award=award, text="评分有误，请复核")
    contract = draft_contract(award, officer)
    with pytest.raises(ValidationError) as error:
        contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("x", name="c.pdf"))
    assert error.value.code == "challenge_open"
    result_challenge_answer(
        actor=officer, challenge=challenge.challenge, answer="经复核，评分无误。", outcome="dismissed"
    )
    contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("x", name="c.pdf"))
    contract.refresh_from_db()
    assert contract.status == ContractStatus.SIGNED


def test_signing_commits_the_amount_on_the_budget_line_and_sets_the_publication_due_date(awarded):
    award, officer, *_ = awarded
    line = award.tender.budget_line
    line.refresh_from_db()
    reserved_before = line.reserved_amount
    contract = signed_contract(award, officer)
    line.refresh_from_db()
    assert line.committed_amount == contract.amount
    assert line.reserved_amount == reserved_before - award.amount
    assert contract.publish_due_on == add_working_days(timezone.localdate(contract.signed_at), 2)
    assert Event.objects.filter(action="contract.sign", object_id=str(contract.pk)).exists()


def test_publication_creates_the_progress_reports_of_the_schedule(awarded):
    award, officer, *_ = awarded
    contract = active_contract(award, officer, report_schedule="quarterly")
    assert contract.status == ContractStatus.ACTIVE and contract.published_at is not None
    reports = list(ProgressReport.objects.filter(contract=contract).order_by("number"))
    assert len(reports) == 4  # 300 days: four quarters
    assert reports[0].period_start == contract.starts_on
    assert reports[-1].period_end == contract.ends_on
    assert reports[0].due_on == add_working_days(reports[0].period_end, 5)


def test_amendments_are_new_rows_and_the_current_amount_follows_them(awarded):
    award, officer, *_ = awarded
    contract = active_contract(award, officer)
    original = contract.amount
    old_target = contract.targets.get(name="满意率")
    first = contract_amend(
        actor=officer, contract=contract, reason="服务对象增加", amount=original + D("50000"),
        add_targets=[{"name": "满意率（调整）", "measure": "≥ 95%", "weight": 40}], retire_targets=[old_target],
        targets_change="满意率目标提高至95%",
    )  # fmt: skip
    contract.refresh_from_db()
    second = contract_amend(
        actor=officer,
        contract=contract,
        reason="延长服务期",
        ends_on=contract.ends_on + dt.timedelta(days=30),
    )
    contract.refresh_from_db()
    assert [a.number for a in ContractAmendment.objects.filter(contract=contract)] == [1, 2]
    assert (first.amount_before, first.amount_after) == (original, original + D("50000"))
    assert second.amount_before == second.amount_after == contract.amount == original + D("50000")
    assert contract.original_amount == original
    assert contract.ends_on == second.ends_on_after
    old_target.refresh_from_db()
    assert old_target.retired_by_id == first.pk
    assert set(contract.targets.filter(retired_by__isnull=True).values_list("name", flat=True)) == {
        "服务人次",
        "满意率（调整）",
    }
    line = award.tender.budget_line
    line.refresh_from_db()
    assert line.committed_amount == contract.amount


def test_an_amendment_needs_a_reason_and_a_change(awarded):
    award, officer, *_ = awarded
    contract = active_contract(award, officer)
    with pytest.raises(ValidationError):
        contract_amend(actor=officer, contract=contract, reason="", amount=contract.amount + 1)
    with pytest.raises(ValidationError) as error:
        contract_amend(actor=officer, contract=contract, reason="无变化")
    assert error.value.code == "no_change"


def test_a_draft_cannot_be_published_and_a_signed_contract_is_not_edited_in_place(awarded):
    award, officer, *_ = awarded
    contract = draft_contract(award, officer)
    with pytest.raises(ValidationError):
        contract_publish(actor=officer, contract=contract)
    contract = signed_contract_from(contract, officer)
    with pytest.raises(ValidationError):
        contract_update(actor=officer, contract=contract, title="改名")


def signed_contract_from(contract, officer):
    contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("x", name="c.pdf"))
    contract.refresh_from_db()
    return contract


def test_termination_of_a_draft_gives_back_the_reservation(awarded):
    award, officer, *_ = awarded
    contract = draft_contract(award, officer)
    line = award.tender.budget_line
    line.refresh_from_db()
    reserved = line.reserved_amount
    contract_terminate(actor=officer, contract=contract, reason="中标人放弃签约")
    line.refresh_from_db()
    contract.refresh_from_db()
    assert contract.status == ContractStatus.TERMINATED
    assert line.reserved_amount == reserved - award.amount


def test_signing_refuses_a_milestone_due_before_the_term_starts(awarded):
    """The same "due within the term" rule as when the milestone was added: a start moved past a
    milestone's due date blocks the signing."""
    award, officer, *_ = awarded
    contract = draft_contract(award, officer)
    first_due = contract.milestones.order_by("due_on").first().due_on
    contract_update(actor=officer, contract=contract, starts_on=first_due + dt.timedelta(days=1))
    with pytest.raises(ValidationError) as error:
        contract_sign(actor=officer, contract=contract, signed_copy=pdf_with("x", name="c.pdf"))
    assert error.value.code == "incomplete"
    assert error.value.messages == [gettext("Every milestone must be due within the term of the contract.")]
    contract.refresh_from_db()
    assert contract.status == ContractStatus.DRAFT
