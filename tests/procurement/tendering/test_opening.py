"""Closing at the deadline and opening: the scheduled task, idempotency, re-checked eligibility,
the opening record, 流标 releasing the budget, and bidders' notifications."""

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from core.models import Notification
from orgs.models import CreditList, CreditListEntry
from procurement.models import Bid, BidOpening, TenderStatus
from procurement.tendering.services.bids import bid_reconfirm
from procurement.tendering.services.opening import tender_open_bids
from procurement.tendering.services.tenders import tender_amend, tender_resume, tender_suspend
from procurement.tendering.tasks import close_and_open_due_tenders
from tests.orgs.factories import GradeFactory, OrganizationFactory, member
from tests.procurement.bidding import MARKER_PRICE, bidder, close_and_open, published_tender, submit

pytestmark = pytest.mark.django_db


def _three_bids(tender, prices=("300000", "320000.50", "350000")):
    bids = []
    for price in prices:
        organization, user = bidder()
        bids.append((submit(tender, organization, user, price=price), user))
    return bids


def test_task_closes_at_the_deadline_and_opens_with_prices_read():
    tender, _officer = published_tender()
    bids = _three_bids(tender)
    with time_machine.travel(tender.bid_deadline - dt.timedelta(seconds=1), tick=False):
        assert close_and_open_due_tenders.delay().get() == {
            "closed": [], "opened": [], "failed": [], "errors": []
        }  # fmt: skip
    with time_machine.travel(tender.bid_deadline, tick=False):
        result = close_and_open_due_tenders.delay().get()
    assert result["closed"] == [tender.pk] and result["opened"] == [tender.pk]
    tender.refresh_from_db()
    assert tender.status == TenderStatus.OPENED
    opening = BidOpening.objects.get(tender=tender)
    assert opening.opened_by is None and opening.bid_count == 3 and not opening.failed
    prices = sorted(row["price"] for row in opening.record["lots"][0]["bids"])
    assert prices == ["300000.00", "320000.50", "350000.00"]
    for bid, _user in bids:
        bid.refresh_from_db()
        assert bid.opened_at and bid.responsive and bid.price is not None
        assert bytes(bid.ciphertext)  # the ciphertext is kept


def test_opening_twice_does_nothing_the_second_time(django_capture_on_commit_callbacks):
    tender, _officer = published_tender()
    _three_bids(tender)
    with django_capture_on_commit_callbacks(execute=True):
        close_and_open(tender)
    events = Notification.objects.count()
    assert events >= 3
    with django_capture_on_commit_callbacks(execute=True):
        second = close_and_open(tender)
    assert second == {"closed": [], "opened": [], "failed": [], "errors": []}
    assert tender_open_bids(tender=tender) == BidOpening.objects.get(tender=tender)
    assert BidOpening.objects.count() == 1
    assert Notification.objects.count() == events


def test_too_few_bids_fail_the_tender_and_release_the_budget():
    tender, _officer = published_tender()
    line = tender.budget_line
    line.refresh_from_db()
    assert line.reserved_amount == tender.ceiling
    organization, user = bidder()
    submit(tender, organization, user)  # consultation needs 2
    result = close_and_open(tender)
    assert result["failed"] == [tender.pk]
    tender.refresh_from_db()
    line.refresh_from_db()
    assert tender.status == TenderStatus.FAILED
    assert line.reserved_amount == Decimal("0")
    assert BidOpening.objects.get(tender=tender).failed


def test_no_bid_at_all_fails_the_tender():
    tender, _officer = published_tender()
    close_and_open(tender)
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED


def test_bidder_listed_after_submission_becomes_non_responsive_with_the_reason():
    tender, _officer = published_tender()
    bids = _three_bids(tender)
    listed = bids[0][0].organization
    CreditListEntry.objects.create(
        organization=listed,
        list_type=CreditList.SERIOUS,
        trigger="large_fine",
        listed_on=timezone.localdate(),
        reason="罚款",
        deciding_authority="市民政局",
    )
    close_and_open(tender)
    bid = Bid.objects.get(pk=bids[0][0].pk)
    assert bid.responsive is False and bid.nonresponsive_reason
    assert bid.price == Decimal("300000.00")  # read anyway, and recorded
    opening = BidOpening.objects.get(tender=tender)
    assert opening.responsive_count == 2 and not opening.failed


def test_bidders_sharing_a_legal_representative_are_both_non_responsive():
    tender, _officer = published_tender()
    first = OrganizationFactory(id_number="11010519491231002X")
    second = OrganizationFactory(id_number="11010519491231002X")
    ids = []
    for organization in (first, second):
        GradeFactory(organization=organization)
        ids.append(submit(tender, organization, member(organization)).pk)
    organization, user = bidder()
    submit(tender, organization, user)
    close_and_open(tender)
    for pk in ids:
        bid = Bid.objects.get(pk=pk)
        assert bid.responsive is False
        other = first if bid.organization_id == second.pk else second
        assert other.name in bid.nonresponsive_reason
    tender.refresh_from_db()
    assert tender.status == TenderStatus.FAILED  # one responsive bid left


def test_bid_not_reconfirmed_after_an_amendment_is_non_responsive(officer=None):
    tender, officer = published_tender(days=30)
    bids = _three_bids(tender)
    tender_amend(actor=officer, tender=tender, description="调整服务内容", affects_bids=True)
    bid_reconfirm(actor=bids[1][1], bid=bids[1][0])
    bid_reconfirm(actor=bids[2][1], bid=bids[2][0])
    tender.refresh_from_db()
    close_and_open(tender)
    assert Bid.objects.get(pk=bids[0][0].pk).responsive is False
    assert Bid.objects.get(pk=bids[1][0].pk).responsive is True


def test_opening_before_closing_is_refused():
    tender, officer = published_tender()
    with pytest.raises(ValidationError):
        tender_open_bids(actor=officer, tender=tender)


def test_bidders_are_told_of_opening_amendment_and_suspension_without_prices(
    django_capture_on_commit_callbacks,
):
    tender, officer = published_tender(days=30)
    organization, user = bidder()
    with django_capture_on_commit_callbacks(execute=True):
        submit(tender, organization, user, price=str(MARKER_PRICE))
    with django_capture_on_commit_callbacks(execute=True):
        tender_amend(actor=officer, tender=tender, description="更正", affects_bids=False)
    with django_capture_on_commit_callbacks(execute=True):
        tender_suspend(actor=officer, tender=tender, reason="质疑处理中")
    with django_capture_on_commit_callbacks(execute=True):
        tender_resume(actor=officer, tender=tender)
    tender.refresh_from_db()
    organization2, user2 = bidder()
    submit(tender, organization2, user2)
    with django_capture_on_commit_callbacks(execute=True):
        close_and_open(tender)
    events = set(Notification.objects.filter(recipient=user).values_list("event", flat=True))
    assert {
        "procurement.bid_received",
        "procurement.tender_amended",
        "procurement.tender_suspended",
        "procurement.bids_opened",
    } <= events
    for text in Notification.objects.values_list("subject", "body"):
        assert "7654321" not in " ".join(text) and "7,654,321" not in " ".join(text)
