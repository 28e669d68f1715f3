from io import StringIO

import pytest
from django.conf import settings
from django.core.management import call_command

from accounts.demo import DEMO_USERS

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", stdout=StringIO())


def _links(body: str) -> list[str]:
    import re

    main = body.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    return [href for href in re.findall(r'<a href="([^"#]+)"', main) if href.startswith("/")]


@pytest.mark.parametrize("username", [u[0] for u in DEMO_USERS])
def test_every_workbench_link_works_for_its_demo_user(client, demo, username):
    assert client.login(username=username, password=settings.DEMO_PASSWORD)
    response = client.get("/workbench/")
    assert response.status_code == 200
    links = _links(response.content.decode())
    assert "/calls-for-bids/" in links
    for href in links:
        page = client.get(href)
        assert page.status_code in (200, 302), f"{username}: {href} -> {page.status_code}"


def test_workbench_shows_each_role_its_own_places(client, demo):
    expectations = {
        "admin": "/accounts/staff/",
        "officer": "/cms-admin/procurement/tenders/",
        "registry": "/orgs/review/",
        "supervisor": "/procurement/supervision/",
        "orgmember": "/procurement/bids/",
        "volunteer": "/volunteers/me/",
    }
    for username, expected in expectations.items():
        client.login(username=username, password=settings.DEMO_PASSWORD)
        links = _links(client.get("/workbench/").content.decode())
        assert any(link.startswith(expected) for link in links), (username, links)
        client.logout()
    client.login(username="volunteer", password=settings.DEMO_PASSWORD)
    assert "/accounts/staff/" not in _links(client.get("/workbench/").content.decode())


def test_workbench_needs_login(client):
    response = client.get("/workbench/")
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
