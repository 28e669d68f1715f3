"""Journey (issue 17): lists longer than their count cap. A citizen opens the credit directory above
its cap (`PORTAL_LIST_COUNT_CAP`: "超过 N 条结果") and narrows it with a search; the registry
administrator opens the register's organizations above the admin cap (`ADMIN_LIST_COUNT_CAP`:
"超过 N 条社会组织"), filters them (the heading says "超过 N 条匹配结果") and sorts them by name. Caps
are small here so that a few rows exceed them."""

import pytest

from orgs.models import VerificationStatus
from tests.orgs.factories import OrganizationFactory, registry_admin

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_long_lists_say_more_than_their_cap(page, login, journey, settings):
    for n in range(4):
        OrganizationFactory(name=f"阳光养老服务中心{n}", verification_status=VerificationStatus.VERIFIED)
    OrganizationFactory(name="星火助残服务社", verification_status=VerificationStatus.VERIFIED)
    settings.PORTAL_LIST_COUNT_CAP = 3
    settings.ADMIN_LIST_COUNT_CAP = 3

    page.goto("/orgs/")
    main = page.inner_text("main")
    assert "超过 3 条结果，可用筛选条件缩小范围。" in main
    journey.step(page, "directory above the cap")
    assert fits_the_screen(page)
    page.fill("#q", "助残")
    with page.expect_navigation():
        page.locator("#main").get_by_role("button", name="搜索").click()
    main = page.inner_text("main")
    assert "1 个社会组织" in main, main
    assert "星火助残服务社" in main and "超过" not in main
    journey.step(page, "directory narrowed")

    login(page, registry_admin())
    page.goto("/cms-admin/orgs/organizations/")
    main = page.inner_text("main")
    assert "超过 3 条社会组织" in main, main
    journey.step(page, "register above the cap")
    page.goto("/cms-admin/orgs/organizations/?verification_status=verified&ordering=-name")
    main = page.inner_text("main")
    assert "超过 3 条匹配结果，可用筛选条件或搜索缩小范围。" in main, main
    journey.step(page, "register filtered above the cap")
    page.goto("/cms-admin/orgs/organizations/?q=%E5%8A%A9%E6%AE%8B")
    main = page.inner_text("main")
    assert "星火助残服务社" in main and "超过" not in main
    journey.step(page, "register searched")
