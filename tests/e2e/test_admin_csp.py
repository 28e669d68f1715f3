"""Wagtail's admin works under its relaxed Content-Security-Policy: a superuser opens the dashboard,
the page explorer, the editor of the home page and its preview, the audit viewer and other list
screens; the browser refuses nothing (the
page fixture fails the test on any CSP violation reported on the console), and the editor's scripts
run (its tabs answer a click). Our own pages around it keep the strict policy."""

import pytest
from wagtail.models import Site

from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


@pytest.fixture
def viewport() -> str:
    """The admin is a desktop tool: its policy is checked at the desktop width only."""
    return "1280"


def test_the_wagtail_admin_and_its_preview_run_under_their_policy(page, login):
    admin = UserFactory(is_superuser=True, is_staff=True)
    login(page, admin)
    home = Site.objects.get(is_default_site=True).root_page

    response = page.goto("/cms-admin/")
    assert response.status == 200
    assert "'unsafe-inline'" in response.headers["content-security-policy"]
    page.goto(f"/cms-admin/pages/{home.pk}/")
    response = page.goto(f"/cms-admin/pages/{home.pk}/edit/")
    assert response.status == 200
    # the editor's JavaScript runs: the tab list is built and a tab answers a click
    tabs = page.locator("[role=tab]")
    assert tabs.count() >= 2
    tabs.nth(1).click()
    assert tabs.nth(1).get_attribute("aria-selected") == "true"
    # the preview, as the admin frames it
    page.locator("[data-side-panel-toggle='preview']").first.click()
    frame = page.frame_locator("iframe[data-w-preview-target='iframe'], #w-preview-iframe").first
    frame.locator("main").wait_for(timeout=15_000)
    page.wait_for_timeout(500)

    # list and form screens of the admin: the audit viewer, documents, images, users, a new page
    for url in (
        "/cms-admin/audit_event/",
        "/cms-admin/documents/",
        "/cms-admin/images/",
        "/cms-admin/users/",
        "/cms-admin/reports/site-history/",
    ):
        response = page.goto(url)
        assert response.status == 200, url
    page.goto(f"/cms-admin/pages/{home.pk}/add_subpage/")
    page.wait_for_timeout(300)

    # the public site next door keeps the strict policy
    response = page.goto("/")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"]
