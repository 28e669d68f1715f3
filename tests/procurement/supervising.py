"""Helpers of the supervision tests: an award through the evaluation services, a contract with a
milestone and a progress report (rows written directly: the contract services are tested on their
own), public reports through their service."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import time_machine
from django.contrib.auth.models import AnonymousUser
from django.utils import timezone

from procurement.evaluation.services.scoring import panel_finalize
from procurement.models import Contract, Milestone, ProgressReport, PublicReportTarget
from procurement.supervision.services.public_reports import public_report_file
from tests.procurement.evaluating import opened_tender, score_all, seated_panel, sign_all

# 2026: 国庆/中秋 holiday 1–7 October, Saturday 10 October a make-up working day; 25 September 中秋.
BEFORE_HOLIDAY = dt.datetime(2026, 9, 29, 10, 0)


def at(day: dt.date, hour: int = 10):
    """A time_machine travel to `day` at `hour` (Asia/Shanghai), frozen."""
    return time_machine.travel(timezone.make_aware(dt.datetime.combine(day, dt.time(hour))), tick=False)


def awarded(when=BEFORE_HOLIDAY):
    """An evaluated tender with its proposed award. Returns (tender, officer, award, users)."""
    tender, officer, bids, users = opened_tender()
    panel, members = seated_panel(tender, officer, size=3)
    score_all(panel, members, bids)
    sign_all(members)
    with time_machine.travel(when.astimezone(), tick=False):
        panel_finalize(actor=officer, panel=panel)
    tender.refresh_from_db()
    return tender, officer, tender.awards.get(), users


def contract_for(award, *, officer=None, **fields) -> Contract:
    defaults = {
        "award": award,
        "tender": award.tender,
        "lot": award.lot,
        "department": award.tender.department,
        "organization": award.organization,
        "reference": f"HT-{award.pk:05d}",
        "title": "居家养老上门服务合同",
        "original_amount": award.amount,
        "amount": award.amount,
        "starts_on": dt.date(2026, 11, 1),
        "ends_on": dt.date(2027, 10, 31),
        "service_standard": "每周上门三次。",
        "sign_due_on": dt.date(2026, 10, 30),
        "created_by": officer,
    }
    defaults.update(fields)
    return Contract.objects.create(**defaults)


def milestone_for(contract, **fields) -> Milestone:
    defaults = {
        "contract": contract,
        "number": 1,
        "deliverable": "季度服务报告",
        "due_on": dt.date(2026, 10, 12),
        "payment_share": Decimal("50"),
    }
    defaults.update(fields)
    return Milestone.objects.create(**defaults)


def progress_report_for(contract, **fields) -> ProgressReport:
    defaults = {
        "contract": contract,
        "number": 1,
        "period_start": dt.date(2026, 9, 1),
        "period_end": dt.date(2026, 9, 30),
        "due_on": dt.date(2026, 10, 12),
    }
    defaults.update(fields)
    return ProgressReport.objects.create(**defaults)


def file_report(*, tender=None, contract=None, organization=None, actor=None, **kwargs):
    if tender is not None:
        kind = PublicReportTarget.TENDER
    elif contract is not None:
        kind = PublicReportTarget.CONTRACT
    else:
        kind = PublicReportTarget.ORGANIZATION
    kwargs.setdefault("description", "该项目评审现场有人打招呼，疑似围标。")
    return public_report_file(
        actor=actor or AnonymousUser(),
        target_kind=kind,
        tender=tender,
        contract=contract,
        organization=organization,
        **kwargs,
    )
