"""The public opening record (开标记录): 404 before the opening, then bidders, prices, submission
times and responsiveness (with the reason) for anyone; linked from the call's page."""

import pytest
from django.utils import timezone
from django.utils.html import escape

from cms.calls import CallForBidsIndexPage, CallForBidsPage
from tests.procurement.bidding import bidder, close_and_open, published_tender, submit

pytestmark = pytest.mark.django_db


def _call_with_bids():
    tender, _officer = published_tender()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender)
    CallForBidsIndexPage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    bids = []
    for price in ("450000.00", "520000.00"):
        organization, user = bidder()
        bids.append(submit(tender, organization, user, price=price))
    return tender, page, bids


def test_opening_record_is_404_before_the_opening(client):
    tender, page, _bids = _call_with_bids()
    assert client.get(f"/procurement/calls/{tender.pk}/opening/").status_code == 404
    assert f"/procurement/calls/{tender.pk}/opening/" not in client.get(page.url).content.decode()


def test_opening_record_is_404_for_an_unknown_call(client):
    assert client.get("/procurement/calls/999999/opening/").status_code == 404


def test_opening_record_shows_bidders_prices_times_and_responsiveness_after_opening(client):
    tender, page, bids = _call_with_bids()
    close_and_open(tender)
    response = client.get(f"/procurement/calls/{tender.pk}/opening/")
    assert response.status_code == 200
    body = response.content.decode()
    for bid in bids:
        bid.refresh_from_db()
        assert bid.organization.name in body
        assert bid.organization.uscc in body
        assert timezone.localtime(bid.submitted_at).strftime("%Y-%m-%d %H:%M:%S") in body
    assert "450,000.00" in body and "520,000.00" in body
    assert f'href="/procurement/calls/{tender.pk}/opening/"' in client.get(page.url).content.decode()


def test_opening_record_gives_the_reason_a_bid_was_not_responsive(client):
    tender, _page, bids = _call_with_bids()
    organization = bids[0].organization
    organization.registration_status = "revoked"
    organization.save(update_fields=["registration_status"])
    close_and_open(tender)
    bids[0].refresh_from_db()
    assert bids[0].responsive is False and bids[0].nonresponsive_reason
    body = client.get(f"/procurement/calls/{tender.pk}/opening/").content.decode()
    assert escape(bids[0].nonresponsive_reason) in body


def test_opening_record_query_count_does_not_grow_with_bids(client, django_assert_max_num_queries):
    tender, _page, _bids = _call_with_bids()
    for _n in range(4):
        organization, user = bidder()
        submit(tender, organization, user, price="480000.00")
    close_and_open(tender)
    with django_assert_max_num_queries(12):
        assert client.get(f"/procurement/calls/{tender.pk}/opening/").status_code == 200
