"""One instant decides (issue #13, point 1): the acceptance of a bid action and its recorded time are
one server timestamp, read under the tender's lock after every slow step. A bid whose instant is not
strictly before the deadline is refused whole; the opening refuses any late row that got in anyway.

The clock is driven through `services.bids.server_now` (the only clock the bid services read), and
the deadline is made to pass *while the bid is being sealed* — the race the issue found."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.urls import reverse

from audit.models import Event
from core.documents import documents_of
from procurement.models import Bid, BidFile, BidOpening, BidStatus, TenderSealingKey
from procurement.tendering import receipts, sealing
from procurement.tendering.services import bids as bid_services
from procurement.tendering.services.bids import bid_read_own, bid_reconfirm, bid_replace, bid_withdraw
from procurement.tendering.services.tenders import tender_amend
from tests.procurement.bidding import bidder, close_and_open, pdf_with, published_tender, submit
from tests.procurement.factories import officer_for

pytestmark = pytest.mark.django_db

MS = dt.timedelta(milliseconds=1)


class Clock:
    """The bid services' clock: `now` until something moves it."""

    def __init__(self, now: dt.datetime):
        self.now = now
        self.reads: list[dt.datetime] = []

    def __call__(self) -> dt.datetime:
        self.reads.append(self.now)
        return self.now


@pytest.fixture
def tender():
    return published_tender()[0]


@pytest.fixture
def clock(monkeypatch, tender):
    clock = Clock(tender.bid_deadline - dt.timedelta(seconds=5))
    monkeypatch.setattr(bid_services, "server_now", clock)
    return clock


def _deadline_passes_while_sealing(monkeypatch, clock, at: dt.datetime):
    """Sealing the bid content (the slow step) moves the clock to `at`."""
    real = sealing.seal_json

    def slow_seal_json(*args, **kwargs):
        clock.now = at
        return real(*args, **kwargs)

    monkeypatch.setattr(sealing, "seal_json", slow_seal_json)


def _sealed_files_on_disk() -> set[str]:
    root = Path(settings.PRIVATE_MEDIA_ROOT)
    folder = root / "sealed-bids"
    return (
        {p.relative_to(root).as_posix() for p in folder.rglob("*") if p.is_file()}
        if folder.exists()
        else set()
    )


def _bid_events(action: str) -> int:
    return Event.objects.filter(action=action).count()


@pytest.mark.parametrize(
    "after", [dt.timedelta(0), dt.timedelta(microseconds=1), MS, dt.timedelta(seconds=1)]
)
def test_a_bid_whose_instant_is_at_or_after_the_deadline_is_refused_whole(monkeypatch, tender, clock, after):
    organization, user = bidder()
    _deadline_passes_while_sealing(monkeypatch, clock, tender.bid_deadline + after)
    with pytest.raises(ValidationError) as exc:
        submit(tender, organization, user, files=[pdf_with("LATE-1"), pdf_with("LATE-2", "b.pdf")])
    assert exc.value.code == "deadline_passed"
    # Nothing half-written: no bid, no file row, no sealed file left in storage, no audit entry, not
    # even the tender key the first bid would have created.
    assert not Bid.objects.exists()
    assert not BidFile.objects.exists()
    assert _sealed_files_on_disk() == set()
    assert _bid_events("bid.submit") == 0
    assert not TenderSealingKey.objects.filter(tender=tender).exists()
    # The early check passed (the clock was before the deadline), the decision did not.
    assert clock.reads[0] < tender.bid_deadline <= clock.reads[-1]


def test_the_recorded_time_is_the_decision_instant_not_the_early_check(monkeypatch, tender, clock):
    organization, user = bidder()
    decided = tender.bid_deadline - MS  # the last millisecond before the deadline
    _deadline_passes_while_sealing(monkeypatch, clock, decided)
    bid = submit(tender, organization, user, files=[pdf_with("IN-TIME")])
    bid.refresh_from_db()
    assert bid.submitted_at == decided == bid.reconfirmed_at == bid.eligibility_checked_at
    assert clock.reads[-1] == decided and clock.reads[0] < decided
    assert {f.file.name for f in bid.files.all()} == _sealed_files_on_disk() and len(
        _sealed_files_on_disk()
    ) == 1
    assert _bid_events("bid.submit") == 1


def test_a_replacement_refused_at_the_deadline_leaves_the_old_bid_live(monkeypatch, tender, clock):
    organization, user = bidder()
    old = submit(tender, organization, user, price="400000", files=[pdf_with("KEEP")])
    kept = [f.id for f in bid_read_own(actor=user, bid=old).files]
    stored_before = _sealed_files_on_disk()
    _deadline_passes_while_sealing(monkeypatch, clock, tender.bid_deadline)
    with pytest.raises(ValidationError) as exc:
        bid_replace(
            actor=user,
            bid=old,
            price="390000",
            proposal="新方案",
            keep_files=kept,
            files=[pdf_with("NEW", "n.pdf")],
        )
    assert exc.value.code == "deadline_passed"
    old.refresh_from_db()
    assert old.status == BidStatus.SUBMITTED
    assert list(Bid.objects.values_list("pk", flat=True)) == [old.pk]
    assert BidFile.objects.count() == 1
    # The new file was deleted again; the kept file (the old bid's) is still there and readable.
    assert _sealed_files_on_disk() == stored_before
    assert bid_read_own(actor=user, bid=old).price == 400000
    assert _bid_events("bid.replace") == 0


def test_a_replacement_in_time_is_recorded_at_its_instant(monkeypatch, tender, clock):
    organization, user = bidder()
    old = submit(tender, organization, user)
    decided = tender.bid_deadline - dt.timedelta(microseconds=1)
    _deadline_passes_while_sealing(monkeypatch, clock, decided)
    new = bid_replace(actor=user, bid=old, price="390000", proposal="新方案")
    old.refresh_from_db()
    assert old.status == BidStatus.REPLACED and new.submitted_at == decided
    assert Bid.objects.filter(status=BidStatus.SUBMITTED).get() == new


def test_withdrawal_and_reconfirmation_follow_the_same_instant(monkeypatch, tender, clock):
    organization, user = bidder()
    bid = submit(tender, organization, user)
    # The deadline passes between the early check and the decision (the eligibility check is slow).
    real_check = bid_services._check_eligible

    def slow_check(*args, **kwargs):
        clock.now = tender.bid_deadline
        return real_check(*args, **kwargs)

    monkeypatch.setattr(bid_services, "_check_eligible", slow_check)
    with pytest.raises(ValidationError) as exc:
        bid_reconfirm(actor=user, bid=bid)
    assert exc.value.code == "deadline_passed"
    bid.refresh_from_db()
    assert bid.reconfirmed_at == bid.submitted_at and _bid_events("bid.reconfirm") == 0

    clock.now = tender.bid_deadline
    with pytest.raises(ValidationError) as exc:
        bid_withdraw(actor=user, bid=bid)
    assert exc.value.code == "deadline_passed"
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED and bid.withdrawn_at is None
    assert _bid_events("bid.withdraw") == 0

    clock.now = tender.bid_deadline - MS
    bid_withdraw(actor=user, bid=bid)
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN and bid.withdrawn_at == tender.bid_deadline - MS


def test_reconfirmation_in_time_is_recorded_at_its_instant(tender, clock):
    organization, user = bidder()
    bid = submit(tender, organization, user)
    tender_amend(
        actor=officer_for(tender.department),
        tender=tender,
        description="更正：服务范围调整",
        affects_bids=True,
    )
    clock.now = tender.bid_deadline - MS
    bid_reconfirm(actor=user, bid=bid)
    bid.refresh_from_db()
    assert bid.reconfirmed_at == bid.eligibility_checked_at == tender.bid_deadline - MS


# --- the opening refuses what got in anyway --------------------------------------------------------


def test_the_opening_refuses_a_late_bid_injected_into_the_database(client):
    tender, officer = published_tender()
    bids = []
    for price in ("300000", "310000", "320000", "330000"):
        organization, user = bidder()
        bids.append(submit(tender, organization, user, price=price, files=[pdf_with("LATE-FILE")]))
    late_at = tender.bid_deadline
    later_at = tender.bid_deadline + dt.timedelta(milliseconds=14, microseconds=800)
    Bid.objects.filter(pk=bids[2].pk).update(submitted_at=late_at)
    Bid.objects.filter(pk=bids[3].pk).update(submitted_at=later_at)
    close_and_open(tender)

    opening = BidOpening.objects.get(tender=tender)
    assert opening.bid_count == 2
    [lot] = opening.record["lots"]
    assert {row["bid"] for row in lot["bids"]} == {bids[0].pk, bids[1].pk}
    assert [row["bid"] for row in lot["late"]] == [bids[2].pk, bids[3].pk]
    assert opening.record["late_count"] == 2
    assert "7654321" not in str(opening.record)
    assert all("逾期投标，不予开启" in row["reason"] for row in lot["late"])
    assert lot["late"][1]["submitted_at"] == receipts.utc_ms(later_at)
    for late in bids[2:]:
        late.refresh_from_db()
        # Not opened: no price read, nothing unsealed into documents.
        assert late.opened_at is None and late.price is None and late.responsive is None
        assert not documents_of(late).exists()
    for on_time in bids[:2]:
        on_time.refresh_from_db()
        assert on_time.opened_at is not None and on_time.price is not None
    [event] = Event.objects.filter(action="tender.refuse_late_bids")
    assert event.object_id == str(tender.pk)
    assert [row["bid"] for row in event.after["bids"]] == [bids[2].pk, bids[3].pk]

    page = client.get(reverse("procurement:opening_record", args=[tender.pk]))
    assert page.status_code == 200
    body = page.content.decode()
    assert "有 2 份投标在投标截止时间或之后递交，已被拒绝，未予开启。" in body
    assert "逾期投标（已拒绝，未开启）" in body
    assert bids[3].organization.name in body and receipts.beijing_ms(later_at) in body

    client.force_login(officer)
    staff = client.get(reverse("procurement:tender_bids_staff", args=[tender.pk])).content.decode()
    assert "逾期投标（已拒绝，未开启）" in staff and bids[2].organization.name in staff
