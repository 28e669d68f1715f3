"""The Wagtail site of a request, remembered per process until a page or a site changes (issue 17;
cms/site_middleware.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, PageViewRestriction, Site

from cms.home import HomePage

pytestmark = pytest.mark.django_db


def _tables_read(client, path: str) -> list[str]:
    with CaptureQueriesContext(connection) as read:
        assert client.get(path).status_code == 200
    return [query["sql"] for query in read.captured_queries]


def test_the_site_and_its_home_page_are_read_once_per_generation(client):
    client.get("/")
    again = _tables_read(client, "/")
    assert not [sql for sql in again if '"wagtailcore_site"' in sql]
    assert not [sql for sql in again if 'FROM "cms_homepage"' in sql]


def test_a_published_change_of_the_home_page_shows_at_once(client):
    client.get("/")
    home = HomePage.objects.get()
    home.intro = "<p>本周起开放志愿者报名</p>"
    home.save_revision().publish()
    assert "本周起开放志愿者报名" in client.get("/").content.decode()


def test_a_changed_site_is_followed_at_once(client):
    client.get("/")
    home = HomePage.objects.get()
    other = home.add_child(
        instance=HomePage(title="另一个首页", slug="another-home", intro="<p>另一个站点</p>")
    )
    other.save_revision().publish()
    site = Site.objects.get(is_default_site=True)
    site.root_page = Page.objects.get(pk=other.pk)
    site.save()
    assert "另一个站点" in client.get("/").content.decode()


# --- page view restrictions, asked once per process while none exist (cms/restrictions.py) ---------


def _live_call(title: str):
    from tests.cms.test_home import _live_call as live_call

    return live_call(title)


def test_while_no_page_is_private_a_page_asks_nothing_about_restrictions(client):
    page = _live_call("公开的采购公告")
    client.get(page.url)
    again = _tables_read(client, page.url)
    assert not [sql for sql in again if "wagtailcore_pageviewrestriction" in sql]


def test_a_new_restriction_is_enforced_at_once_on_the_page_and_below_it(client):
    page = _live_call("内部的采购公告")
    index = page.get_parent()
    assert "内部的采购公告" in client.get(page.url).content.decode()
    assert "内部的采购公告" in client.get("/").content.decode()
    restriction = PageViewRestriction.objects.create(
        page=index, restriction_type=PageViewRestriction.PASSWORD, password="secret-words"
    )
    for url in (index.url, page.url):
        body = client.get(url).content.decode()
        assert "内部的采购公告" not in body and 'name="password"' in body
    # the home page lists public calls only
    assert "内部的采购公告" not in client.get("/").content.decode()
    restriction.delete()
    assert "内部的采购公告" in client.get(page.url).content.decode()
    assert "内部的采购公告" in client.get("/").content.decode()


# --- the page each path served, remembered (cms/site_middleware.py) ----------------------------------


def test_a_plain_page_is_loaded_in_one_query_without_walking_the_path(client):
    page = _live_call("第二次访问的采购公告")
    client.get(page.url)
    again = _tables_read(client, page.url)
    assert not [sql for sql in again if '"wagtailcore_page"."slug" =' in sql]
    assert len([sql for sql in again if 'FROM "cms_callforbidspage"' in sql and "page_ptr_id" in sql]) >= 1
    assert "第二次访问的采购公告" in client.get(page.url).content.decode()


def test_an_unpublished_or_moved_page_is_routed_as_wagtail_does(client):
    page = _live_call("将被移动的采购公告")
    url = page.url
    assert client.get(url).status_code == 200
    page.unpublish()
    assert client.get(url).status_code == 404
    page.save_revision().publish()
    assert client.get(url).status_code == 200
    home = HomePage.objects.get()
    page.move(home, pos="last-child")
    page.refresh_from_db()
    moved = client.get(url)  # Wagtail's redirects app sends the old address to the new one
    assert moved.status_code == 301 and moved["Location"] == page.url
    assert client.get(page.url).status_code == 200


def test_a_routable_pages_views_are_remembered_and_routed_by_the_page(client):
    """The award notices' list and a notice under it: the second request loads the index in one
    query and lets it route its own sub-URL; no slug is looked up along the path."""
    from cms.awards import AwardNoticeIndexPage

    index = AwardNoticeIndexPage.objects.get()
    for url in (index.url, index.url + "?sort=-published"):
        client.get(url)
        again = _tables_read(client, url)
        assert not [sql for sql in again if '"wagtailcore_page"."slug" =' in sql]
    assert client.get(index.url + "999999/").status_code == 404
    assert client.get(index.url + "999999/").status_code == 404  # a missing notice is never kept
    assert client.get(index.url + "not-a-notice/").status_code == 404
    assert client.get(index.url).status_code == 200


def test_a_remembered_routable_page_unpublished_is_routed_as_wagtail_does(client):
    from cms.awards import AwardNoticeIndexPage

    index = AwardNoticeIndexPage.objects.get()
    assert client.get(index.url).status_code == 200
    assert client.get(index.url).status_code == 200  # now remembered
    index.unpublish()
    assert client.get(index.url).status_code == 404
    index.save_revision().publish()
    assert client.get(index.url).status_code == 200
