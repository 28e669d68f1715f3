"""Demo data of contracts: a contract in every state, each built through the services from a
confirmed award whose notice is out. Five small tenders go through the real pipeline (published,
three sealed bids, opened, evaluated by a panel drawn from the demo expert pool, award confirmed
with its notice — the same steps as `demo_evaluation`); the evaluated demo tender's award, which has
an open challenge, gets a draft contract whose signing is refused until the challenge is answered.

- draft (signing blocked by the open challenge);
- signed, not yet published (publication due within 2 working days);
- published and in performance, for 玄武区阳光养老服务中心 (orgmember): milestones accepted and paid
  (green), due in 2 working days (yellow) and overdue (red), the advance paid, progress reports
  submitted, reviewed and late;
- completed, with a published final evaluation graded 优秀 (survey answers and a third party);
- terminated with a reason;
- in performance with a published evaluation graded 不合格, which excludes the organization from
  bidding.

Dates agree: each tender, its bids and its award are moved back before its contract is drafted,
so the award notice comes 35 days before the service starts and the signing deadline (notice + 30
days) before the start; a contract already in service was signed 10 days after its notice.

Idempotent: each state is built once (keyed by its tender's title)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import models
from django.utils import timezone

from accounts.models import User
from core.models import ServiceCategory
from core.workdays import add_working_days
from orgs.demo import ORGANIZATIONS
from orgs.models import Organization
from procurement.contracts.models.contracts import Contract, PaymentKind
from procurement.contracts.services.contracts import (
    contract_complete,
    contract_create,
    contract_publish,
    contract_sign,
    contract_target_add,
    contract_terminate,
)
from procurement.contracts.services.milestones import (
    milestone_accept,
    milestone_add,
    milestone_submit,
    recipient_opinion_record,
)
from procurement.contracts.services.payments import payment_record
from procurement.contracts.services.performance import (
    evaluation_open,
    evaluation_publish,
    evaluation_record_third_party,
    evaluation_score_targets,
    survey_answer,
    survey_tokens_issue,
)
from procurement.contracts.services.progress_reports import progress_report_review, progress_report_submit
from procurement.evaluation.demo import EVALUATED_TITLE, SHARES
from procurement.evaluation.models.awards import Award, AwardStatus
from procurement.evaluation.models.panels import MemberStatus, Panel
from procurement.evaluation.services.awards import award_confirm
from procurement.evaluation.services.panels import panel_create, panel_draw, panel_member_declare
from procurement.evaluation.services.scoring import member_sign, panel_finalize, score_save
from procurement.planning.models import BudgetLine, ProcurementMethod, PurchasingPlan
from procurement.planning.services import budget_line_save
from procurement.tendering.demo import (
    SHEET,
    attach_demo_bidding_documents,
    bidder_user,
    demo_bid_team,
    demo_pass_deadline,
)
from procurement.tendering.models.bids import Bid
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

LINE_TITLE = "居家养老服务履约示范项目"
CEILING = Decimal("200000")


# title, state, [(organization index in orgs.demo, price)]: the lowest price wins in this demo.
CONTRACT_TENDERS = [
    ("社区助浴上门服务项目", "signed", [(2, "186000"), (3, "192000"), (4, "198000")]),
    ("玄武区居家养老上门服务项目", "active", [(0, "178000"), (1, "189000"), (9, "195000")]),
    ("老年人家庭照护者培训项目", "completed", [(1, "172000"), (7, "185000"), (29, "193000")]),
    ("社区老年人健康管理服务项目", "terminated", [(3, "181000"), (6, "190000"), (27, "196000")]),
    ("特殊困难老人探访关爱服务项目", "failed", [(5, "176000"), (8, "187000"), (28, "194000")]),
]


# When each demo contract's service starts, in days from today.
START_DAYS = {"signed": 7, "active": -75, "completed": -200, "terminated": -200, "failed": -200}
# The award notice of a demo contract is published this many days before its service starts, so
# that the signing deadline (notice + 30 days) falls before the service starts.
NOTICE_LEAD_DAYS = 35
# A contract whose service began in the past was signed this many days after the notice.
SIGNED_AFTER_NOTICE_DAYS = 10


TARGETS = [
    ("服务人次", "全年上门服务不少于1200人次", "40"),
    ("服务对象满意率", "满意率不低于90%", "30"),
    ("服务台账完整率", "台账完整率100%", "30"),
]
# The contract in performance leads volunteer projects (volunteers.demo_contracted): one target is
# measured in verified volunteer hours.
ACTIVE_TARGETS = [
    *TARGETS[:2],
    ("服务台账完整率", "台账完整率100%", "20"),
    ("志愿服务时长", "社工带领志愿者服务不少于60小时（以核实时长计）", "10", Decimal("60")),
]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text)


def _signed_copy(reference: str) -> SimpleUploadedFile:
    body = b"%PDF-1.4\n1 0 obj<<>>endobj\n% " + reference.encode() + b"\ntrailer<<>>\n%%EOF\n"
    return SimpleUploadedFile(f"{reference}.pdf", body, content_type="application/pdf")


def _line(officer) -> BudgetLine:
    plan = PurchasingPlan.objects.filter(
        department=officer.department, year=timezone.localdate().year
    ).first()
    line = BudgetLine.objects.filter(plan=plan, title=LINE_TITLE).first()
    if line is not None:
        return line
    parent = ServiceCategory.objects.get(code="elderly")
    line = budget_line_save(
        actor=officer,
        instance=BudgetLine(
            plan=plan, title=LINE_TITLE, category=parent,
            catalogue_item=ServiceCategory.objects.get(parent=parent, name="居家养老上门服务"),
            amount=Decimal("1500000"), funding_source="general_budget",
            planned_start=timezone.localdate(), description="居家养老服务合同履约的示范项目。", sort_order=9,
        ),
    )  # fmt: skip
    # Demo only: the intention has been public long enough for a call to be approved.
    BudgetLine.objects.filter(pk=line.pk).update(
        intention_published_at=timezone.now() - dt.timedelta(days=60)
    )
    line.refresh_from_db()
    return line


def _awarded_tender(officer, approver, line, title, bids):
    """Published, bid on, opened, evaluated and awarded with its notice — through the services."""

    tender = Tender.objects.filter(title=title).first()
    if tender is None:
        names = [row[0] for row in ORGANIZATIONS]
        now = timezone.now()
        tender = tender_create(
            actor=officer,
            instance=Tender(
                title=title, department=officer.department, budget_line=line,
                method=ProcurementMethod.objects.get(code="competitive_consultation"), ceiling=CEILING,
                service_description=f"{title}：服务内容、标准与考核办法详见采购文件。",
                location="南京市玄武区", contact_name="李强", contact_phone="025-83000000",
                bid_deadline=(now + dt.timedelta(days=12)).replace(hour=9, minute=30, second=0, microsecond=0),
            ),
        )  # fmt: skip
        scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=SHEET)
        attach_demo_bidding_documents(officer, tender)
        tender_submit(actor=officer, tender=tender)
        tender_publish(actor=approver, tender=tender)
        for index, price in bids:
            organization = Organization.objects.get(name=names[index])
            user = bidder_user(organization, index)
            bid_submit(
                actor=user, organization=organization, lot=tender.lots.get(),
                price=price, proposal=f"{organization.name}关于“{title}”的服务方案。",
                team=demo_bid_team(organization, user),
            )  # fmt: skip
        demo_pass_deadline([tender.pk], now=now)
        tenders_close_and_open_due()
        tender.refresh_from_db()
    if tender.status == TenderStatus.OPENED:
        tender_start_evaluation(actor=officer, tender=tender)
    lot = tender.lots.get()
    if not Panel.objects.filter(tender=tender).exists():
        panel = panel_create(actor=officer, lot=lot, size=3, external_count=3)
        panel_draw(actor=officer, panel=panel)
        for member in panel.members.filter(status=MemberStatus.INVITED):
            panel_member_declare(actor=member.user, member=member)
        criteria = list(lot.criteria.filter(is_price=False))
        ranked = list(lot.bids.filter(responsive=True).order_by("price", "pk"))
        for offset, member in enumerate(panel.members.filter(status=MemberStatus.ACTIVE).order_by("pk")):
            for index, bid in enumerate(ranked):
                scores = {}
                for criterion in criteria:
                    points = criterion.max_points * SHARES[index % len(SHARES)]
                    if not criterion.is_objective:
                        points += Decimal(offset) / 2
                    points = min(points, criterion.max_points).quantize(Decimal("0.01"))
                    scores[criterion.pk] = (points, f"{criterion.name}：方案较完整。")
                score_save(actor=member.user, member=member, bid=bid, scores=scores)
            member_sign(actor=member.user, member=member)
        panel_finalize(actor=officer, panel=panel)
    award = tender.awards.exclude(status=AwardStatus.CANCELLED).get()
    if award.notice_published_at is None:
        award_confirm(actor=officer, award=award)
        award.refresh_from_db()
    return award


def _draft(officer, award, *, starts_on, milestones, advance="10", targets=TARGETS, **fields) -> Contract:
    """A complete draft: the targets and the milestones [(days from today, share, deliverable)]."""
    contract = contract_create(
        actor=officer, award=award, starts_on=starts_on, ends_on=starts_on + dt.timedelta(days=364),
        advance_share=Decimal(advance), purchaser_signatory="王科长", supplier_signatory="机构负责人",
        contact_phone="025-83000000",
        service_standard="按采购文件及投标服务方案提供服务；每月提交进度报告和服务台账，服务对象满意率不低于90%。",
        **fields,
    )  # fmt: skip
    for name, measure, weight, *goal in targets:
        contract_target_add(
            actor=officer, contract=contract, name=name, measure=measure, weight=Decimal(weight),
            volunteer_hours_goal=goal[0] if goal else None,
        )  # fmt: skip
    for due_on, share, deliverable in milestones:
        milestone_add(
            actor=officer,
            contract=contract,
            deliverable=deliverable,
            due_on=due_on,
            payment_share=Decimal(share),
        )
    return contract


def _shift(queryset, days: int) -> None:
    """Demo only: move every date and time of the rows `days` days back (empty ones stay empty)."""
    delta = dt.timedelta(days=days)
    names = [f.name for f in queryset.model._meta.concrete_fields if isinstance(f, models.DateField)]
    for row in queryset.values("pk", *names):
        values = {name: row[name] - delta for name in names if row[name] is not None}
        if values:
            queryset.model.objects.filter(pk=row["pk"]).update(**values)


def _backdate_award(award, starts_on: dt.date) -> Award:
    """Demo only: a contract's tender, bids, panel and award happened before its service starts, so
    its notice is out `NOTICE_LEAD_DAYS` before the start and the signing deadline falls before it
    (the services ran today; the rows are moved back as a whole, keeping their order)."""
    notice_day = timezone.localdate(award.notice_published_at)
    days = (notice_day - (starts_on - dt.timedelta(days=NOTICE_LEAD_DAYS))).days
    if days > 0:
        tender = award.tender
        _shift(Tender.objects.filter(pk=tender.pk), days)
        _shift(Bid.objects.filter(lot__tender=tender), days)
        _shift(Panel.objects.filter(tender=tender), days)
        _shift(Award.objects.filter(tender=tender), days)
    return Award.objects.select_related("tender", "lot").get(pk=award.pk)


def _sign_and_publish(officer, contract, *, publish=True) -> Contract:
    """Signed today for a service yet to start; for one already started, some days after the notice
    (before the service started), published the next day."""
    at = None
    if contract.starts_on <= timezone.localdate():
        notice_at = Award.objects.get(pk=contract.award_id).notice_published_at
        at = notice_at + dt.timedelta(days=SIGNED_AFTER_NOTICE_DAYS)
    contract_sign(actor=officer, contract=contract, signed_copy=_signed_copy(contract.reference), at=at)
    if publish:
        contract_publish(actor=officer, contract=contract, at=at + dt.timedelta(days=1) if at else None)
    contract.refresh_from_db()
    return contract


def _member(contract):
    return contract.organization.memberships.select_related("user").order_by("pk").first().user


def _deliver(officer, contract, milestone, *, pay=True, opinion=False):
    member = _member(contract)
    milestone_submit(
        actor=member, milestone=milestone, text=f"{milestone.deliverable}：已按计划完成，附服务台账与照片。"
    )
    if opinion:
        recipient_opinion_record(
            actor=officer,
            milestone=milestone,
            recipient="社区老人代表",
            opinion="上门服务及时，服务人员态度好。",
        )
    milestone_accept(actor=officer, milestone=milestone, reason="成果符合合同约定。")
    if pay:
        payment_record(
            actor=officer, contract=contract, kind=PaymentKind.MILESTONE, milestone=milestone,
            treasury_reference=f"GK{contract.pk:04d}{milestone.number:02d}", paid_on=timezone.localdate(),
        )  # fmt: skip


def _pay_advance(officer, contract):
    """The advance is paid a week after the signing (today at the latest)."""
    paid_on = min(timezone.localdate(contract.signed_at) + dt.timedelta(days=7), timezone.localdate())
    payment_record(
        actor=officer, contract=contract, kind=PaymentKind.ADVANCE,
        treasury_reference=f"GK{contract.pk:04d}00", paid_on=paid_on,
    )  # fmt: skip


def _report(contract, number, text):
    report = contract.progress_reports.get(number=number)
    progress_report_submit(
        actor=_member(contract), report=report, work_done=text, people_served=260,
        issues="部分老人白天不在家，需预约上门。", next_steps="继续按计划上门服务并开展满意度回访。",
    )  # fmt: skip
    return report


def _evaluate(officer, contract, *, target_score, survey_level, third_party=None):
    evaluation = evaluation_open(actor=officer, contract=contract)
    evaluation_score_targets(
        actor=officer, evaluation=evaluation,
        scores={t.pk: (Decimal(target_score), "按合同约定考核。") for t in contract.targets.filter(retired_by__isnull=True)},
        comment="采购人对照绩效目标逐项考核。",
    )  # fmt: skip
    tokens = survey_tokens_issue(actor=officer, evaluation=evaluation, count=8)
    for token in tokens[:5]:
        survey_answer(
            token=token.token,
            overall=survey_level,
            timeliness=survey_level,
            attitude=survey_level,
            comment="",
        )
    if third_party is not None:
        evaluation_record_third_party(
            actor=officer,
            evaluation=evaluation,
            assessor="南京某社会组织评估中心",
            score=Decimal(third_party),
        )
    return evaluation_publish(actor=officer, evaluation=evaluation)


def _build(state, officer, award):
    today = timezone.localdate()
    starts_on = today + dt.timedelta(days=START_DAYS[state])
    if state == "signed":
        contract = _draft(
            officer, award, starts_on=starts_on,
            milestones=[(today + dt.timedelta(days=120), "40", "上半年服务成果及台账"),
                        (today + dt.timedelta(days=350), "50", "全年服务成果及总结报告")],
        )  # fmt: skip
        _sign_and_publish(officer, contract, publish=False)
    elif state == "active":
        contract = _draft(
            officer, award, starts_on=starts_on, requires_recipient_opinion=True, targets=ACTIVE_TARGETS,
            milestones=[(today - dt.timedelta(days=45), "20", "第一阶段：服务对象建档及首轮上门服务"),
                        (today - dt.timedelta(days=5), "20", "第二阶段：助洁助浴服务台账"),
                        (add_working_days(today, 2), "20", "第三阶段：满意度中期回访报告"),
                        (today + dt.timedelta(days=60), "30", "第四阶段：年度服务总结")],
        )  # fmt: skip
        contract = _sign_and_publish(officer, contract)
        _pay_advance(officer, contract)
        _deliver(officer, contract, contract.milestones.get(number=1), opinion=True)
        first = _report(contract, 1, "本月完成服务对象建档86户，上门服务320人次。")
        progress_report_review(actor=officer, report=first, note="已阅，请继续做好台账。")
        # Report 2 is left due (late); report 1 reviewed.
    elif state in ("completed", "failed", "terminated"):
        contract = _draft(
            officer, award, starts_on=starts_on, report_schedule="quarterly",
            milestones=[(today - dt.timedelta(days=150), "40", "上半年服务成果及台账"),
                        (today - dt.timedelta(days=20), "50", "全年服务成果及总结报告")],
        )  # fmt: skip
        contract = _sign_and_publish(officer, contract)
        _pay_advance(officer, contract)
        if state == "terminated":
            _deliver(officer, contract, contract.milestones.get(number=1))
            contract_terminate(
                actor=officer,
                contract=contract,
                reason="服务机构核心人员流失，无法继续履约，经协商解除合同。",
            )
            return contract
        _report(contract, 1, "第一季度完成上门服务910人次，开展健康讲座4场。")
        if state == "completed":
            for milestone in contract.milestones.order_by("number"):
                _deliver(officer, contract, milestone)
            contract_complete(actor=officer, contract=contract)
            _evaluate(officer, contract, target_score="95", survey_level=5, third_party="90")
        else:
            _deliver(officer, contract, contract.milestones.get(number=1))
            _evaluate(officer, contract, target_score="50", survey_level=2, third_party="55")
    return contract


def seed(stdout=None) -> None:

    officer = User.objects.filter(username="officer").select_related("department").first()
    approver = User.objects.filter(username="approver").first()
    if (
        officer is None
        or approver is None
        or not Organization.objects.filter(name=ORGANIZATIONS[0][0]).exists()
    ):
        return
    if not PurchasingPlan.objects.filter(
        department=officer.department, year=timezone.localdate().year
    ).exists():
        return
    line = _line(officer)
    built = 0
    for title, state, bids in CONTRACT_TENDERS:
        award = _awarded_tender(officer, approver, line, title, bids)
        if not Contract.objects.filter(award=award).exists():
            starts_on = timezone.localdate() + dt.timedelta(days=START_DAYS[state])
            _build(state, officer, _backdate_award(award, starts_on))
            built += 1
    # The evaluated demo tender's award has an open challenge: its contract stays a draft.
    challenged = Tender.objects.filter(title=EVALUATED_TITLE).first()
    award = challenged.awards.filter(status=AwardStatus.CONFIRMED).first() if challenged else None
    if award is not None and award.notice_published_at and not Contract.objects.filter(award=award).exists():
        today = timezone.localdate()
        _draft(
            officer, award, starts_on=max(
                today + dt.timedelta(days=30),
                timezone.localdate(award.notice_published_at) + dt.timedelta(days=NOTICE_LEAD_DAYS),
            ),
            milestones=[(today + dt.timedelta(days=200), "40", "评估工作方案及中期报告"),
                        (today + dt.timedelta(days=380), "50", "年度评估报告")],
        )  # fmt: skip
        built += 1
    _say(stdout, f"Procurement demo: contracts in every state ({built} new).\n")
