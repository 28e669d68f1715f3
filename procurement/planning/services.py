"""Purchasing plans and their budget lines (purchase intentions)."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from procurement import rules
from procurement._common import deny, refuse, summary
from procurement.planning.models import BudgetLine, ProcurementMethod, PurchasingPlan
from procurement.planning.permissions import can_configure_methods, can_manage_department, can_manage_plan


@transaction.atomic
def plan_save(*, actor, instance: PurchasingPlan) -> PurchasingPlan:
    """Create or update a plan of the actor's department."""
    if not can_manage_department(actor, instance.department_id):
        deny(_("You may only manage the plans of your own purchasing unit."))
    before = {}
    if instance.pk:
        old = PurchasingPlan.objects.select_for_update().get(pk=instance.pk)
        if old.department_id != instance.department_id and not can_manage_plan(actor, old):
            deny()
        before = summary(old)
    else:
        instance.created_by = actor
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action="purchasingplan.update" if before else "purchasingplan.create",
        target=instance,
        before=before,
        after=summary(instance),
    )
    return instance


@transaction.atomic
def budget_line_save(*, actor, instance: BudgetLine) -> BudgetLine:
    """Create or update a budget line. The amount may not drop below what tenders and contracts
    already hold on it; the catalogue item must belong to the line's category."""
    plan = PurchasingPlan.objects.get(pk=instance.plan_id)
    if not can_manage_plan(actor, plan):
        deny(_("You may only manage the plans of your own purchasing unit."))
    before = {}
    if instance.pk:
        old = BudgetLine.objects.select_for_update().get(pk=instance.pk)
        if old.plan_id != instance.plan_id:
            refuse(_("A budget line cannot move to another plan."))
        before = summary(old)
        # The amounts held are the locked row's, never the form's.
        instance.reserved_amount = old.reserved_amount
        instance.committed_amount = old.committed_amount
        instance.paid_amount = old.paid_amount
        instance.intention_published_at = old.intention_published_at
    problems = []
    if instance.category_id and instance.category.parent_id is not None:
        problems.append(_("Choose one of the top-level service categories."))
    if instance.catalogue_item_id and instance.catalogue_item.parent_id != instance.category_id:
        problems.append(_("The catalogue item does not belong to the chosen category."))
    if instance.amount is not None and instance.amount < instance.reserved_amount + instance.committed_amount:
        problems.append(
            _("The amount cannot be less than what tenders and contracts already hold (%(held)s).")
            % {"held": instance.reserved_amount + instance.committed_amount}
        )
    if problems:
        refuse(problems)
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action="budgetline.update" if before else "budgetline.create",
        target=instance,
        before=before,
        after=summary(instance),
    )
    return instance


@transaction.atomic
def plan_publish_intentions(
    *, actor, plan: PurchasingPlan, at: dt.datetime | None = None
) -> list[BudgetLine]:
    """Mark the plan's not-yet-public lines as public purchase intentions from `at` (default now).
    Called when the plan's page is published; the notice period of `rules.intention_notice_days()`
    runs from this moment."""
    at = at or timezone.now()
    lines = list(
        BudgetLine.objects.select_for_update().filter(plan=plan, intention_published_at__isnull=True)
    )
    for line in lines:
        line.intention_published_at = at
        line.save(update_fields=["intention_published_at"])
    if lines:
        audit.record(
            actor=actor,
            action="purchasingplan.publish_intentions",
            target=plan,
            after={"lines": [line.pk for line in lines], "at": at.isoformat()},
        )
    return lines


def method_ensure_defaults() -> list[ProcurementMethod]:
    """Create the method rows that do not exist yet from `rules.method_defaults()` (idempotent; rows
    the bureau has edited are left alone). Setup, run after migrate and by the demo seed."""
    created = []
    for rule in rules.method_defaults():
        values = asdict(rule)
        code = values.pop("code")
        method, was_created = ProcurementMethod.objects.get_or_create(code=code, defaults=values)
        if was_created:
            created.append(method)
    return created


@transaction.atomic
def method_save(*, actor, instance: ProcurementMethod) -> ProcurementMethod:
    """Change a method's numbers (bureau administrators only)."""
    if not can_configure_methods(actor):
        deny(_("Only system administrators may change procurement methods."))
    before = {}
    if instance.pk:
        old = ProcurementMethod.objects.select_for_update().filter(pk=instance.pk).first()
        before = summary(old) if old else {}
    instance.full_clean()
    instance.save()
    audit.record(
        actor=actor,
        action="procurementmethod.update" if before else "procurementmethod.create",
        target=instance,
        before=before,
        after=summary(instance),
    )
    return instance


def _lock_line(line_id: int) -> BudgetLine:
    return BudgetLine.objects.select_for_update().get(pk=line_id)


def _amounts(line: BudgetLine) -> dict:
    return {"reserved": str(line.reserved_amount), "committed": str(line.committed_amount)}


def _lock_lot(lot):
    """The tender's lot (tendering's `Lot`, reached through the object the caller passes: planning
    imports no room to its right), locked, with its tender."""
    return type(lot)._default_manager.select_for_update(of=("self",)).select_related("tender").get(pk=lot.pk)


@transaction.atomic
def budget_line_reserve(*, actor, tender) -> BudgetLine:
    """Reserve each lot's ceiling on the tender's budget line (at approval for publication)."""
    line = _lock_line(tender.budget_line_id)
    before = _amounts(line)
    lots = list(tender.lots.select_for_update())
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
    queryset = tender.lots.select_for_update()
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
def budget_line_award(*, actor, lot, amount: Decimal) -> BudgetLine:
    """Replace the lot's reservation by the award amount (which may not exceed the lot's ceiling).
    Called by the award service; calling it again with another amount replaces the previous one."""
    amount = Decimal(amount)
    lot = _lock_lot(lot)
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
def budget_line_commit(*, actor, lot, amount: Decimal) -> BudgetLine:
    """A signed contract: the lot's reservation is released and the contract amount is committed."""
    amount = Decimal(amount)
    lot = _lock_lot(lot)
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
