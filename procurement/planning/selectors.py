"""Reads of planning, filtered for the acting user where it matters."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from accounts.roles import Role
from procurement.planning.models import BudgetLine, PurchasingPlan
from procurement.planning.permissions import is_procurement_reader, is_procurement_staff


def plans_for_staff(user) -> QuerySet[PurchasingPlan]:
    """Plans an officer manages (their department's; all for superusers)."""
    qs = PurchasingPlan.objects.select_related("department")
    if user.is_superuser or is_procurement_reader(user):
        # Approvers and supervisors read every department's plans; actions stay refused.
        return qs
    if not is_procurement_staff(user):
        return qs.none()
    return qs.filter(department_id=user.department_id)


def public_plan(plan_id: int) -> PurchasingPlan:
    """A plan with its purchasing unit, for its public page."""
    return PurchasingPlan.objects.select_related("department").get(pk=plan_id)


def public_intentions(plan_id: int) -> QuerySet[BudgetLine]:
    """A plan's lines made public as purchase intentions (category, catalogue item), in the plan's
    order: its public page shows them a page at a time (a large unit's plan holds hundreds)."""
    return (
        BudgetLine.objects.filter(plan_id=plan_id, intention_published_at__isnull=False)
        .select_related("category", "catalogue_item")
        .order_by("sort_order", "pk")
    )


def department_officers(department_id) -> list:
    """The active procurement officers of a purchasing unit (who are told about its records)."""
    return list(
        get_user_model()
        .objects.filter(
            is_active=True, department_id=department_id, groups__name=Role.PROCUREMENT_OFFICER.value
        )
        .distinct()
    )
