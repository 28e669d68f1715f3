"""Demo calls for bids on the demo plan's lines (`procurement.planning.demo`): a few tenders in early
states (drafts; `cms.demo` submits one through the approval workflow) and, once the register's
demo organizations exist, tenders in every later state with sealed bids — some unopened, some
opened by the same service the scheduler runs, one failed (流标). Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import F
from django.utils import timezone

from accounts.models import User
from accounts.services import user_signup
from core.models import Department, DocumentType
from orgs.demo import ORGANIZATIONS, ORGMEMBER_ORGANIZATION
from orgs.models import MemberRole, Membership, Organization
from orgs.services import membership_add
from procurement.planning.demo import DEPARTMENT, demo_budget_lines
from procurement.planning.models import ProcurementMethod
from procurement.tendering.models.bids import Bid
from procurement.tendering.models.tenders import Tender, TenderStatus
from procurement.tendering.services.bids import bid_submit
from procurement.tendering.services.documents import tender_document_upload
from procurement.tendering.services.lots import scoring_sheet_replace
from procurement.tendering.services.opening import tenders_close_and_open_due
from procurement.tendering.services.tenders import (
    tender_cancel,
    tender_create,
    tender_publish,
    tender_start_evaluation,
    tender_submit,
    tender_suspend,
)

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


DEMO_PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def attach_demo_bidding_documents(officer, tender) -> None:
    """The call's bidding documents (采购文件), without which it cannot be submitted."""
    tender_document_upload(
        actor=officer,
        tender=tender,
        file=SimpleUploadedFile(f"{tender.reference}-采购文件.pdf", DEMO_PDF, content_type="application/pdf"),
        document_type=DocumentType.BIDDING_DOCUMENTS,
        title=f"{tender.title}采购文件",
    )


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def seed(stdout=None) -> None:
    """Draft calls on the demo plan's lines, then (once the register's demo exists) the calls in
    every later state with sealed bids."""
    department = Department.objects.get(code=DEPARTMENT)
    officer = User.objects.get(username="officer")
    now = timezone.now()
    lines = {line.title: line for line in demo_budget_lines()}
    for title, line_title, method_code, ceiling, days in TENDERS:
        if Tender.objects.filter(title=title).exists():
            continue
        tender = tender_create(
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
        scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=SHEET)
        attach_demo_bidding_documents(officer, tender)
    _say(stdout, "Procurement demo: draft tenders ready.\n")
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
# Left under evaluation here; `procurement.evaluation.demo` evaluates and awards them (with notice).
PANEL_AWARDED_TITLES = [row[0] for row in BID_TENDERS if row[1] == TenderStatus.AWARDED]


def bidder_user(organization, index: int):
    """A member of the demo organization (orgmember for organization 0)."""

    membership = Membership.objects.filter(organization=organization).select_related("user").first()
    if membership is not None:
        return membership.user
    username = f"bidder{index:02d}"
    user = User.objects.filter(username=username).first() or user_signup(
        username=username, password=settings.DEMO_PASSWORD, display_name=f"{organization.name}投标专员"
    )
    membership_add(actor=None, organization=organization, user=user)
    return user


# The demo social worker (accounts.demo "socialworker", whose registration volunteers.demo makes)
# works for the organization of `orgmember`: its bids name her, so its contracts have a social
# worker among their personnel who may lead the volunteer teams of the contract's projects.
DEMO_SOCIAL_WORKER = "socialworker"


def demo_bid_team(organization, bidder) -> list[tuple[int, str]]:
    """The proposed team of a demo bid: the bidding member as project lead and, for the
    organization of `orgmember`, the demo social worker (made its member here)."""
    team = [(bidder.pk, "lead")]
    if organization.name == ORGMEMBER_ORGANIZATION:
        worker = User.objects.filter(username=DEMO_SOCIAL_WORKER, is_active=True).first()
        if worker is not None and worker.pk != bidder.pk:
            membership_add(actor=None, organization=organization, user=worker, role=MemberRole.STAFF)
            team.append((worker.pk, "social_worker"))
    return team


def demo_pass_deadline(tender_ids, *, now) -> None:
    """Demo only: the deadline of these tenders has passed (two hours before `now`), and their bids
    were submitted before it (moved three hours back: the opening refuses a bid dated at or after
    the deadline as late)."""
    Tender.objects.filter(pk__in=tender_ids).update(bid_deadline=now - dt.timedelta(hours=2))
    earlier = dt.timedelta(hours=3)
    Bid.objects.filter(tender__in=tender_ids).update(
        submitted_at=F("submitted_at") - earlier,
        reconfirmed_at=F("reconfirmed_at") - earlier,
        eligibility_checked_at=F("eligibility_checked_at") - earlier,
    )


def seed_bids(stdout=None, *, line) -> None:
    """Tenders in every later state with sealed bids. Runs once the register's demo exists."""

    names = [row[0] for row in ORGANIZATIONS]
    if not Organization.objects.filter(name=names[0]).exists():
        return  # no register demo (DEMO_SEEDERS lists orgs first)
    department = Department.objects.get(code=DEPARTMENT)
    officer = User.objects.get(username="officer")
    approver = User.objects.get(username="approver")
    method = ProcurementMethod.objects.get(code="competitive_consultation")
    now = timezone.now()
    opened = []
    for title, state, ceiling, bids in BID_TENDERS:
        if Tender.objects.filter(title=title).exists():
            continue
        tender = tender_create(
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
        scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=SHEET)
        attach_demo_bidding_documents(officer, tender)
        if state == TenderStatus.PENDING_APPROVAL:
            continue  # cms.demo submits it through the workflow
        tender_submit(actor=officer, tender=tender)
        tender_publish(actor=approver, tender=tender)
        for index, price in bids:
            organization = Organization.objects.get(name=names[index])
            user = bidder_user(organization, index)
            bid_submit(
                actor=user, organization=organization, lot=tender.lots.get(),
                price=price, proposal=f"{organization.name}关于“{title}”的服务方案：团队配置、服务流程与质量控制。",
                team=demo_bid_team(organization, user),
            )  # fmt: skip
        if state == TenderStatus.SUSPENDED:
            tender_suspend(actor=officer, tender=tender, reason="收到对采购文件的质疑，暂停投标待答复。")
        elif state == TenderStatus.CANCELLED:
            tender_cancel(actor=officer, tender=tender, reason="采购需求调整，终止本项目。")
        elif state != TenderStatus.PUBLISHED:
            opened.append((tender, state))
    if opened:
        demo_pass_deadline([t.pk for t, _s in opened], now=now)
        tenders_close_and_open_due()
    for tender, state in opened:
        tender.refresh_from_db()
        if state in (TenderStatus.EVALUATING, TenderStatus.AWARDED):
            # An awarded call is awarded by `procurement.evaluation.demo` (PANEL_AWARDED_TITLES):
            # panel, scores, report, confirmed award and its public notice, as the real pipeline.
            tender_start_evaluation(actor=officer, tender=tender)
    _say(stdout, "Procurement demo: tenders in every state with sealed bids.\n")
