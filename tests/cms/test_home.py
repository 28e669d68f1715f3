import pytest

pytestmark = pytest.mark.django_db


def test_home_page_is_chinese_by_default(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert 'lang="zh-Hans"' in body
    assert "政府购买服务" in body and "首页" in body


def test_home_page_in_english(client):
    client.cookies["django_language"] = "en"
    response = client.get("/")
    body = response.content.decode()
    assert 'lang="en"' in body
    assert "Calls for bids" in body and "Home" in body


def test_language_switch_sets_english(client):
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    assert "Calls for bids" in client.get("/").content.decode()


def test_home_page_is_site_root():
    from wagtail.models import Site

    from cms.models import HomePage

    site = Site.objects.get(is_default_site=True)
    assert isinstance(site.root_page.specific, HomePage)


def test_404_page_is_chinese(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404


def test_browser_language_does_not_override_chinese_default(client):
    body = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-Hans"' in body and "首页" in body


def _live_call(title):
    from django.utils import timezone

    from cms.calls import CallForBidsIndexPage, CallForBidsPage
    from procurement.models import TenderStatus
    from tests.procurement.factories import TenderFactory

    tender = TenderFactory(title=title, status=TenderStatus.PUBLISHED, published_at=timezone.now())
    page = CallForBidsPage(title=title, slug=f"call-{tender.pk}", tender=tender)
    CallForBidsIndexPage.objects.get().add_child(instance=page)
    page.save_revision().publish()
    return page


def test_home_lists_the_latest_calls_award_notices_and_contracts(client):
    from cms.awards import ensure_award_notice_index
    from tests.procurement.contracting import active_contract, published_award, signed_contract

    assert "暂无已发布的采购公告" in client.get("/").content.decode()
    call = _live_call("社区居家养老服务项目")
    award, officer, _winner, _others = published_award()
    contract = active_contract(award, officer)
    award2, officer2, _w, _o = published_award()
    unpublished = signed_contract(award2, officer2)  # signed, not published
    index = ensure_award_notice_index()
    body = client.get("/").content.decode()
    assert "最新采购公告" in body and f'href="{call.url}"' in body
    assert f'href="{index.notice_url(award.pk)}"' in body
    assert f'href="/procurement/contracts/{contract.pk}/"' in body
    assert f'href="/procurement/contracts/{unpublished.pk}/"' not in body
    # the contract's card: its title, its winner and its amount, read with the list's one query
    card = body.split('id="latest-contracts"', 1)[1]
    assert contract.title in card and contract.organization.name in card
    assert f"{contract.amount:,.2f}" in card


def test_home_query_count_does_not_grow_with_items(client, django_assert_num_queries):
    _live_call("项目一")
    client.get("/")  # warm Wagtail's site and page caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get("/")
    first = len(one)  # now: the connection's log of queries is a bounded ring
    for n in range(4):
        _live_call(f"项目{n + 2}")
    client.get(
        "/"
    )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    with django_assert_num_queries(first):
        client.get("/")
