"""Demo for supervision: public reports in every state and today's light snapshot, so the board and
the public report pages have content. Everything goes through the services; idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils import timezone

from orgs.models import Organization
from procurement.contracts.models.contracts import Contract, ContractStatus
from procurement.supervision.models import (
    PublicReport,
    PublicReportChannel,
    PublicReportOutcome,
    PublicReportTarget,
)
from procurement.supervision.services.lights import light_snapshot_take
from procurement.supervision.services.public_reports import (
    public_report_accept,
    public_report_conclude,
    public_report_decline,
    public_report_file,
    public_report_record,
)
from procurement.supervision.services.red_flags import red_flags_refresh
from procurement.supervision.services.transfers import public_report_transfer, public_report_transfer_answer
from procurement.tendering.models.tenders import Tender, TenderStatus

MARK = "【演示】"
REPORTS = [
    # (target kind, description, what happens next)
    (PublicReportTarget.TENDER, "采购公告中的服务人数与评分表不一致，请核查。", "accept"),
    (PublicReportTarget.TENDER, "希望延长投标截止时间。", "decline"),
    (PublicReportTarget.CONTRACT, "服务机构上门服务次数少于合同约定。", "conclude"),
    (PublicReportTarget.ORGANIZATION, "该组织在社区宣传中夸大服务资质。", None),
]


def seed(stdout=None) -> None:
    User = get_user_model()
    supervisor = User.objects.filter(username="supervisor").first()
    if supervisor is None:
        return
    tender = Tender.objects.filter(status=TenderStatus.PUBLISHED).order_by("pk").first()
    contract = Contract.objects.exclude(status=ContractStatus.DRAFT).order_by("pk").first()
    organization = Organization.objects.order_by("pk").first()
    targets = {
        PublicReportTarget.TENDER: {"tender": tender},
        PublicReportTarget.CONTRACT: {"contract": contract},
        PublicReportTarget.ORGANIZATION: {"organization": organization},
    }
    for kind, text, then in REPORTS:
        description = f"{MARK}{text}"
        if PublicReport.objects.filter(description=description).exists():
            continue
        target = targets[kind]
        if None in target.values():
            continue
        report = public_report_file(
            actor=None, target_kind=kind, description=description, anonymous=True, **target
        )
        if then == "accept":
            public_report_accept(actor=supervisor, report=report, handler=supervisor)
        elif then == "decline":
            public_report_decline(actor=supervisor, report=report, reason="属于正常的采购安排，不予受理。")
        elif then == "conclude":
            public_report_accept(actor=supervisor, report=report, handler=supervisor)
            report.refresh_from_db()
            public_report_conclude(
                actor=supervisor,
                report=report,
                outcome=PublicReportOutcome.PARTLY,
                summary="经核查，部分月份上门次数不足，已责令整改并在付款时核减。",
            )
    _seed_other_channels(supervisor, targets)
    light_snapshot_take()
    red_flags_refresh()  # what the nightly task stores, so the red-flag list reads the store at once
    if stdout is not None:
        stdout.write(
            "Supervision demo: public reports in every state and from every channel, a transferred one, "
            "today's light snapshot, the red flags stored.\n"
        )


# Reports recorded by the supervisor from other channels (来电、来信): one awaiting acceptance, one
# accepted and transferred (转办) to the purchasing unit responsible, which answered; then sent back.
PHONE_TEXT = f"{MARK}来电反映：社区助餐点近两周多次未按时送餐。"
LETTER_TEXT = f"{MARK}来信反映：服务机构护理员未持证上岗。"


def _seed_other_channels(supervisor, targets) -> None:
    officer = get_user_model().objects.filter(username="officer").first()
    contract = targets[PublicReportTarget.CONTRACT]["contract"]
    if contract is None:
        return
    today = timezone.localdate()
    if not PublicReport.objects.filter(description=PHONE_TEXT).exists():
        public_report_record(
            actor=supervisor,
            channel=PublicReportChannel.PHONE,
            received_on=today,
            target_kind=PublicReportTarget.CONTRACT,
            contract=contract,
            description=PHONE_TEXT,
            contact_name="赵女士",
            contact_phone="13600008888",
        )
    if officer is None or officer.department_id is None:
        return
    if PublicReport.objects.filter(description=LETTER_TEXT).exists():
        return
    report = public_report_record(
        actor=supervisor,
        channel=PublicReportChannel.LETTER,
        received_on=today,
        target_kind=PublicReportTarget.CONTRACT,
        contract=contract,
        description=LETTER_TEXT,
        contact_name="钱先生",
        contact_address="和平路 18 号 2 单元 301 室",
    )
    report = public_report_accept(actor=supervisor, report=report, handler=supervisor)
    first = public_report_transfer(
        actor=supervisor,
        report=report,
        department=officer.department,
        note="请核查护理员资格证书并约谈机构负责人。（内部）",
    )
    public_report_transfer_answer(
        actor=officer, transfer=first, answer="已调取护理员花名册，两名护理员资格证书正在补办。（内部）"
    )
    # the answer is not enough: sent back to the department for the certificates themselves
    public_report_transfer(
        actor=supervisor,
        report=report,
        department=officer.department,
        note="请在补办完成后上传证书复印件。（内部）",
    )
