"""Demo data of purchase of services: the 养老服务处 plan with budget lines, a few tenders in early
states (drafts; `cms.demo` submits one through the approval workflow) and, once the register's
demo organizations exist, tenders in every later state with sealed bids — some unopened, some
opened by the same service the scheduler runs, one failed (流标). Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.models import User
from core.models import Department, ServiceCategory
from procurement import services
from procurement.models import (
    BudgetLine,
    FundingSource,
    ProcurementMethod,
    PurchasingPlan,
    Tender,
    TenderStatus,
)

DEPARTMENT = "mzj-elderly"
LINES = [
    # title, category code, catalogue item, amount, funding, intention public N days ago (None: not yet)
    ("居家养老上门服务", "elderly", "居家养老上门服务", "1200000", FundingSource.GENERAL_BUDGET, 40),
    ("社区老年助餐服务", "elderly", "老年人助餐服务", "600000", FundingSource.LOTTERY_WELFARE_FUND, 40),
    ("失能老人照护培训", "elderly", "失能老人照护", "300000", FundingSource.GENERAL_BUDGET, None),
    ("社区养老服务综合项目", "elderly", "社区日间照料", "3000000", FundingSource.GENERAL_BUDGET, 45),
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
    seed_bids(stdout=stdout, line=lines["社区养老服务综合项目"])


# Tenders with bids, by the state they end in. Bidders are demo organizations (orgs.demo) by index:
# 0 is orgmember's 玄武区阳光养老服务中心; 0 and 10 share a legal representative (both become
# non-responsive at opening, so that tender fails).
BID_TENDERS = [
    # title, final state, ceiling, [(organization index, price)]
    (
        "社区嵌入式养老服务站运营项目",
        TenderStatus.PUBLISHED,
        "400000",
        [(0, "368000"), (1, "372500"), (29, "355000")],
    ),
    (
        "老年人能力综合评估服务项目",
        TenderStatus.OPENED,
        "300000",
        [(0, "268000"), (1, "281000"), (9, "259800"), (29, "290000")],
    ),
    (
        "养老机构服务质量第三方评估项目",
        TenderStatus.EVALUATING,
        "300000",
        [(1, "275000"), (9, "262000"), (29, "284000")],
    ),
    (
        "居家适老化改造评估服务项目",
        TenderStatus.AWARDED,
        "300000",
        [(0, "258000"), (1, "266000"), (29, "279000")],
    ),
    ("独居老人关爱探访服务项目", TenderStatus.FAILED, "200000", [(0, "188000"), (10, "191000")]),
    ("老年人防范电信诈骗宣传服务项目", TenderStatus.SUSPENDED, "150000", [(9, "139000")]),
    ("社区老年大学课程服务项目", TenderStatus.CANCELLED, "150000", []),
    ("认知症老人照护者支持服务项目", TenderStatus.PENDING_APPROVAL, "250000", []),
]
# Submitted to the approval workflow by `cms.demo` (it starts the workflow on the call's page).
PENDING_TITLES = [row[0] for row in BID_TENDERS if row[1] == TenderStatus.PENDING_APPROVAL]


def _bidder_user(organization, index: int):
    """A member of the demo organization (orgmember for organization 0)."""
    from django.conf import settings

    from accounts.services import user_signup
    from orgs.models import Membership
    from orgs.services import membership_add

    membership = Membership.objects.filter(organization=organization).select_related("user").first()
    if membership is not None:
        return membership.user
    username = f"bidder{index:02d}"
    user = User.objects.filter(username=username).first() or user_signup(
        username=username, password=settings.DEMO_PASSWORD, display_name=f"{organization.name}投标专员"
    )
    membership_add(actor=None, organization=organization, user=user)
    return user


def seed_bids(stdout=None, *, line) -> None:
    """Tenders in every later state with sealed bids. Runs once the register's demo exists."""
    from orgs.demo import ORGANIZATIONS
    from orgs.models import Organization

    names = [row[0] for row in ORGANIZATIONS]
    if not Organization.objects.filter(name=names[0]).exists():
        return  # the register's demo runs later and calls this again
    department = Department.objects.get(code=DEPARTMENT)
    officer = User.objects.get(username="officer")
    approver = User.objects.get(username="approver")
    method = ProcurementMethod.objects.get(code="competitive_consultation")
    now = timezone.now()
    opened = []
    for title, state, ceiling, bids in BID_TENDERS:
        if Tender.objects.filter(title=title).exists():
            continue
        tender = services.tender_create(
            actor=officer,
            instance=Tender(
                title=title, department=department, budget_line=line, method=method,
                ceiling=Decimal(ceiling), service_description=f"{title}：服务内容、标准与考核办法详见采购文件。",
                service_period_start=timezone.localdate() + dt.timedelta(days=40),
                service_period_end=timezone.localdate() + dt.timedelta(days=40 + 364),
                location="南京市", contact_name="李强", contact_phone="025-83000000",
                bid_deadline=(now + dt.timedelta(days=12)).replace(hour=9, minute=30, second=0, microsecond=0),
            ),
        )  # fmt: skip
        services.scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=SHEET)
        if state == TenderStatus.PENDING_APPROVAL:
            continue  # cms.demo submits it through the workflow
        services.tender_submit(actor=officer, tender=tender)
        services.tender_publish(actor=approver, tender=tender)
        for index, price in bids:
            organization = Organization.objects.get(name=names[index])
            services.bid_submit(
                actor=_bidder_user(organization, index), organization=organization, lot=tender.lots.get(),
                price=price, proposal=f"{organization.name}关于“{title}”的服务方案：团队配置、服务流程与质量控制。",
            )  # fmt: skip
        if state == TenderStatus.SUSPENDED:
            services.tender_suspend(
                actor=officer, tender=tender, reason="收到对采购文件的质疑，暂停投标待答复。"
            )
        elif state == TenderStatus.CANCELLED:
            services.tender_cancel(actor=officer, tender=tender, reason="采购需求调整，终止本项目。")
        elif state != TenderStatus.PUBLISHED:
            opened.append((tender, state))
    if opened:
        # Demo only: the deadline has passed (the bids above were submitted before it).
        Tender.objects.filter(pk__in=[t.pk for t, _s in opened]).update(
            bid_deadline=now - dt.timedelta(hours=2)
        )
        services.tenders_close_and_open_due()
    for tender, state in opened:
        tender.refresh_from_db()
        if state in (TenderStatus.EVALUATING, TenderStatus.AWARDED):
            services.tender_start_evaluation(actor=officer, tender=tender)
        if state == TenderStatus.AWARDED:
            lot = tender.lots.get()
            lowest = min(b.price for b in lot.bids.filter(responsive=True))
            services.tender_award(actor=officer, tender=tender, amounts={lot.pk: lowest})
    _say(stdout, "Procurement demo: tenders in every state with sealed bids.\n")
    from procurement import demo_evaluation

    demo_evaluation.seed(stdout=stdout)
    seed_contracts(stdout=stdout)
    from procurement import demo_supervision

    demo_supervision.seed(stdout=stdout)


def seed_contracts(stdout=None) -> None:
    """Contracts in every state, built through the services from confirmed awards (see
    `procurement.demo_contracts`). Idempotent; runs once the register's demo exists."""
    from procurement import demo_contracts

    demo_contracts.seed(stdout=stdout)
