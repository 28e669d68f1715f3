"""Demo for supervision: public reports in every state and today's light snapshot, so the board and
the public report pages have content. Everything goes through the services; idempotent."""

from __future__ import annotations

from django.contrib.auth import get_user_model

from orgs.models import Organization
from procurement.contracts.models.contracts import Contract, ContractStatus
from procurement.supervision.models import PublicReport, PublicReportOutcome, PublicReportTarget
from procurement.supervision.services.lights import light_snapshot_take
from procurement.supervision.services.public_reports import (
    public_report_accept,
    public_report_conclude,
    public_report_decline,
    public_report_file,
)
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
    light_snapshot_take()
    if stdout is not None:
        stdout.write("Supervision demo: public reports in every state, today's light snapshot.\n")
