"""Why an item has its colour: one sentence per kind and colour, in Chinese, counting working days
on the official calendar (2026: 国庆 holiday 1–7 October, Saturday 10 October a make-up working day).
Items are built in memory with the facts `annotate_*` would give them, so no rule queries."""

import datetime as dt

import pytest
from django.utils import timezone, translation

from core.workdays import add_working_days, working_days_between
from procurement import rules
from procurement.models import (
    Award,
    AwardStatus,
    Challenge,
    ChallengeStatus,
    Contract,
    ContractStatus,
    LightKind,
    Milestone,
    MilestoneStatus,
    ProgressReport,
    ProgressReportStatus,
    PublicReport,
    PublicReportStatus,
    Tender,
    TenderStatus,
)
from procurement.supervision.lights import GREEN, RED, YELLOW, explain, light_reason

pytestmark = pytest.mark.django_db

D = dt.date


def _tender(status=TenderStatus.PUBLISHED, deadline=D(2026, 10, 9), challenged=False, reported=False):
    tender = Tender(
        status=status, bid_deadline=timezone.make_aware(dt.datetime.combine(deadline, dt.time(15)))
    )
    tender.light_challenged, tender.light_reported = challenged, reported
    return tender


def _contract(status=ContractStatus.DRAFT, reported=False, result_challenged=False, late_since=None, **dates):
    contract = Contract(status=status, **dates)
    contract.light_reported, contract.light_result_challenged = reported, result_challenged
    contract.light_late_since = late_since
    return contract


def _award(status=AwardStatus.PENDING, challenged=False, **fields):
    award = Award(status=status, **fields)
    award.light_challenged = challenged
    return award


def _zh(kind, obj, today):
    with translation.override("zh-hans"):
        return explain(kind, obj, today).colour, light_reason(kind, obj, today)


@pytest.mark.parametrize(
    ("kind", "obj", "today", "colour", "reason"),
    [
        (LightKind.TENDER, _tender(), D(2026, 9, 30), YELLOW, "距投标截止还有 2 个工作日"),
        (LightKind.TENDER, _tender(), D(2026, 10, 12), RED, "开标逾期 2 个工作日"),
        (
            LightKind.TENDER,
            _tender(deadline=D(2026, 11, 30)),
            D(2026, 9, 30),
            GREEN,
            "距投标截止还有 39 个工作日",
        ),
        (LightKind.TENDER, _tender(challenged=True), D(2026, 9, 30), RED, "有未答复的质疑"),
        (LightKind.TENDER, _tender(reported=True), D(2026, 9, 30), RED, "有已受理的举报正在办理"),
        (LightKind.TENDER, _tender(status=TenderStatus.SUSPENDED), D(2026, 9, 30), YELLOW, "招标已暂停"),
        (LightKind.TENDER, _tender(status=TenderStatus.CANCELLED), D(2026, 9, 30), GREEN, "按期，无逾期事项"),
        (
            LightKind.AWARD,
            _award(confirm_due_on=D(2026, 10, 9)),
            D(2026, 10, 8),
            YELLOW,
            "距中标确认截止还有 1 个工作日",
        ),
        (
            LightKind.AWARD,
            _award(status=AwardStatus.CONFIRMED, notice_due_on=D(2026, 10, 8)),
            D(2026, 10, 9),
            RED,
            "中标公告发布逾期 1 个工作日",
        ),
        (
            LightKind.AWARD,
            _award(challenged=True, confirm_due_on=D(2026, 12, 1)),
            D(2026, 10, 9),
            RED,
            "有未答复的质疑",
        ),
        (
            LightKind.PUBLIC_REPORT,
            PublicReport(status=PublicReportStatus.SUBMITTED, accept_due_on=D(2026, 10, 9)),
            D(2026, 10, 9),
            YELLOW,
            "举报受理今日到期",
        ),
        (
            LightKind.PUBLIC_REPORT,
            PublicReport(status=PublicReportStatus.ACCEPTED, due_on=D(2026, 9, 29)),
            D(2026, 9, 30),
            RED,
            "举报办理逾期 1 个工作日",
        ),
        (
            LightKind.CONTRACT,
            _contract(sign_due_on=D(2026, 10, 8)),
            D(2026, 10, 12),
            RED,
            "合同签订逾期 3 个工作日",
        ),
        (
            LightKind.CONTRACT,
            _contract(status=ContractStatus.SIGNED, publish_due_on=D(2026, 10, 10)),
            D(2026, 9, 30),
            YELLOW,
            "距合同公开截止还有 3 个工作日",
        ),
        (
            LightKind.CONTRACT,
            _contract(status=ContractStatus.ACTIVE, late_since=D(2026, 9, 29)),
            D(2026, 10, 8),
            YELLOW,
            "进度报告逾期 2 个工作日",
        ),
        (
            LightKind.CONTRACT,
            _contract(status=ContractStatus.ACTIVE),
            D(2026, 10, 8),
            GREEN,
            "按期，无逾期事项",
        ),
        (LightKind.CONTRACT, _contract(reported=True), D(2026, 10, 8), RED, "有已受理的举报正在办理"),
        (
            LightKind.CONTRACT,
            _contract(status=ContractStatus.SIGNED, result_challenged=True),
            D(2026, 10, 8),
            RED,
            "有对中标结果的未答复质疑",
        ),
        (
            LightKind.MILESTONE,
            Milestone(status=MilestoneStatus.SCHEDULED, due_on=D(2026, 10, 12)),
            D(2026, 10, 8),
            YELLOW,
            "距里程碑验收截止还有 3 个工作日",
        ),
        (
            LightKind.MILESTONE,
            Milestone(status=MilestoneStatus.SUBMITTED, due_on=D(2026, 9, 30)),
            D(2026, 10, 12),
            RED,
            "里程碑验收逾期 4 个工作日",
        ),
        (
            LightKind.MILESTONE,
            Milestone(status=MilestoneStatus.ACCEPTED, due_on=D(2026, 9, 30)),
            D(2026, 10, 12),
            GREEN,
            "按期，无逾期事项",
        ),
        (
            LightKind.PROGRESS_REPORT,
            ProgressReport(status=ProgressReportStatus.DUE, due_on=D(2026, 9, 30)),
            D(2026, 10, 9),
            YELLOW,
            "进度报告逾期 2 个工作日",
        ),
        (
            LightKind.PROGRESS_REPORT,
            ProgressReport(status=ProgressReportStatus.DUE, due_on=D(2026, 12, 31)),
            D(2026, 12, 1),
            GREEN,
            "距进度报告截止还有 22 个工作日",
        ),
    ],
)
def test_each_kind_and_colour_gives_its_reason_in_chinese_in_working_days(kind, obj, today, colour, reason):
    assert _zh(kind, obj, today) == (colour, reason)


def test_a_call_challenge_is_due_its_answer_working_days_after_filing():
    filed = timezone.make_aware(dt.datetime(2026, 9, 24, 23, 0))
    challenge = Challenge(status=ChallengeStatus.OPEN, filed_at=filed)
    due = add_working_days(filed, rules.challenge_answer_working_days())
    late_by = working_days_between(due, D(2026, 10, 15))
    assert explain(LightKind.CHALLENGE, challenge, D(2026, 10, 15)).due == due
    assert _zh(LightKind.CHALLENGE, challenge, D(2026, 10, 15)) == (RED, f"质疑答复逾期 {late_by} 个工作日")
    assert _zh(LightKind.CHALLENGE, challenge, due)[1] == "质疑答复今日到期"
    challenge.status = ChallengeStatus.ANSWERED
    assert _zh(LightKind.CHALLENGE, challenge, D(2026, 10, 15)) == (GREEN, "按期，无逾期事项")


def test_overdue_with_no_working_day_since_names_the_due_date():
    report = PublicReport(status=PublicReportStatus.SUBMITTED, accept_due_on=D(2026, 9, 30))
    assert _zh(LightKind.PUBLIC_REPORT, report, D(2026, 10, 3)) == (
        RED,
        "举报受理已逾期（截止日 2026-09-30）",
    )


def test_reasons_read_in_english_too():
    contract = _contract(sign_due_on=D(2026, 10, 8))
    with translation.override("en"):
        assert (
            light_reason(LightKind.CONTRACT, contract, D(2026, 10, 12))
            == "Contract signing overdue by 3 working days"
        )
        assert light_reason(LightKind.CONTRACT, contract, D(2026, 10, 7)) == (
            "1 working day left until the contract signing deadline"
        )
