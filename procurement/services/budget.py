"""Budget arithmetic on a budget line, always under a row lock on the line:

- approval for publication reserves the tender's ceiling (per lot);
- a failed or cancelled tender (or lot) releases its reservation;
- an award replaces the lot's reservation by the award amount;
- a signed contract commits its amount (releasing the lot's reservation), amendments change it;
- payments count as paid (never above the committed amount).

reserved + committed never exceeds the line's amount: the services refuse it and a database check
constraint enforces it."""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

import audit
from procurement.models import BudgetLine, Lot
from procurement.services._common import refuse


def _lock_line(line_id: int) -> BudgetLine:
    return BudgetLine.objects.select_for_update().get(pk=line_id)


def _amounts(line: BudgetLine) -> dict:
    return {"reserved": str(line.reserved_amount), "committed": str(line.committed_amount)}


@transaction.atomic
def budget_line_reserve(*, actor, tender) -> BudgetLine:
    """Reserve each lot's ceiling on the tender's budget line (at approval for publication)."""
    line = _lock_line(tender.budget_line_id)
    before = _amounts(line)
    lots = list(Lot.objects.select_for_update().filter(tender=tender))
    needed = sum((lot.ceiling - lot.reserved_amount for lot in lots), Decimal("0"))
    if needed > line.available_amount:
        refuse(
            _("The ceiling exceeds what is left on the budget line (%(available)s).")
            % {"available": line.available_amount},
            code="budget_exceeded",
        )
    for lot in lots:
        if lot.reserved_amount != lot.ceiling:
            lot.reserved_amount = lot.ceiling
            lot.save(update_fields=["reserved_amount"])
    line.reserved_amount += needed
    line.save(update_fields=["reserved_amount"])
    audit.record(
        actor=actor, action="budgetline.reserve", target=line, before=before,
        after={**_amounts(line), "tender": tender.pk, "amount": str(needed)},
    )  # fmt: skip
    return line


@transaction.atomic
def budget_line_release(*, actor, tender, lots=None) -> BudgetLine:
    """Release what the tender's lots (all, or `lots`) hold on the line (tender failed or cancelled)."""
    line = _lock_line(tender.budget_line_id)
    before = _amounts(line)
    queryset = Lot.objects.select_for_update().filter(tender=tender)
    if lots is not None:
        queryset = queryset.filter(pk__in=[lot.pk for lot in lots])
    released = Decimal("0")
    for lot in queryset:
        released += lot.reserved_amount
        if lot.reserved_amount:
            lot.reserved_amount = Decimal("0")
            lot.save(update_fields=["reserved_amount"])
    line.reserved_amount -= released
    line.save(update_fields=["reserved_amount"])
    audit.record(
        actor=actor, action="budgetline.release", target=line, before=before,
        after={**_amounts(line), "tender": tender.pk, "amount": str(released)},
    )  # fmt: skip
    return line


@transaction.atomic
def budget_line_award(*, actor, lot: Lot, amount: Decimal) -> BudgetLine:
    """Replace the lot's reservation by the award amount (which may not exceed the lot's ceiling).
    Called by the award service; calling it again with another amount replaces the previous one."""
    amount = Decimal(amount)
    lot = Lot.objects.select_for_update(of=("self",)).select_related("tender").get(pk=lot.pk)
    line = _lock_line(lot.tender.budget_line_id)
    before = _amounts(line)
    if amount <= 0:
        refuse(_("The award amount must be greater than zero."))
    if amount > lot.ceiling:
        refuse(
            _("The award amount %(amount)s exceeds the lot's ceiling %(ceiling)s.")
            % {"amount": amount, "ceiling": lot.ceiling},
            code="budget_exceeded",
        )
    if lot.reserved_amount == 0 and lot.awarded_amount is None:
        refuse(_("This lot holds no reservation on the budget line."))
    delta = amount - lot.reserved_amount
    if delta > line.available_amount:
        refuse(_("The award amount exceeds what is left on the budget line."), code="budget_exceeded")
    line.reserved_amount += delta
    line.save(update_fields=["reserved_amount"])
    lot.reserved_amount = amount
    lot.awarded_amount = amount
    lot.save(update_fields=["reserved_amount", "awarded_amount"])
    audit.record(
        actor=actor, action="budgetline.award", target=line, before=before,
        after={**_amounts(line), "lot": lot.pk, "amount": str(amount)},
    )  # fmt: skip
    return line


@transaction.atomic
def budget_line_commit(*, actor, lot: Lot, amount: Decimal) -> BudgetLine:
    """A signed contract: the lot's reservation is released and the contract amount is committed."""
    amount = Decimal(amount)
    lot = Lot.objects.select_for_update(of=("self",)).select_related("tender").get(pk=lot.pk)
    line = _lock_line(lot.tender.budget_line_id)
    before = _amounts(line)
    if amount - lot.reserved_amount > line.available_amount:
        refuse(_("The contract amount exceeds what is left on the budget line."), code="budget_exceeded")
    line.reserved_amount -= lot.reserved_amount
    line.committed_amount += amount
    line.save(update_fields=["reserved_amount", "committed_amount"])
    if lot.reserved_amount:
        lot.reserved_amount = Decimal("0")
        lot.save(update_fields=["reserved_amount"])
    audit.record(
        actor=actor, action="budgetline.commit", target=line, before=before,
        after={**_amounts(line), "lot": lot.pk, "amount": str(amount)},
    )  # fmt: skip
    return line


@transaction.atomic
def budget_line_commit_change(*, actor, line_id: int, delta: Decimal, reason: str = "") -> BudgetLine:
    """A contract amendment (or termination) changes the committed amount by `delta`."""
    delta = Decimal(delta)
    line = _lock_line(line_id)
    before = _amounts(line)
    if delta > line.available_amount:
        refuse(_("The new amount exceeds what is left on the budget line."), code="budget_exceeded")
    if line.committed_amount + delta < line.paid_amount:
        refuse(_("The committed amount cannot fall below what has been paid."))
    line.committed_amount += delta
    line.save(update_fields=["committed_amount"])
    audit.record(
        actor=actor, action="budgetline.commit_change", target=line, before=before,
        after={**_amounts(line), "delta": str(delta), "reason": reason},
    )  # fmt: skip
    return line


@transaction.atomic
def budget_line_pay(*, actor, line_id: int, amount: Decimal) -> BudgetLine:
    """A payment against a contract counts as paid on its budget line (never above the committed)."""
    amount = Decimal(amount)
    line = _lock_line(line_id)
    before = {**_amounts(line), "paid": str(line.paid_amount)}
    if line.paid_amount + amount > line.committed_amount:
        refuse(_("The payment exceeds what is committed on the budget line."), code="budget_exceeded")
    line.paid_amount += amount
    line.save(update_fields=["paid_amount"])
    audit.record(
        actor=actor, action="budgetline.pay", target=line, before=before,
        after={**_amounts(line), "paid": str(line.paid_amount), "amount": str(amount)},
    )  # fmt: skip
    return line
