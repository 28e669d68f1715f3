"""Budget arithmetic: reserve at approval, release on fail/cancel, award replaces the reservation;
reserved + committed never exceeds the line's amount."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.models import ServiceCategory
from procurement.models import BudgetLine, TenderStatus
from procurement.planning.services import budget_line_award, budget_line_save
from procurement.tendering.services.opening import tender_open_bids
from procurement.tendering.services.tenders import (
    tender_award,
    tender_cancel,
    tender_close,
    tender_fail,
    tender_publish,
    tender_start_evaluation,
    tender_submit,
)
from tests.procurement.bidding import bidder, submit
from tests.procurement.factories import BudgetLineFactory, make_tender, officer_for

pytestmark = pytest.mark.django_db


def _line(tender) -> BudgetLine:
    return BudgetLine.objects.get(pk=tender.budget_line_id)


def _publish(tender, officer, approver):
    tender_submit(actor=officer, tender=tender)
    tender_publish(actor=approver, tender=tender)
    tender.refresh_from_db()


def test_approval_reserves_the_ceiling(tender, officer, approver):
    assert _line(tender).reserved_amount == 0
    _publish(tender, officer, approver)
    assert _line(tender).reserved_amount == Decimal("500000")
    assert tender.lots.get().reserved_amount == Decimal("500000")


@pytest.mark.parametrize("how", ["fail", "cancel"])
def test_failed_or_cancelled_tender_releases_the_reservation(tender, officer, approver, how):
    _publish(tender, officer, approver)
    if how == "fail":
        tender_close(actor=officer, tender=tender, at=tender.bid_deadline + dt.timedelta(seconds=1))
        tender_fail(actor=officer, tender=tender, reason="投标人不足三家")
    else:
        tender_cancel(actor=officer, tender=tender, reason="需求变更")
    assert _line(tender).reserved_amount == 0
    assert tender.lots.get().reserved_amount == 0


def test_cancelling_a_draft_touches_no_budget(tender, officer):
    tender_cancel(actor=officer, tender=tender, reason="不再采购")
    assert _line(tender).reserved_amount == 0


def test_award_replaces_the_reservation_by_the_award_amount(tender, officer, approver):
    _publish(tender, officer, approver)
    lot = tender.lots.get()
    budget_line_award(actor=officer, lot=lot, amount=Decimal("420000.50"))
    assert _line(tender).reserved_amount == Decimal("420000.50")
    # A second award (after a re-evaluation) replaces the first, it does not add up.
    budget_line_award(actor=officer, lot=lot, amount=Decimal("480000"))
    assert _line(tender).reserved_amount == Decimal("480000")
    lot.refresh_from_db()
    assert lot.awarded_amount == Decimal("480000")


def test_award_above_the_lot_ceiling_is_refused(tender, officer, approver):
    _publish(tender, officer, approver)
    with pytest.raises(ValidationError) as exc:
        budget_line_award(actor=officer, lot=tender.lots.get(), amount=Decimal("500000.01"))
    assert exc.value.code == "budget_exceeded"
    assert _line(tender).reserved_amount == Decimal("500000")


def test_failing_after_award_releases_the_award_amount(tender, officer, approver):
    _publish(tender, officer, approver)
    for _ in range(tender.method.minimum_bids):
        organization, user = bidder()
        submit(tender, organization, user, price="300000")
    tender_close(actor=officer, tender=tender, at=tender.bid_deadline + dt.timedelta(seconds=1))
    tender_open_bids(actor=officer, tender=tender)
    tender_start_evaluation(actor=officer, tender=tender)
    lot = tender.lots.get()
    tender_award(actor=officer, tender=tender, amounts={lot.pk: Decimal("300000")})
    assert _line(tender).reserved_amount == Decimal("300000")
    tender_fail(actor=officer, tender=tender, reason="质疑成立")
    assert _line(tender).reserved_amount == 0


def test_second_tender_cannot_reserve_beyond_the_line(approver):
    line = BudgetLineFactory(amount=Decimal("800000"))
    officer = officer_for(line.plan.department)
    first = make_tender(officer=officer, budget_line=line, ceiling=Decimal("500000"))
    second = make_tender(officer=officer, budget_line=line, ceiling=Decimal("400000"))
    _publish(first, officer, approver)
    tender_submit(actor=officer, tender=second)
    with pytest.raises(ValidationError) as exc:
        tender_publish(actor=approver, tender=second)
    assert any("预算" in str(m) or "budget" in str(m) for m in exc.value.messages)
    line.refresh_from_db()
    assert line.reserved_amount == Decimal("500000")
    second.refresh_from_db()
    assert second.status == TenderStatus.PENDING_APPROVAL


def test_database_refuses_reserved_plus_committed_above_amount():
    line = BudgetLineFactory(amount=Decimal("100"))
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.filter(pk=line.pk).update(
            reserved_amount=Decimal("60"), committed_amount=Decimal("41")
        )


def test_line_amount_cannot_drop_below_what_is_held(tender, officer, approver):
    _publish(tender, officer, approver)
    line = _line(tender)
    line.amount = Decimal("499999")
    with pytest.raises(ValidationError):
        budget_line_save(actor=officer, instance=line)


def test_catalogue_item_must_belong_to_the_category(officer, tender):
    line = _line(tender)
    other = ServiceCategory.objects.filter(parent__isnull=False).exclude(parent=line.category).first()
    line.catalogue_item = other
    with pytest.raises(ValidationError):
        budget_line_save(actor=officer, instance=line)
