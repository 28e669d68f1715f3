"""Who may read a bid's proposal and files (`can_read_opened_bid`): after the opening, the tender's
officers and the panel members who declared no conflict; nobody before the opening, never an
undeclared member, another organization, the bidder through this rule, or the public."""

import pytest
from django.contrib.auth.models import AnonymousUser

from accounts.roles import Role
from procurement.evaluation.permissions import can_read_opened_bid
from procurement.evaluation.services.panels import panel_create, panel_draw, panel_member_declare
from procurement.models import MemberStatus
from tests.factories import staff_user
from tests.procurement.bidding import bidder, close_and_open, published_tender, submit
from tests.procurement.evaluating import make_expert

pytestmark = pytest.mark.django_db


@pytest.fixture
def opened():
    """An opened tender with three bids and a drawn panel whose first member declared, the others not."""
    tender, officer = published_tender()
    bids = []
    for price in ("450000", "500000", "550000"):
        organization, user = bidder()
        bids.append((submit(tender, organization, user, price=price), user))
    close_and_open(tender)
    for _n in range(5):
        make_expert(officer)
    panel = panel_create(actor=officer, lot=tender.lots.get(), size=3, external_count=3)
    panel_draw(actor=officer, panel=panel)
    invited = list(panel.members.filter(status=MemberStatus.INVITED).order_by("pk"))
    panel_member_declare(actor=invited[0].user, member=invited[0])
    bid, bidder_user = bids[0]
    bid.refresh_from_db()
    return {"tender": tender, "officer": officer, "bid": bid, "bidder": bidder_user,
            "declared": invited[0].user, "undeclared": invited[1].user}  # fmt: skip


def test_officer_and_declared_member_may_read_an_opened_bid(opened):
    assert can_read_opened_bid(opened["officer"], opened["bid"])
    assert can_read_opened_bid(opened["declared"], opened["bid"])


def test_undeclared_member_may_not_read_an_opened_bid(opened):
    assert not can_read_opened_bid(opened["undeclared"], opened["bid"])


def test_other_organizations_staff_of_other_units_and_the_public_may_not_read_an_opened_bid(opened):
    _organization, other = bidder()
    assert not can_read_opened_bid(other, opened["bid"])
    assert not can_read_opened_bid(staff_user(Role.PROCUREMENT_OFFICER), opened["bid"])
    assert not can_read_opened_bid(AnonymousUser(), opened["bid"])
    # The bidder reads its own bid through tendering's bid_read_own, not through this rule.
    assert not can_read_opened_bid(opened["bidder"], opened["bid"])


def test_nobody_may_read_a_bid_before_the_opening():
    tender, officer = published_tender()
    organization, user = bidder()
    bid = submit(tender, organization, user)
    assert not can_read_opened_bid(officer, bid)
    assert not can_read_opened_bid(staff_user(Role.SUPERVISOR), bid)
