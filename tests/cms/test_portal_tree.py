"""The portal's sections are pages of the Wagtail site tree and the menu is built from the tree
(issue 14, point 1; cms/portal.py, cms/portal_menu.py)."""

import csv
import io

import pytest
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from wagtail.models import Page

from cms.home import HomePage
from cms.portal import CANONICAL_ORDER, SECTIONS, PortalSection, PortalSectionPage, ensure_portal_pages
from core import portal_cache
from procurement.contracts.services.contracts import contract_publish
from tests.procurement.contracting import published_award, signed_contract

pytestmark = pytest.mark.django_db


def nav_of(body: str) -> str:
    return body[body.index('class="main-nav"') : body.index("</nav>")]


def test_every_section_has_one_live_page_under_home_in_the_canonical_order():
    home = HomePage.objects.get()
    children = list(home.get_children().specific())
    kinds = [page.section if isinstance(page, PortalSectionPage) else page._meta.label for page in children]
    assert kinds == [str(entry) for entry in CANONICAL_ORDER]
    assert all(page.live for page in children)
    for section in PortalSection:
        assert PortalSectionPage.objects.filter(section=section).count() == 1
    # menu visibility as set up: every section but the red flags and the volunteer statistics
    # (linked from the call pages and the statistics page)
    hidden = {page.slug for page in children if not page.show_in_menus}
    assert hidden == {"red-flags", "volunteer-statistics"}


@pytest.mark.parametrize("section", list(PortalSection))
def test_each_section_page_serves_its_list_with_the_editors_title_and_introduction(client, section):
    page = PortalSectionPage.objects.get(section=section)
    page.title = f"编辑标题{section}"
    page.intro = "<p>编辑写的栏目说明。</p>"
    page.save_revision().publish()
    response = client.get(page.url)
    assert response.status_code == 200
    body = response.content.decode()
    assert f"<h1>编辑标题{section}</h1>" in body
    assert "编辑写的栏目说明。" in body
    assert f"<title>编辑标题{section}" in body
    # the same list as the view's own address, which shows the view's own heading
    own = client.get(reverse(SECTIONS[section].url_name)).content.decode()
    assert "编辑写的栏目说明。" not in own and "编辑标题" not in own


def test_filters_and_downloads_work_at_the_section_pages_address(client):
    award, officer, _winner, _others = published_award()
    contract = signed_contract(award, officer)
    contract_publish(actor=officer, contract=contract)
    page = PortalSectionPage.objects.get(section=PortalSection.CONTRACTS)
    listed = client.get(page.url).content.decode()
    assert f'data-contract="{contract.pk}"' in listed
    assert 'href="?format=csv"' in listed or "format=csv" in listed
    download = client.get(page.url, {"format": "csv"})
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(b"".join(download.streaming_content).decode("utf-8-sig"))))
    assert any(contract.title in row for row in rows[1:])
    filtered = client.get(page.url, {"amount_min": str(contract.amount + 1)}).content.decode()
    assert f'data-contract="{contract.pk}"' not in filtered


def test_the_menu_follows_the_tree_titles_order_and_visibility(client, django_capture_on_commit_callbacks):
    contracts = PortalSectionPage.objects.get(section=PortalSection.CONTRACTS)
    openings = PortalSectionPage.objects.get(section=PortalSection.OPENINGS)
    flags = PortalSectionPage.objects.get(section=PortalSection.RED_FLAGS)
    nav = nav_of(client.get("/").content.decode())
    assert nav.index('href="/opening-records/"') < nav.index('href="/contracts/"')
    assert 'href="/red-flags/"' not in nav
    assert ">合同公开<" in nav  # the short menu title
    with django_capture_on_commit_callbacks(execute=True):
        contracts.menu_title = "合同与履约"
        contracts.save_revision().publish()
        flags.show_in_menus = True
        flags.save_revision().publish()
        openings.unpublish()
        Page.objects.get(pk=contracts.pk).move(Page.objects.get(pk=openings.pk), pos="left")
    nav = nav_of(client.get("/").content.decode())
    assert ">合同与履约<" in nav
    assert 'href="/red-flags/"' in nav
    assert 'href="/opening-records/"' not in nav  # unpublished: gone from the menu
    assert nav.index('href="/contracts/"') < nav.index('href="/award-notices/"')
    assert client.get("/opening-records/").status_code == 404
    assert client.get(reverse("procurement:opening_record_list")).status_code == 200


def test_the_current_section_is_marked_in_the_menu(client):
    nav = nav_of(client.get("/contracts/").content.decode())
    assert 'href="/contracts/" aria-current="page"' in nav
    assert 'href="/data/" aria-current' not in nav


def test_in_english_the_menu_and_headings_are_translated_not_the_chinese_titles(client):
    client.cookies["django_language"] = "en"
    with translation.override("en"):
        body = client.get("/contracts/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    nav = nav_of(body)
    assert ">Contracts<" in nav and ">Purchasing plans<" in nav
    assert "合同公开" not in nav
    assert "<h1>Contracts</h1>" in body


def test_ensure_is_idempotent_and_puts_a_missing_section_back_in_its_place():
    assert ensure_portal_pages() == []
    PortalSectionPage.objects.get(section=PortalSection.EVALUATIONS).delete()
    (created,) = ensure_portal_pages()
    assert created.section == PortalSection.EVALUATIONS and created.live
    slugs = [page.slug for page in HomePage.objects.get().get_children()]
    assert slugs.index("performance-evaluations") == slugs.index("contracts") + 1


def test_an_editor_cannot_make_a_second_page_for_a_section():
    page = PortalSectionPage(title="又一个合同页", slug="contracts-2", section=PortalSection.CONTRACTS)
    with pytest.raises(ValidationError) as error:
        page.full_clean()
    assert "section" in error.value.message_dict


def test_the_menu_costs_no_query_once_kept(client, django_assert_num_queries, django_assert_max_num_queries):
    client.get("/data/")
    key_before = portal_cache.generations(["cms"])
    with django_assert_num_queries(0):
        from django.test import RequestFactory

        from cms.portal_menu import portal_menu

        items = portal_menu(RequestFactory().get("/"))
    assert ("开放数据", "/data/") in items
    assert portal_cache.generations(["cms"]) == key_before
    cache.clear()
    # built again: the site, the pages, their menu titles (one query per page type), the view
    # restrictions and the site's root paths
    with django_assert_max_num_queries(8):
        portal_menu(RequestFactory().get("/"))


def test_section_pages_render_with_an_empty_database(client):
    for section in PortalSection:
        page = PortalSectionPage.objects.get(section=section)
        assert client.get(page.url).status_code == 200, section
