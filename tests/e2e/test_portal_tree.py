"""Journey: the portal's sections are pages of the site tree (issue 14, point 1). An editor gives the
contracts section an introduction and a new menu title in the Wagtail admin's page model; a citizen
finds it in the menu (folded behind its button at 375 px), reads the introduction above the list,
and filters the list at the section page's own address. Every page: screenshot, axe, link check."""

import pytest

from cms.portal import PortalSection, PortalSectionPage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def open_menu(page) -> None:
    toggle = page.locator("button.nav-toggle")
    if toggle.is_visible():
        toggle.click()


def fits_the_screen(page) -> bool:
    return page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")


def test_a_citizen_reaches_a_portal_section_from_the_menu_built_from_the_tree(page, journey):
    section = PortalSectionPage.objects.get(section=PortalSection.CONTRACTS)
    section.menu_title = "合同与履约"
    section.intro = "<p>这里公开本市购买社会服务的全部合同及其履约进度、付款和督办亮灯。</p>"
    section.save_revision().publish()

    page.goto("/")
    open_menu(page)
    nav = page.locator("nav.main-nav")
    labels = nav.locator("a").all_inner_texts()
    assert (
        labels.index("采购计划")
        < labels.index("采购公告")
        < labels.index("中标公告")
        < labels.index("合同与履约")
    )
    journey.step(page, "home menu")
    with page.expect_navigation():
        nav.get_by_role("link", name="合同与履约").click()
    assert page.url.endswith("/contracts/")
    assert page.inner_text("main h1") == "合同公开"
    assert "全部合同及其履约进度" in page.inner_text("main .intro")
    assert page.locator("nav.main-nav a[aria-current=page]").inner_text() == "合同与履约"
    journey.step(page, "contracts section")
    assert fits_the_screen(page)

    page.select_option("select[name=status]", index=1)
    with page.expect_navigation():
        page.locator("form.public-filters button[type=submit]").click()
    assert "/contracts/?" in page.url and "status=" in page.url
    assert page.inner_text("main h1") == "合同公开"
    journey.step(page, "filtered")
    assert fits_the_screen(page)
