"""Demo data of evaluation: an expert pool, and the tender 养老机构服务质量第三方评估项目 evaluated
through the real services — panel drawn from the pool, declarations, scores, signatures, the
stored report (HTML and PDF), the award confirmed with its public notice, and one open challenge to
the result by a losing bidder. Idempotent."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.utils import timezone

from accounts.models import User
from accounts.services import user_signup
from core.models import ServiceCategory
from orgs.demo import ORGANIZATIONS
from orgs.models import Organization
from procurement.evaluation.models.experts import Expert
from procurement.evaluation.models.panels import MemberStatus, Panel
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.experts import expert_save
from procurement.evaluation.services.panels import panel_create, panel_draw, panel_member_declare
from procurement.evaluation.services.result_challenges import result_challenge_file
from procurement.evaluation.services.scoring import member_sign, panel_finalize, score_save
from procurement.planning.models import BudgetLine, ProcurementMethod
from procurement.tendering.demo import (
    DEPARTMENT,
    PANEL_AWARDED_TITLES,
    SHEET,
    attach_demo_bidding_documents,
    bidder_user,
    demo_bid_team,
    demo_pass_deadline,
)
from procurement.tendering.models.tenders import Tender, TenderStatus
from procurement.tendering.services.bids import bid_submit
from procurement.tendering.services.lots import scoring_sheet_replace
from procurement.tendering.services.opening import tenders_close_and_open_due
from procurement.tendering.services.tenders import (
    tender_create,
    tender_publish,
    tender_start_evaluation,
    tender_submit,
)

EVALUATED_TITLE = "养老服务机构等级评定辅助服务项目"
LINE_TITLE = "社区养老服务综合项目"
BIDS = [(1, "276000"), (9, "262000"), (29, "289000")]
EXPERTS = [
    # user name, name, title, employer
    ("expert", "孙伟", "教授", "南京大学社会学院"),
    ("expert02", "吴晓燕", "高级社会工作师", "南京市社会工作协会"),
    ("expert03", "郑国强", "副研究员", "江苏省社会科学院"),
    ("expert04", "孙丽", "高级会计师", "南京某会计师事务所"),
    ("expert05", "陈建军", "主任医师", "南京市老年病医院"),
    ("expert06", "刘芳", "副教授", "南京师范大学公共管理学院"),
]


# Per bidder rank in the demo: points as a share of each criterion's maximum.
SHARES = [Decimal("0.80"), Decimal("0.70"), Decimal("0.75")]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def seed_experts(officer) -> list[Expert]:

    category = ServiceCategory.objects.get(code="elderly")
    experts = []
    for username, name, title, employer in EXPERTS:
        expert = Expert.objects.filter(user__username=username).first()
        if expert is None:
            user = User.objects.filter(username=username).first() or user_signup(
                username=username, password=settings.DEMO_PASSWORD, display_name=name
            )
            expert = expert_save(
                actor=officer,
                instance=Expert(
                    user=user, name=name, title=title, employer=employer, qualifications="养老服务评估"
                ),
                categories=[category],
            )
        experts.append(expert)
    return experts


def _opened_tender(officer):
    """The demo's tender to evaluate, published with three sealed bids and opened (once)."""

    tender = Tender.objects.filter(title=EVALUATED_TITLE).first()
    if tender is not None:
        return tender
    names = [row[0] for row in ORGANIZATIONS]
    line = BudgetLine.objects.filter(title=LINE_TITLE, plan__department__code=DEPARTMENT).first()
    approver = User.objects.filter(username="approver").first()
    if line is None or approver is None or not Organization.objects.filter(name=names[0]).exists():
        return None
    now = timezone.now()
    tender = tender_create(
        actor=officer,
        instance=Tender(
            title=EVALUATED_TITLE, department=line.plan.department, budget_line=line,
            method=ProcurementMethod.objects.get(code="competitive_consultation"), ceiling=Decimal("300000"),
            service_description=f"{EVALUATED_TITLE}：服务内容、标准与考核办法详见采购文件。",
            location="南京市", contact_name="李强", contact_phone="025-83000000",
            bid_deadline=(now + dt.timedelta(days=12)).replace(hour=9, minute=30, second=0, microsecond=0),
        ),
    )  # fmt: skip
    scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=SHEET)
    attach_demo_bidding_documents(officer, tender)
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=approver, tender=tender)
    for index, price in BIDS:
        organization = Organization.objects.get(name=names[index])
        user = bidder_user(organization, index)
        bid_submit(
            actor=user, organization=organization, lot=tender.lots.get(),
            price=price, proposal=f"{organization.name}关于“{EVALUATED_TITLE}”的服务方案。",
            team=demo_bid_team(organization, user),
        )  # fmt: skip
    demo_pass_deadline([tender.pk], now=now)
    tenders_close_and_open_due()
    tender.refresh_from_db()
    return tender


def _evaluate_and_award(officer, tender):
    """Panel drawn from the demo pool, every member declared, scored and signed, the report stored
    and the award confirmed with its public notice. Returns (award, responsive bids)."""
    if tender.status == TenderStatus.OPENED:
        tender_start_evaluation(actor=officer, tender=tender)
    lot = tender.lots.get()
    panel = panel_create(actor=officer, lot=lot, size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    for member in panel.members.filter(status=MemberStatus.INVITED):
        panel_member_declare(actor=member.user, member=member)
    criteria = list(lot.criteria.filter(is_price=False))
    bids = list(lot.bids.filter(responsive=True).order_by("price", "pk"))
    members = list(panel.members.filter(status=MemberStatus.ACTIVE).order_by("pk"))
    for offset, member in enumerate(members):
        for index, bid in enumerate(bids):
            share = SHARES[index % len(SHARES)]
            scores = {}
            for criterion in criteria:
                points = criterion.max_points * share
                if not criterion.is_objective:
                    points += Decimal(offset) / 2  # experts differ on subjective criteria
                points = min(points, criterion.max_points).quantize(Decimal("0.01"))
                scores[criterion.pk] = (points, f"{criterion.name}：方案较完整。")
            score_save(actor=member.user, member=member, bid=bid, scores=scores)
        member_sign(actor=member.user, member=member)
    panel_finalize(actor=officer, panel=panel)
    award = tender.awards.get()
    award_confirm(actor=officer, award=award)
    return award, bids


def seed_panel_awards(officer) -> int:
    """The tendering demo's calls that end awarded (`PANEL_AWARDED_TITLES`) are left under
    evaluation there: evaluate and award them here, so that every awarded call has its notice."""
    done = 0
    for tender in Tender.objects.filter(
        title__in=PANEL_AWARDED_TITLES, status=TenderStatus.EVALUATING, evaluation_panels__isnull=True
    ).order_by("pk"):
        _evaluate_and_award(officer, tender)
        done += 1
    return done


def seed(stdout=None) -> None:
    officer = User.objects.filter(username="officer").first()
    if officer is None:
        return
    seed_experts(officer)
    if seed_panel_awards(officer):
        _say(stdout, "Procurement demo: awarded calls evaluated by a panel, with their award notices.\n")
    tender = _opened_tender(officer)
    if tender is None or Panel.objects.filter(tender=tender).exists():
        return
    award, bids = _evaluate_and_award(officer, tender)
    loser = next(b for b in bids if b.organization_id != award.organization_id)
    user = loser.organization.memberships.select_related("user").first().user
    result_challenge_file(
        actor=user,
        award=award,
        organization=loser.organization,
        text="我单位认为“服务方案与实施计划”评分未体现我单位的评估经验，请求复核评分。",
    )
    _say(
        stdout,
        "Procurement demo: evaluated tender with panel, scores, report, award notice and a challenge.\n",
    )
