"""Milestones (submission with documents, acceptance or rejection with reasons, resubmission,
recipients' opinions where required) and payments (the advance, accepted milestones only, the cap
under the service and as a database check, the budget line's paid amount)."""

import datetime as dt
from decimal import Decimal as D

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from core.documents import documents_of
from procurement.contracts.services.amendments import contract_amend
from procurement.contracts.services.milestones import (
    milestone_accept,
    milestone_reject,
    milestone_submit,
    recipient_opinion_record,
)
from procurement.contracts.services.payments import payment_record
from procurement.models import Contract, MilestoneStatus, PaymentKind, SubmissionDecision
from tests.procurement.bidding import pdf_with
from tests.procurement.contracting import accepted_milestone, active_contract, published_award

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    award, officer, winner, others = published_award()
    contract = active_contract(award, officer)
    return contract, officer, winner, others


def test_rejected_deliverable_is_resubmitted_and_both_submissions_stay(setup):
    contract, officer, winner, _ = setup
    milestone = contract.milestones.order_by("number").first()
    first = milestone_submit(
        actor=winner, milestone=milestone, text="第一阶段台账", files=[pdf_with("ledger", name="ledger.pdf")]
    )
    assert documents_of(first).count() == 1
    with pytest.raises(ValidationError):
        milestone_reject(actor=officer, milestone=milestone, reason="")
    milestone_reject(actor=officer, milestone=milestone, reason="台账缺少签名")
    milestone.refresh_from_db()
    assert milestone.status == MilestoneStatus.REJECTED
    milestone_submit(actor=winner, milestone=milestone, text="补充签名后的台账")
    milestone_accept(actor=officer, milestone=milestone)
    milestone.refresh_from_db()
    decisions = list(milestone.submissions.order_by("pk").values_list("decision", "decision_reason"))
    assert decisions == [(SubmissionDecision.REJECTED, "台账缺少签名"), (SubmissionDecision.ACCEPTED, "")]
    assert milestone.status == MilestoneStatus.ACCEPTED and milestone.accepted_at is not None


def test_only_the_contracted_organization_submits_deliverables(setup):
    contract, _officer, _winner, others = setup
    with pytest.raises(PermissionDenied):
        milestone_submit(actor=others[0], milestone=contract.milestones.first(), text="冒名提交")


def test_acceptance_waits_for_recipients_opinions_where_the_contract_requires_them():
    award, officer, winner, _ = published_award()
    contract = active_contract(award, officer, requires_recipient_opinion=True)
    milestone = contract.milestones.order_by("number").first()
    milestone_submit(actor=winner, milestone=milestone, text="阶段成果")
    with pytest.raises(ValidationError) as error:
        milestone_accept(actor=officer, milestone=milestone)
    assert error.value.code == "opinion_required"
    recipient_opinion_record(
        actor=officer, milestone=milestone, recipient="社区老人代表", opinion="服务及时，态度好。"
    )
    milestone_accept(actor=officer, milestone=milestone)


def test_payments_need_an_accepted_milestone_and_mark_it_met(setup):
    contract, officer, winner, _ = setup
    milestone = contract.milestones.order_by("number").first()
    with pytest.raises(ValidationError) as error:
        payment_record(
            actor=officer, contract=contract, kind=PaymentKind.MILESTONE, milestone=milestone,
            treasury_reference="GK-1", paid_on=timezone.localdate(),
        )  # fmt: skip
    assert error.value.code == "not_accepted"
    accepted_milestone(contract, officer, winner, milestone)
    payment = payment_record(
        actor=officer, contract=contract, kind=PaymentKind.MILESTONE, milestone=milestone,
        treasury_reference="GK-1", paid_on=timezone.localdate(),
    )  # fmt: skip
    milestone.refresh_from_db()
    contract.refresh_from_db()
    assert payment.amount == (contract.amount * D("0.40")).quantize(D("0.01"))
    assert milestone.status == MilestoneStatus.MET
    assert contract.amount_paid == payment.amount
    with pytest.raises(ValidationError) as error:
        payment_record(
            actor=officer, contract=contract, kind=PaymentKind.MILESTONE, milestone=milestone,
            treasury_reference="GK-2", paid_on=timezone.localdate(),
        )  # fmt: skip
    assert error.value.code == "already_paid"


def test_every_share_paid_adds_up_to_exactly_the_amount_and_the_budget_line_shows_it(setup):
    contract, officer, winner, _ = setup
    payment_record(
        actor=officer,
        contract=contract,
        kind=PaymentKind.ADVANCE,
        treasury_reference="GK-0",
        paid_on=timezone.localdate(),
    )
    for milestone in contract.milestones.order_by("number"):
        accepted_milestone(contract, officer, winner, milestone)
        payment_record(
            actor=officer, contract=contract, kind=PaymentKind.MILESTONE, milestone=milestone,
            treasury_reference=f"GK-{milestone.number}", paid_on=timezone.localdate(),
        )  # fmt: skip
    contract.refresh_from_db()
    assert contract.amount_paid == contract.amount
    line = contract.tender.budget_line
    line.refresh_from_db()
    assert line.paid_amount == contract.amount == line.committed_amount


def test_the_service_refuses_a_payment_above_what_is_left(setup):
    contract, officer, winner, _ = setup
    contract_amend(actor=officer, contract=contract, reason="减少服务量", amount=contract.amount / 2)
    contract.refresh_from_db()
    milestone = contract.milestones.order_by("number").first()
    accepted_milestone(contract, officer, winner, milestone)
    payment_record(
        actor=officer,
        contract=contract,
        kind=PaymentKind.ADVANCE,
        treasury_reference="GK-0",
        paid_on=timezone.localdate(),
    )
    payment_record(
        actor=officer, contract=contract, kind=PaymentKind.MILESTONE, milestone=milestone,
        treasury_reference="GK-1", paid_on=timezone.localdate(),
    )  # fmt: skip
    contract.refresh_from_db()
    with pytest.raises(ValidationError) as error:
        contract_amend(actor=officer, contract=contract, reason="再减", amount=contract.amount_paid - 1)
    assert error.value.code == "below_paid"
    second = contract.milestones.order_by("number")[1]
    accepted_milestone(contract, officer, winner, second)
    with pytest.raises(ValidationError) as error:
        payment_record(
            actor=officer, contract=contract, kind=PaymentKind.MILESTONE, milestone=second,
            treasury_reference="GK-2", paid_on=timezone.localdate(), amount=contract.amount,
        )  # fmt: skip
    assert error.value.code in ("over_share", "over_contract")


def test_the_database_refuses_amount_paid_above_the_amount(setup):
    contract, *_ = setup
    with pytest.raises(IntegrityError), transaction.atomic():
        Contract.objects.filter(pk=contract.pk).update(amount_paid=contract.amount + D("0.01"))


def test_no_advance_is_paid_when_the_contract_sets_none():
    award, officer, _winner, _ = published_award()
    contract = active_contract(award, officer, advance="0", shares=("50", "50"))
    with pytest.raises(ValidationError) as error:
        payment_record(
            actor=officer, contract=contract, kind=PaymentKind.ADVANCE, treasury_reference="GK-0",
            paid_on=dt.date.today(),
        )  # fmt: skip
    assert error.value.code == "no_advance"
