"""RSS and Atom feeds of the public lists (issue 14, point 7): new calls for bids, award notices and
published contracts, filtered by service category and district; only published items, public fields,
a bounded number of items with a constant number of queries, and discoverable from the lists."""

import xml.etree.ElementTree as ET
from email.utils import parsedate_to_datetime

import pytest
from django.urls import reverse

from accounts.roles import Role
from cms import feeds as cms_feeds
from cms.awards import ensure_award_notice_index
from cms.calls import CallForBidsIndexPage, CallForBidsPage
from core.models import Department, ServiceCategory
from procurement.tendering import feeds as feed_base
from procurement.tendering.services.tenders import tender_publish, tender_submit
from tests.factories import DistrictFactory, staff_user
from tests.procurement.bidding import MARKER_TEXT
from tests.procurement.contracting import active_contract, published_award, signed_contract
from tests.procurement.factories import BudgetLineFactory, make_tender, officer_for, top_category

pytestmark = pytest.mark.django_db

ATOM = "{http://www.w3.org/2005/Atom}"
CALLS_RSS = "/feeds/calls/rss/"
CALLS_ATOM = "/feeds/calls/atom/"
AWARDS_RSS = "/feeds/award-notices/rss/"
AWARDS_ATOM = "/feeds/award-notices/atom/"
CONTRACTS_RSS = "/procurement/contracts/feed/rss/"
CONTRACTS_ATOM = "/procurement/contracts/feed/atom/"


def _other_category():
    return ServiceCategory.objects.filter(parent__isnull=True).exclude(pk=top_category().pk).first()


def _in_district(department, district):
    Department.objects.filter(pk=department.pk).update(district=district)


def _call(*, category=None, district=None, publish=True):
    line = BudgetLineFactory(**({"category": category} if category else {}))
    if district is not None:
        _in_district(line.plan.department, district)
    officer = officer_for(line.plan.department)
    tender = make_tender(officer=officer, budget_line=line)
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug=f"call-{tender.pk}", tender=tender, live=False)
    index.add_child(instance=page)
    if publish:
        tender_submit(actor=officer, tender=tender)
        tender_publish(actor=staff_user(Role.BUREAU_APPROVER), tender=tender)
        page.save_revision().publish()
    tender.refresh_from_db()
    return page, tender


def _rss(client, url):
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"].startswith("application/rss+xml")
    channel = ET.fromstring(response.content).find("channel")
    return channel, channel.findall("item"), response.content.decode()


def _atom(client, url):
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/atom+xml")
    root = ET.fromstring(response.content)
    assert root.tag == f"{ATOM}feed"
    return root, root.findall(f"{ATOM}entry")


# --- calls ------------------------------------------------------------------------------------------


def test_calls_feed_lists_live_calls_in_chinese_with_links_and_shanghai_dates(client):
    page, tender = _call()
    _draft_page, draft = _call(publish=False)
    channel, items, body = _rss(client, CALLS_RSS)
    assert channel.findtext("title") == "新采购公告"
    assert [i.findtext("title") for i in items] == [f"{tender.reference} {tender.title}"]
    item = items[0]
    assert item.findtext("link") == f"http://testserver{page.url}"
    assert client.get(page.url).status_code == 200
    published = parsedate_to_datetime(item.findtext("pubDate"))
    assert published.utcoffset().total_seconds() == 8 * 3600
    assert published == tender.published_at.replace(microsecond=0)
    description = item.findtext("description")
    assert "采购单位：" in description and tender.department.name in description
    assert "服务类别：" in description and tender.budget_line.category.name in description
    # Never the unpublished call, the contact person or phone.
    assert draft.title not in body and draft.reference not in body
    assert tender.contact_name not in body and tender.contact_phone not in body


def test_calls_atom_feed_parses_with_the_same_entries(client):
    page, tender = _call()
    root, entries = _atom(client, CALLS_ATOM)
    assert root.findtext(f"{ATOM}title") == "新采购公告"
    assert [e.findtext(f"{ATOM}title") for e in entries] == [f"{tender.reference} {tender.title}"]
    assert entries[0].find(f"{ATOM}link").get("href") == f"http://testserver{page.url}"
    assert entries[0].findtext(f"{ATOM}updated").endswith("+08:00")


def test_calls_feed_filters_by_category_and_district(client):
    district = DistrictFactory()
    other_category = _other_category()
    _page, here = _call(district=district)
    _page, elsewhere = _call(category=other_category)

    def titles(query):
        return {i.findtext("title") for i in _rss(client, f"{CALLS_RSS}?{query}")[1]}

    here_title, elsewhere_title = f"{here.reference} {here.title}", f"{elsewhere.reference} {elsewhere.title}"
    assert titles(f"category={top_category().code}") == {here_title}
    assert titles(f"category={other_category.code}") == {elsewhere_title}
    assert titles(f"district={district.code}") == {here_title}
    assert titles(f"district={district.code}&category={other_category.code}") == set()
    channel = _rss(client, f"{CALLS_RSS}?district={district.code}")[0]
    assert district.name in channel.findtext("title")


@pytest.mark.parametrize(
    "query",
    [
        "category=no-such-code",
        "district=999999",
        "category=",
        "district=%E6%97%A0",
        "category=a&category=b",
        "district=" + "9" * 41,
    ],
)
@pytest.mark.parametrize("url", [CALLS_RSS, CALLS_ATOM, AWARDS_RSS, CONTRACTS_ATOM])
def test_invalid_filters_are_not_found(client, url, query):
    assert client.get(f"{url}?{query}").status_code == 404


def test_calls_feed_is_bounded_and_its_query_count_is_constant(
    client, django_assert_num_queries, monkeypatch
):
    url = f"{CALLS_RSS}?category={top_category().code}"
    _call()
    # the first request of the process after a reference row changed reads the reference rows the
    # items name (core.references) and the calls' index page (cms.portal_menu.live_index); then:
    # the request's savepoint and its release, the category, the calls
    _rss(client, url)
    with django_assert_num_queries(4):
        assert len(_rss(client, url)[1]) == 1
    _call()
    _call()
    _rss(client, url)
    with django_assert_num_queries(4):
        assert len(_rss(client, url)[1]) == 3
    monkeypatch.setattr(cms_feeds, "FEED_SIZE", 2)
    assert len(_rss(client, CALLS_RSS)[1]) == 2
    assert feed_base.FEED_SIZE == 50


# --- award notices ----------------------------------------------------------------------------------


def test_award_notices_feed_shows_published_notices_only_without_other_bids(client):
    index = ensure_award_notice_index()
    assert _rss(client, AWARDS_RSS)[1] == []
    award, _officer, _winner, others = published_award()
    channel, items, body = _rss(client, AWARDS_RSS)
    assert channel.findtext("title") == "中标（成交）结果公告"
    assert len(items) == 1
    item = items[0]
    assert item.findtext("link") == f"http://testserver{index.notice_url(award.pk)}"
    assert client.get(index.notice_url(award.pk)).status_code == 200
    assert award.organization.name in item.findtext("description")
    assert f"中标（成交）金额（元）：{award.amount:,.2f}" in item.findtext("description")
    assert parsedate_to_datetime(item.findtext("pubDate")) == award.notice_published_at.replace(microsecond=0)
    # The losing bids (their prices and bidders) and the sealed contents stay out.
    for price in ("1,000,000.00", "1000000", "1,200,000.00", "1200000"):
        assert price not in body
    for user in others:
        for membership in user.memberships.all():
            assert membership.organization.name not in body
    assert MARKER_TEXT not in body
    _root, entries = _atom(client, AWARDS_ATOM)
    assert len(entries) == 1


def test_award_notices_feed_filters_by_district(client):
    ensure_award_notice_index()
    award, *_ = published_award()
    district = DistrictFactory()
    assert _rss(client, f"{AWARDS_RSS}?district={district.code}")[1] == []
    _in_district(award.tender.department, district)
    assert len(_rss(client, f"{AWARDS_RSS}?district={district.code}")[1]) == 1
    assert len(_rss(client, f"{AWARDS_RSS}?category={top_category().code}")[1]) == 1
    assert _rss(client, f"{AWARDS_RSS}?category={_other_category().code}")[1] == []


# --- contracts ------------------------------------------------------------------------------------


def test_contracts_feed_lists_published_contracts_only(client, django_assert_num_queries):
    award, officer, _winner, _others = published_award()
    unpublished = signed_contract(award, officer)
    channel, items, _body = _rss(client, CONTRACTS_RSS)
    assert items == []
    assert unpublished.published_at is None
    award2, officer2, _w, _o = published_award()
    contract = active_contract(award2, officer2)
    _rss(client, CONTRACTS_RSS)  # the process reads the reference rows the items name once
    with django_assert_num_queries(3):  # the savepoint, the contracts, the release
        channel, items, body = _rss(client, CONTRACTS_RSS)
    assert channel.findtext("title") == "已公开合同"
    assert [i.findtext("title") for i in items] == [f"{contract.reference} {contract.title}"]
    assert items[0].findtext("link") == "http://testserver" + reverse(
        "procurement:contract_public_detail", args=[contract.pk]
    )
    assert parsedate_to_datetime(items[0].findtext("pubDate")) == contract.published_at.replace(microsecond=0)
    assert contract.organization.name in items[0].findtext("description")
    # Private: the signed copy, the milestones' submissions, the legal representative.
    assert "contract.pdf" not in body and contract.organization.legal_rep_name not in body
    assert unpublished.reference not in body
    _root, entries = _atom(client, f"{CONTRACTS_ATOM}?category={top_category().code}")
    assert len(entries) == 1
    assert _atom(client, f"{CONTRACTS_ATOM}?category={_other_category().code}")[1] == []


# --- discoverable from the lists ------------------------------------------------------------------------


def test_lists_announce_and_link_their_feeds(client):
    ensure_award_notice_index()
    pages = {
        CallForBidsIndexPage.objects.get().url: (CALLS_RSS, CALLS_ATOM),
        "/award-notices/": (AWARDS_RSS, AWARDS_ATOM),
        reverse("procurement:contract_public_list"): (CONTRACTS_RSS, CONTRACTS_ATOM),
    }
    for url, (rss, atom) in pages.items():
        body = client.get(url).content.decode()
        assert '<link rel="alternate" type="application/rss+xml"' in body and f'href="{rss}"' in body, url
        assert 'type="application/atom+xml"' in body and f'href="{atom}"' in body, url
        assert "订阅 RSS" in body, url
