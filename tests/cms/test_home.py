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
