"""Navigation that leads somewhere (issue 12, point 5) and list tables at 375 px (point 6)."""

from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from cms.awards import ensure_award_notice_index
from cms.calls import CallForBidsPage
from cms.home import home_figures
from core.models import Notification
from core.notifications import notify
from procurement.contracts.services.contracts import contract_publish
from procurement.models import Tender, TenderStatus
from tests.factories import UserFactory
from tests.procurement.contracting import published_award, signed_contract
from tests.procurement.evaluating import opened_tender

pytestmark = pytest.mark.django_db


def _confirmed_award():
    award, officer, _winner, _others = published_award()
    return award, officer


def test_home_cards_are_links_with_live_figures(client):
    ensure_award_notice_index()
    before = home_figures()
    _award, _officer = _confirmed_award()
    after = home_figures()
    assert after["recent_awards"] == before["recent_awards"] + 1
    assert after["open_calls"] == Tender.objects.filter(status=TenderStatus.PUBLISHED).count()
    body = client.get("/").content.decode()
    for href in (
        'href="/calls-for-bids/"',
        'href="/award-notices/"',
        f'href="{reverse("orgs:directory")}"',
        f'href="{reverse("volunteers:need_list")}"',
        f'href="{reverse("procurement:public_report_file")}"',
    ):
        assert href in body
    assert f"<strong>{after['recent_awards']}</strong>" in body


def test_home_page_query_count_does_not_grow_with_data(client, django_assert_max_num_queries):
    client.get("/")
    # the figures (3), the latest calls, notices (and their index page) and contracts (4), the page
    with django_assert_max_num_queries(16):
        client.get("/")
    _confirmed_award()
    _confirmed_award()
    with django_assert_max_num_queries(16):
        client.get("/")


def test_menu_offers_every_portal_section_from_the_site_tree(client):
    body = client.get("/").content.decode()
    nav = body[body.index('class="main-nav"') : body.index("</nav>")]
    hrefs = [
        "/purchasing-plans/",
        "/calls-for-bids/",
        "/opening-records/",
        "/award-notices/",
        "/contracts/",
        "/performance-evaluations/",
        "/credit-directory/",
        "/volunteering/",
        "/data-statistics/",
        "/report-statistics/",
        "/data/",
    ]
    positions = [nav.index(f'href="{href}"') for href in hrefs]
    assert positions == sorted(positions)  # the tree's order
    assert "开标记录" in nav and "绩效评价" in nav and "数据统计" in nav and "开放数据" in nav
    assert 'class="nav-toggle"' in body and "js/nav.js" in body


def test_anonymous_menu_offers_sign_up_when_the_page_exists(client):
    body = client.get("/").content.decode()
    try:
        signup = reverse("accounts:signup")
    except Exception:  # sign-up not installed yet: the menu must still render, without the link
        assert reverse("accounts:login") in body
        return
    assert f'href="{signup}"' in body


def test_award_notice_links_to_its_contract_once_published(client):
    index = ensure_award_notice_index()
    award, officer = _confirmed_award()
    url = index.notice_url(award.pk)
    contract = signed_contract(award, officer)
    contract_url = reverse("procurement:contract_public_detail", args=[contract.pk])
    assert contract_url not in client.get(url).content.decode()
    contract_publish(actor=officer, contract=contract)
    assert contract_url in client.get(url).content.decode()


def test_officer_tender_page_links_each_lot_to_its_evaluation(client):
    tender, officer, _bids, _users = opened_tender()
    client.force_login(officer)
    body = client.get(reverse("procurement_tender_manage", args=[tender.pk])).content.decode()
    for lot in tender.lots.all():
        assert reverse("procurement:evaluation_lot", args=[lot.pk]) in body


def test_notification_about_a_bid_links_to_the_bid(client):
    _tender, _officer, bids, _users = opened_tender()
    bid = bids[0]
    user = UserFactory()
    notify("test.anything", recipients=[user], obj=bid, context={})
    assert Notification.objects.get(recipient=user).url == reverse("procurement:bid_detail", args=[bid.pk])


def test_notification_about_a_tender_links_to_its_call_page():
    tender, _officer, _bids, _users = opened_tender()
    user = UserFactory()
    notify("test.anything", recipients=[user], obj=tender, context={})
    url = Notification.objects.get(recipient=user).url
    page = CallForBidsPage.objects.filter(tender=tender).first()
    assert url == (page.url if page is not None else "")


def test_notification_list_shows_the_item_link(client):
    _tender, _officer, bids, _users = opened_tender()
    user = UserFactory()
    notify("test.anything", recipients=[user], obj=bids[0], context={})
    client.force_login(user)
    body = client.get(reverse("core:notification_list")).content.decode()
    assert reverse("procurement:bid_detail", args=[bids[0].pk]) in body


LIST_TEMPLATES = [
    "cms/templates/cms/award_notice_index_page.html",
    "cms/templates/cms/call_for_bids_index_page.html",
    "cms/templates/cms/purchasing_plan_page.html",
]


@pytest.mark.parametrize("template", LIST_TEMPLATES)
def test_list_tables_sit_in_the_scrolling_wrapper(template):
    text = (Path(settings.BASE_DIR) / template).read_text()
    assert text.count('<table class="table">') == text.count(
        '<div class="table-wrap" tabindex="0">\n<table class="table">'
    )
    css = (Path(settings.BASE_DIR) / "static/css/site.css").read_text()
    assert ".table-wrap" in css and "overflow-x: auto" in css
