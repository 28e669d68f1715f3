"""Demo data of purchasing plans: the 养老服务处 plan of this year with budget lines, some with
their purchase intention public long enough for a call to be approved. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.models import Department, ServiceCategory
from procurement.planning.models import BudgetLine, FundingSource, PurchasingPlan
from procurement.planning.services import budget_line_save, method_ensure_defaults, plan_save

DEPARTMENT = "mzj-elderly"
LINES = [
    # title, category code, catalogue item, amount, funding, intention public N days ago (None: not yet)
    ("居家养老上门服务", "elderly", "居家养老上门服务", "1200000", FundingSource.GENERAL_BUDGET, 40),
    ("社区老年助餐服务", "elderly", "老年人助餐服务", "600000", FundingSource.LOTTERY_WELFARE_FUND, 40),
    ("失能老人照护培训", "elderly", "失能老人照护", "300000", FundingSource.GENERAL_BUDGET, None),
    ("社区养老服务综合项目", "elderly", "社区日间照料", "3000000", FundingSource.GENERAL_BUDGET, 45),
]


def demo_budget_lines():
    """The demo plan's budget lines (this year's plan of the demo department)."""
    return BudgetLine.objects.filter(
        plan__department__code=DEPARTMENT, plan__year=timezone.localdate().year
    ).order_by("sort_order", "pk")


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def seed(stdout=None) -> None:
    """The demo department's plan of this year and its budget lines."""
    method_ensure_defaults()
    department = Department.objects.get(code=DEPARTMENT)
    officer = User.objects.get(username="officer")
    year = timezone.localdate().year
    plan = PurchasingPlan.objects.filter(department=department, year=year).first()
    if plan is None:
        plan = plan_save(
            actor=officer,
            instance=PurchasingPlan(
                department=department, year=year, title=f"{department.name}{year}年度政府购买服务计划"
            ),
        )
    now = timezone.now()
    for order, (title, category, item, amount, funding, days_ago) in enumerate(LINES, start=1):
        line = BudgetLine.objects.filter(plan=plan, title=title).first()
        if line is None:
            parent = ServiceCategory.objects.get(code=category)
            line = budget_line_save(
                actor=officer,
                instance=BudgetLine(
                    plan=plan,
                    title=title,
                    category=parent,
                    catalogue_item=ServiceCategory.objects.get(parent=parent, name=item),
                    amount=Decimal(amount),
                    funding_source=funding,
                    planned_start=timezone.localdate() + dt.timedelta(days=20),
                    description=f"面向辖区老年人的{item}。",
                    sort_order=order,
                ),
            )
            if days_ago is not None:
                # Demo only: the intention has been public long enough for a call to be approved.
                BudgetLine.objects.filter(pk=line.pk).update(
                    intention_published_at=now - dt.timedelta(days=days_ago)
                )
    _say(stdout, "Procurement demo: plan and budget lines ready.\n")
