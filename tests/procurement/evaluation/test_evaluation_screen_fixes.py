"""What the browser journey (a) showed on the evaluation screens: prices with separators on the
officer's and the experts' pages, one success message (not the base layout's and the page's own),
the button that names the purchaser representative says so (指定, not 名称), and the long list of
what still prevents finalizing is folded under its count."""

import pytest
from django.urls import reverse
from django.utils import translation

from tests.procurement.evaluating import make_expert, opened_tender, seated_panel

pytestmark = pytest.mark.django_db

PRICES = ("900000", "1000000", "1200000")


@pytest.fixture
def zh():
    with translation.override("zh-hans"):
        yield


def test_the_officers_lot_page_shows_prices_with_separators_one_message_and_the_appoint_button(client, zh):
    tender, officer, _bids, _users = opened_tender(prices=PRICES)
    client.force_login(officer)
    url = reverse("procurement:evaluation_lot", args=[tender.lots.get().pk])
    response = client.post(
        url, {"action": "create_panel", "size": "3", "external_count": "3"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert response.status_code == 302
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert html.count('<li class="message ') == 1, "the success message is shown once"
    assert "900,000.00" in html and "1,000,000.00" in html
    assert ">指定</button>" in html and ">名称</button>" not in html
    # Drawn but nobody declared or scored: what is missing, folded under its count.
    for _ in range(5):
        make_expert(officer)
    client.post(url, {"action": "draw"})
    html = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<details data-finalize-problems" in html and "完成评审前尚有" in html


def test_the_experts_scoring_pages_show_prices_with_separators(client, zh):
    tender, officer, bids, _users = opened_tender(prices=PRICES)
    _panel, members = seated_panel(tender, officer, size=3)
    member = members[0]
    client.force_login(member.user)
    overview = client.get(reverse("procurement:expert_scoring", args=[member.pk])).content.decode()
    assert "1,200,000.00" in overview and "1200000" not in overview
    score = client.get(reverse("procurement:expert_score_bid", args=[member.pk, bids[0].pk]))
    assert "900,000.00" in score.content.decode()
