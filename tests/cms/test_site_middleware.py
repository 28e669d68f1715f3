"""The Wagtail site of a request, remembered per process until a page or a site changes (issue 17;
cms/site_middleware.py)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from wagtail.models import Page, Site

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
