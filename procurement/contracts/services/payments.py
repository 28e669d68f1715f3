"""Payments against a contract: the advance (预付款, if the contract sets a share) and one payment per
accepted milestone, with the treasury's reference and date. `contract.amount_paid` is raised under a
row lock on the contract, so the total paid never exceeds the contract amount (the database checks
it as well), and the budget line counts the payment as paid."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from procurement import rules
from procurement._common import deny, refuse
from procurement.contracts.models.contracts import (
    Contract,
    Milestone,
    MilestoneStatus,
    Payment,
    PaymentKind,
)
from procurement.contracts.permissions import can_manage_contract
from procurement.contracts.transitions import PAYABLE_STATES, check_milestone_transition
from procurement.planning.services import budget_line_pay


def payable_amount(contract: Contract, *, kind: str, milestone: Milestone | None = None) -> Decimal:
    """What the share of the advance or of a milestone is worth at the contract's current amount; the
    last unpaid share is whatever is left, so the shares never leave a cent behind."""
    paid_kinds = {(p.kind, p.milestone_id) for p in contract.payments.all()}
    unpaid_shares = []
    if contract.advance_share and (PaymentKind.ADVANCE, None) not in paid_kinds:
        unpaid_shares.append((PaymentKind.ADVANCE, None))
    for m in contract.milestones.all():
        if m.payment_share and (PaymentKind.MILESTONE, m.pk) not in paid_kinds:
            unpaid_shares.append((PaymentKind.MILESTONE, m.pk))
    key = (kind, milestone.pk if milestone is not None else None)
    if unpaid_shares == [key]:
        return contract.amount - contract.amount_paid
    share = contract.advance_share if kind == PaymentKind.ADVANCE else milestone.payment_share
    return (contract.amount * share / 100).quantize(Decimal("0.01"))


def payment_date_bounds(contract: Contract) -> tuple[dt.date, dt.date]:
    """The dates a payment on `contract` may carry: from the signing (or the term's start, if
    earlier) to the term's end plus `rules.payment_days_after_term()`, and never after today."""
    earliest = contract.starts_on
    if contract.signed_at is not None:
        earliest = min(earliest, timezone.localdate(contract.signed_at))
    latest = min(contract.ends_on + dt.timedelta(days=rules.payment_days_after_term()), timezone.localdate())
    return earliest, latest


def _check_paid_on(contract: Contract, paid_on: dt.date) -> None:
    if paid_on > timezone.localdate():
        refuse({"paid_on": _("The payment date cannot be in the future.")}, code="paid_on_future")
    earliest, latest = payment_date_bounds(contract)
    if not earliest <= paid_on <= latest:
        refuse(
            {
                "paid_on": _("The payment date must lie within the contract term (%(from)s to %(to)s).")
                % {"from": earliest.isoformat(), "to": latest.isoformat()}
            },
            code="paid_on_term",
        )


@transaction.atomic
def payment_record(
    *,
    actor,
    contract: Contract,
    kind: str,
    treasury_reference: str,
    paid_on: dt.date,
    milestone: Milestone | None = None,
    amount: Decimal | None = None,
) -> Payment:
    """Record a treasury payment. The advance once; a milestone once it is accepted (then met). The
    amount defaults to the share's value and may be lower (a deduction), never higher, and never above
    what is left of the contract amount."""
    contract = Contract.objects.select_for_update(of=("self",)).select_related("tender").get(pk=contract.pk)
    if not can_manage_contract(actor, contract):
        deny(_("Only the procurement officers of the purchasing unit may do this."))
    if contract.status not in PAYABLE_STATES:
        refuse(_("Payments are recorded on a signed contract."), code="wrong_state")
    treasury_reference = (treasury_reference or "").strip()
    if not treasury_reference:
        refuse({"treasury_reference": _("Give the treasury payment reference.")})
    if paid_on is None:
        refuse({"paid_on": _("Give the payment date.")})
    _check_paid_on(contract, paid_on)
    if kind == PaymentKind.ADVANCE:
        milestone = None
        if not contract.advance_share:
            refuse(_("This contract has no advance payment."), code="no_advance")
        if contract.payments.filter(kind=PaymentKind.ADVANCE).exists():
            refuse(_("The advance has already been paid."), code="already_paid")
    elif kind == PaymentKind.MILESTONE:
        if milestone is None:
            refuse({"milestone": _("Choose the milestone paid.")})
        milestone = Milestone.objects.select_for_update().get(pk=milestone.pk)
        if milestone.contract_id != contract.pk:
            refuse({"milestone": _("Choose the milestone paid.")})
        if milestone.status == MilestoneStatus.MET or milestone.payments.exists():
            refuse(_("This milestone has already been paid."), code="already_paid")
        check_milestone_transition(
            milestone.status,
            MilestoneStatus.MET,
            message=_("Only an accepted milestone is paid."),
            code="not_accepted",
        )
    else:
        refuse({"kind": _("Choose the kind of payment.")})
    share_value = payable_amount(contract, kind=kind, milestone=milestone)
    amount = share_value if amount is None else Decimal(amount)
    if amount <= 0:
        refuse({"amount": _("The amount must be greater than zero.")})
    if amount > share_value:
        refuse(
            {"amount": _("The amount exceeds the share's value (%(value)s).") % {"value": share_value}},
            code="over_share",
        )
    outstanding = contract.amount - contract.amount_paid
    if amount > outstanding:
        refuse(
            _("The payment would exceed the contract amount: %(left)s is left to pay.")
            % {"left": outstanding},
            code="over_contract",
        )
    payment = Payment.objects.create(
        contract=contract,
        kind=kind,
        milestone=milestone,
        amount=amount,
        treasury_reference=treasury_reference,
        paid_on=paid_on,
        recorded_by=actor,
    )
    before = {"amount_paid": str(contract.amount_paid)}
    contract.amount_paid += amount
    contract.save(update_fields=["amount_paid"])
    if milestone is not None:
        milestone.status = MilestoneStatus.MET
        milestone.save(update_fields=["status"])
    budget_line_pay(actor=actor, line_id=contract.tender.budget_line_id, amount=amount)
    audit.record(
        actor=actor,
        action="payment.record",
        target=contract,
        before=before,
        after={
            "amount_paid": str(contract.amount_paid),
            "payment": payment.pk,
            "kind": kind,
            "milestone": milestone.pk if milestone else None,
            "amount": str(amount),
            "treasury_reference": treasury_reference,
            "paid_on": paid_on.isoformat(),
        },
    )
    return payment
