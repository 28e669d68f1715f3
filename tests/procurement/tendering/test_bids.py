"""Sealed bids: submit, replace, withdraw, the deadline boundary, eligibility, the receipt and the
bidder's own view."""

import datetime as dt
import hashlib
from decimal import Decimal

import pytest
import time_machine
from cryptography.exceptions import InvalidTag
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.roles import Role
from orgs.models import CreditList, CreditListEntry
from procurement.models import Bid, BidStatus, TenderSealingKey
from procurement.tendering import sealing
from procurement.tendering.services.bids import bid_file_read_own, bid_read_own, bid_replace, bid_withdraw
from procurement.tendering.services.tenders import tender_suspend
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.procurement.bidding import bidder, docx_with, pdf_with, published_tender, submit

pytestmark = pytest.mark.django_db


@pytest.fixture
def tender():
    return published_tender()[0]


def test_bid_is_stored_sealed_with_a_receipt_over_ciphertext_and_nonce(tender):
    organization, user = bidder()
    bid = submit(tender, organization, user, price="450000.00")
    bid.refresh_from_db()
    assert bid.status == BidStatus.SUBMITTED
    assert bid.price is None and bid.responsive is None
    assert b"450000" not in bytes(bid.ciphertext)
    expected = sealing.receipt_hash(sealing.Sealed(bytes(bid.ciphertext), bytes(bid.nonce)))
    assert bid.receipt_hash == expected
    assert bid.receipt_hash != hashlib.sha256(b"450000.00").hexdigest()
    key = TenderSealingKey.objects.get(tender=tender)
    assert len(bytes(key.wrapped_key)) > 32 and bytes(key.public_key) not in bytes(key.wrapped_key)


def test_bidder_reads_its_own_bid_and_files(tender):
    organization, user = bidder()
    bid = submit(tender, organization, user, price="450000.50", files=[pdf_with("MINE")])
    colleague = member(organization)
    content = bid_read_own(actor=colleague, bid=bid)
    assert content.price == Decimal("450000.50")
    assert content.proposal.startswith("服务方案")
    [info] = content.files
    data, info2 = bid_file_read_own(actor=user, bid=bid, file_id=info.id)
    assert b"MINE" in data and info2.name == "proposal.pdf"


@pytest.mark.parametrize(
    "who",
    ["other_member", "officer", "superuser", "supervisor", "anonymous"],
)
def test_nobody_but_the_bidding_organization_unseals_a_bid(tender, who):
    organization, user = bidder()
    bid = submit(tender, organization, user)
    actor = {
        "other_member": lambda: bidder()[1],
        "officer": lambda: staff_user(Role.PROCUREMENT_OFFICER, department=tender.department),
        "superuser": lambda: UserFactory(is_superuser=True, is_staff=True),
        "supervisor": lambda: staff_user(Role.SUPERVISOR),
        "anonymous": lambda: __import__("django.contrib.auth.models").contrib.auth.models.AnonymousUser(),
    }[who]()
    with pytest.raises(PermissionDenied):
        bid_read_own(actor=actor, bid=bid)


def test_one_live_bid_per_organization_and_lot(tender):
    organization, user = bidder()
    submit(tender, organization, user)
    with pytest.raises(ValidationError) as exc:
        submit(tender, organization, user)
    assert exc.value.code == "duplicate"


def test_replace_keeps_the_old_bid_as_replaced_and_can_keep_files(tender):
    organization, user = bidder()
    first = submit(tender, organization, user, price="400000", files=[pdf_with("KEEP"), docx_with("DROP")])
    content = bid_read_own(actor=user, bid=first)
    keep = [f.id for f in content.files if f.name.endswith(".pdf")]
    second = bid_replace(
        actor=user,
        bid=first,
        price="380000",
        proposal="新方案",
        keep_files=keep,
        files=[pdf_with("NEW", "b.pdf")],
    )
    first.refresh_from_db()
    assert first.status == BidStatus.REPLACED and second.replaces_id == first.pk
    assert second.receipt_hash != first.receipt_hash
    new_content = bid_read_own(actor=user, bid=second)
    assert new_content.price == Decimal("380000.00")
    assert sorted(f.name for f in new_content.files) == ["b.pdf", "proposal.pdf"]
    kept_id = keep[0]
    data, _info = bid_file_read_own(actor=user, bid=second, file_id=kept_id)
    assert b"KEEP" in data
    assert Bid.objects.filter(organization=organization, status=BidStatus.SUBMITTED).count() == 1


def test_withdraw_then_submit_again(tender):
    organization, user = bidder()
    bid = submit(tender, organization, user)
    bid_withdraw(actor=user, bid=bid)
    bid.refresh_from_db()
    assert bid.status == BidStatus.WITHDRAWN and bid.withdrawn_at
    with pytest.raises(ValidationError):
        bid_withdraw(actor=user, bid=bid)
    again = submit(tender, organization, user)
    assert again.status == BidStatus.SUBMITTED


def test_deadline_boundary_one_second_before_accepted_at_it_refused(tender):
    organization, user = bidder()
    deadline = tender.bid_deadline
    with time_machine.travel(deadline - dt.timedelta(seconds=1), tick=False):
        bid = submit(tender, organization, user)
    other, other_user = bidder()
    with time_machine.travel(deadline, tick=False):
        with pytest.raises(ValidationError) as exc:
            submit(tender, other, other_user)
        assert exc.value.code == "deadline_passed"
        with pytest.raises(ValidationError):
            bid_withdraw(actor=user, bid=bid)
        with pytest.raises(ValidationError):
            bid_replace(actor=user, bid=bid, price="1", proposal="x")


def test_suspended_tender_refuses_bids(tender):
    officer = staff_user(Role.PROCUREMENT_OFFICER, department=tender.department)
    tender_suspend(actor=officer, tender=tender, reason="质疑处理中")
    organization, user = bidder()
    with pytest.raises(ValidationError) as exc:
        submit(tender, organization, user)
    assert exc.value.code == "not_open"


def test_ineligible_organization_is_refused_with_the_reason(tender):
    organization, user = bidder()
    CreditListEntry.objects.create(
        organization=organization,
        list_type=CreditList.ABNORMAL,
        trigger="unreachable",
        listed_on=timezone.localdate() - dt.timedelta(days=3),
        reason="无法联系",
        deciding_authority="市民政局",
    )
    with pytest.raises(ValidationError) as exc:
        submit(tender, organization, user)
    assert exc.value.code == "not_eligible"
    assert "异常" in " ".join(exc.value.messages) or "abnormal" in " ".join(exc.value.messages)


def test_non_member_cannot_bid_for_an_organization(tender):
    organization = OrganizationFactory()
    outsider = member(OrganizationFactory())
    with pytest.raises(PermissionDenied):
        submit(tender, organization, outsider)


@pytest.mark.parametrize(
    ("price", "code"),
    [("0", "price"), ("-5", "price"), ("12.345", "price"), ("abc", "price"), ("99999999", "price")],
)
def test_bad_prices_are_refused(tender, price, code):
    organization, user = bidder()
    with pytest.raises(ValidationError) as exc:
        submit(tender, organization, user, price=price)
    assert exc.value.code == code


def test_a_program_disguised_as_a_pdf_is_refused(tender):
    organization, user = bidder()
    with pytest.raises(ValidationError) as exc:
        submit(tender, organization, user, files=[SimpleUploadedFile("x.pdf", b"MZ\x90\x00evil")])
    assert exc.value.code == "files"
    assert not Bid.objects.exists()


def test_ciphertext_moved_to_another_bid_does_not_open(tender):
    first_org, first_user = bidder()
    second_org, second_user = bidder()
    first = submit(tender, first_org, first_user, price="100000")
    second = submit(tender, second_org, second_user, price="200000")
    Bid.objects.filter(pk=second.pk).update(ciphertext=first.ciphertext, nonce=first.nonce)
    second.refresh_from_db()
    with pytest.raises(InvalidTag):
        bid_read_own(actor=second_user, bid=second)
