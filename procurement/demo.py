"""Demo data of purchase of services: the 养老服务处 plan with budget lines and a few tenders in
early states (drafts; `cms.demo` submits one through the approval workflow). Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.models import Department, ServiceCategory
from procurement import services
from procurement.models import BudgetLine, FundingSource, ProcurementMethod, PurchasingPlan, Tender

DEPARTMENT = "mzj-elderly"
LINES = [
    # title, category code, catalogue item, amount, funding, intention public N days ago (None: not yet)
    ("居家养老上门服务", "elderly", "居家养老上门服务", "1200000", FundingSource.GENERAL_BUDGET, 40),
    ("社区老年助餐服务", "elderly", "老年人助餐服务", "600000", FundingSource.LOTTERY_WELFARE_FUND, 40),
    ("失能老人照护培训", "elderly", "失能老人照护", "300000", FundingSource.GENERAL_BUDGET, None),
]
SHEET = [
    {"name": "价格", "max_points": "30", "is_price": True, "is_objective": True},
    {"name": "服务方案与实施计划", "max_points": "35"},
    {"name": "项目团队与专业社工配备", "max_points": "20"},
    {"name": "同类项目服务业绩", "max_points": "10", "is_objective": True},
    {"name": "服务对象满意度保障措施", "max_points": "5"},
]
TENDERS = [
    # title, line title, method code, ceiling, days to deadline, sheet price points
    ("2026年居家养老上门服务采购项目", "居家养老上门服务", "open_tender", "1000000", 25),
    ("社区老年助餐点运营服务采购项目", "社区老年助餐服务", "competitive_consultation", "500000", 15),
]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def seed(stdout=None) -> None:
    services.method_ensure_defaults()
    department = Department.objects.get(code=DEPARTMENT)
    officer = User.objects.get(username="officer")
    year = timezone.localdate().year
    plan = PurchasingPlan.objects.filter(department=department, year=year).first()
    if plan is None:
        plan = services.plan_save(
            actor=officer,
            instance=PurchasingPlan(
                department=department, year=year, title=f"{department.name}{year}年度政府购买服务计划"
            ),
        )
    now = timezone.now()
    lines = {}
    for order, (title, category, item, amount, funding, days_ago) in enumerate(LINES, start=1):
        line = BudgetLine.objects.filter(plan=plan, title=title).first()
        if line is None:
            parent = ServiceCategory.objects.get(code=category)
            line = services.budget_line_save(
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
        lines[title] = line
    for title, line_title, method_code, ceiling, days in TENDERS:
        if Tender.objects.filter(title=title).exists():
            continue
        tender = services.tender_create(
            actor=officer,
            instance=Tender(
                title=title,
                department=department,
                budget_line=lines[line_title],
                method=ProcurementMethod.objects.get(code=method_code),
                ceiling=Decimal(ceiling),
                service_description="为辖区内老年人提供专业化社会服务，服务标准详见采购文件。",
                service_period_start=timezone.localdate() + dt.timedelta(days=days + 20),
                service_period_end=timezone.localdate() + dt.timedelta(days=days + 20 + 364),
                location="南京市玄武区",
                min_grade=3 if method_code == "open_tender" else None,
                contact_name="李强",
                contact_phone="025-83000000",
                bid_deadline=(now + dt.timedelta(days=days)).replace(
                    hour=9, minute=30, second=0, microsecond=0
                ),
            ),
        )
        services.scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=SHEET)
    _say(stdout, "Procurement demo: plan, budget lines and draft tenders ready.\n")
