"""The bid receipt shows the member's own price with separators (it showed `820000.00`)."""

import pytest
from django.urls import reverse

from tests.procurement.bidding import bidder, published_tender, submit

pytestmark = pytest.mark.django_db


def test_the_receipt_shows_the_price_with_separators(client):
    tender, _officer = published_tender()
    organization, user = bidder()
    bid = submit(tender, organization, user, price="820000.00")
    client.force_login(user)
    html = client.get(reverse("procurement:bid_detail", args=[bid.pk])).content.decode()
    assert "820,000.00" in html and "820000.00" not in html
