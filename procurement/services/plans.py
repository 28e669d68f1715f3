"""Purchasing plans and their budget lines (purchase intentions)."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

import audit
from procurement.models import BudgetLine, PurchasingPlan
from procurement.permissions import can_manage_department, can_manage_plan
from procurement.services._common import deny, refuse, summary


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
