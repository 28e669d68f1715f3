"""The minimum bidding period and the amendment notice, each counted in its method's unit
(calendar days or working days on the official calendar); suspension and resumption."""

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Notification
from core.workdays import add_working_days
from procurement.models import PeriodUnit, TenderStatus
from procurement.tendering import checks
from procurement.tendering.services.clarifications import challenge_file, tender_record_document_access
from procurement.tendering.services.lots import scoring_sheet_replace
from procurement.tendering.services.tenders import (
    tender_amend,
    tender_publish,
    tender_resume,
    tender_submit,
    tender_suspend,
    tender_update,
)
from tests.factories import UserFactory
from tests.procurement.factories import make_tender, method

pytestmark = pytest.mark.django_db
SH = ZoneInfo("Asia/Shanghai")
PRICE_ONLY_SHEET = [{"name": "报价", "max_points": "100", "is_price": True, "is_objective": True}]


def _at(*args):
    return dt.datetime(*args, tzinfo=SH)


def test_open_tender_needs_20_calendar_days():
    m = method("open_tender")
    published = _at(2026, 9, 1, 9, 0)
    assert checks.earliest_deadline(m, at=published) == _at(2026, 9, 21, 9, 0)


def test_consultation_needs_10_calendar_days_across_a_holiday():
    m = method("competitive_consultation")
    # Calendar days ignore the National Day holiday.
    assert checks.earliest_deadline(m, at=_at(2026, 9, 28, 9, 0)) == _at(2026, 10, 8, 9, 0)


def test_negotiation_counts_working_days_skipping_the_national_day_holiday():
    m = method("competitive_negotiation")
    # 2026-09-30 (Wed) + 3 working days: 1–7 Oct are holidays, so the 3rd working day is after them.
    earliest = checks.earliest_deadline(m, at=_at(2026, 9, 30, 10, 0))
    assert earliest.date() == add_working_days(dt.date(2026, 9, 30), 3)
    assert earliest.date() >= dt.date(2026, 10, 8)
    assert earliest.timetz().hour == 10


def test_publication_refused_when_deadline_shorter_than_the_minimum(tender, officer, approver):
    now = timezone.now()
    tender.bid_deadline = now + dt.timedelta(days=19)
    tender_update(actor=officer, instance=tender)
    problems = checks.tender_publication_problems(tender, at=now)
    unit = str(PeriodUnit.CALENDAR_DAYS.label)
    assert any("20" in p and unit in p for p in problems), problems
    tender_submit(actor=officer, tender=tender)
    with pytest.raises(ValidationError):
        tender_publish(actor=approver, tender=tender)


def test_publication_refused_when_the_intention_was_public_less_than_30_days(tender, approver, officer):
    line = tender.budget_line
    line.intention_published_at = timezone.now() - dt.timedelta(days=10)
    line.save()
    problems = checks.tender_publication_problems(tender)
    assert any("30" in p for p in problems)


def test_price_points_outside_the_method_bounds_are_refused(tender, officer):
    # 竞争性磋商 allows 10–30 price points; 40 is refused.
    tender.method = method("competitive_consultation")
    tender_update(actor=officer, instance=tender)
    sheet = [
        {"name": "价格", "max_points": "40", "is_price": True},
        {"name": "服务方案", "max_points": "60"},
    ]
    with pytest.raises(ValidationError) as exc:
        scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=sheet)
    assert exc.value.code == "invalid_sheet"


@pytest.mark.parametrize(
    ("sheet", "fragment"),
    [
        (
            [
                {"name": "价格", "max_points": "30", "is_price": True},
                {"name": "服务方案", "max_points": "60"},
            ],
            "100",
        ),
        ([{"name": "服务方案", "max_points": "100"}], "价格"),
        (
            [
                {"name": "价格", "max_points": "30", "is_price": True},
                {"name": "服务方案", "max_points": "60"},
                {"name": "社会组织等级评估结果", "max_points": "10"},
            ],
            "资格条件",
        ),
    ],
)
def test_invalid_sheets_are_refused_with_a_reason(tender, officer, sheet, fragment):
    with pytest.raises(ValidationError) as exc:
        scoring_sheet_replace(actor=officer, lot=tender.lots.get(), criteria=sheet)
    assert any(fragment in m for m in exc.value.messages), exc.value.messages


def _published(tender, officer, approver, at):
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=approver, tender=tender, at=at)
    tender.refresh_from_db()
    return tender


def test_amendment_inside_the_notice_moves_the_deadline_in_calendar_days(tender, officer, approver):
    now = timezone.now()
    tender.bid_deadline = now + dt.timedelta(days=21)
    tender_update(actor=officer, instance=tender)
    _published(tender, officer, approver, now)
    amended_at = now + dt.timedelta(days=10)  # 11 days before the deadline < 15 days notice
    amendment = tender_amend(
        actor=officer,
        tender=tender,
        description="调整服务内容",
        changes={"location": "鼓楼区"},
        at=amended_at,
    )
    tender.refresh_from_db()
    assert amendment.deadline_moved_by_rule
    assert tender.bid_deadline == amended_at + dt.timedelta(days=15)
    assert tender.bids_reconfirm_after == amended_at
    assert amendment.changes["location"] == ["玄武区", "鼓楼区"]


def test_amendment_outside_the_notice_keeps_the_deadline(tender, officer, approver):
    now = timezone.now()
    tender.bid_deadline = now + dt.timedelta(days=30)
    tender_update(actor=officer, instance=tender)
    _published(tender, officer, approver, now)
    amendment = tender_amend(actor=officer, tender=tender, description="更正联系电话",
                                      changes={"contact_phone": "025-87654321"}, at=now + dt.timedelta(days=1))  # fmt: skip
    tender.refresh_from_db()
    assert not amendment.deadline_moved_by_rule
    assert tender.bid_deadline == now + dt.timedelta(days=30)


def test_amendment_notice_counts_working_days_for_negotiation(officer, approver):
    published = _at(2026, 9, 21, 9, 0)
    tender = make_tender(
        officer=officer,
        method=method("competitive_negotiation"),
        sheet=PRICE_ONLY_SHEET,
        bid_deadline=_at(2026, 10, 9, 9, 0),
        budget_line=__import__("tests.procurement.factories", fromlist=["x"]).BudgetLineFactory(
            plan__department=officer.department, plan__year=2030, intention_published_at=_at(2026, 7, 1, 9, 0)
        ),
    )
    _published(tender, officer, approver, published)
    # Amended on 30 Sept: 3 working days later is after the National Day holiday, past 9 Oct? No:
    # working days after 30 Sept are 8, 9 Oct (9 Oct is a Friday), then 12 Oct.
    amendment = tender_amend(actor=officer, tender=tender, description="补充服务标准",
                                      at=_at(2026, 9, 30, 15, 0))  # fmt: skip
    expected_day = add_working_days(dt.date(2026, 9, 30), 3)
    tender.refresh_from_db()
    assert amendment.deadline_moved_by_rule == (expected_day > dt.date(2026, 10, 9))
    assert timezone.localtime(tender.bid_deadline).date() == max(expected_day, dt.date(2026, 10, 9))


def test_amendment_of_a_field_that_needs_a_new_call_is_refused(tender, officer, approver):
    _published(tender, officer, approver, timezone.now())
    with pytest.raises(ValidationError):
        tender_amend(actor=officer, tender=tender, description="x", changes={"ceiling": Decimal("1")})


def test_amendment_can_change_the_scoring_sheet(tender, officer, approver):
    _published(tender, officer, approver, timezone.now())
    lot = tender.lots.get()
    sheet = [{"name": "价格", "max_points": "20", "is_price": True}, {"name": "服务方案", "max_points": "80"}]
    tender_amend(actor=officer, tender=tender, description="调整评分标准", sheets={lot.pk: sheet})
    assert sorted(lot.criteria.values_list("max_points", flat=True)) == [Decimal("20"), Decimal("80")]


def test_everyone_who_fetched_the_documents_is_told_alone(
    tender, officer, approver, django_capture_on_commit_callbacks
):
    _published(tender, officer, approver, timezone.now())
    a = UserFactory(email="a@example.org")
    b = UserFactory(email="b@example.org")
    tender_record_document_access(actor=a, tender=tender)
    tender_record_document_access(actor=b, tender=tender)
    with django_capture_on_commit_callbacks() as callbacks:
        tender_amend(actor=officer, tender=tender, description="延长截止时间")
    # Run our callback (notify); the email tasks it queues are core's business, not run here.
    with django_capture_on_commit_callbacks():
        for callback in callbacks:
            callback()
    rows = Notification.objects.filter(event="procurement.tender_amended")
    assert sorted(rows.values_list("recipient_id", flat=True)) == sorted([a.pk, b.pk])
    for row in rows:
        assert "a@example.org" not in row.body and "b@example.org" not in row.body
        assert a.username not in row.body and b.username not in row.body


def test_suspension_and_resumption_keep_at_least_the_amendment_notice(tender, officer, approver):
    now = timezone.now()
    _published(tender, officer, approver, now)
    challenger = UserFactory(roles=["organization_member"])
    challenge = challenge_file(actor=challenger, tender=tender, text="评分标准含有歧视性条款")
    tender_suspend(actor=officer, tender=tender, reason="质疑处理中", challenge=challenge)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.SUSPENDED
    too_early = timezone.now() + dt.timedelta(days=14)
    with pytest.raises(ValidationError) as exc:
        tender_resume(actor=officer, tender=tender, bid_deadline=too_early)
    assert exc.value.code == "deadline_too_early"
    tender_resume(actor=officer, tender=tender)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.PUBLISHED
    assert tender.bid_deadline >= timezone.now() + dt.timedelta(days=15) - dt.timedelta(minutes=1)
    suspension = tender.suspensions.get()
    assert suspension.challenge == challenge and suspension.new_deadline == tender.bid_deadline


def test_challenge_to_the_call_only_while_bidding(tender):
    challenger = UserFactory(roles=["organization_member"])
    with pytest.raises(ValidationError):
        challenge_file(actor=challenger, tender=tender, text="x")
