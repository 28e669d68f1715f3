"""What the browser journey (a) showed around the call's page: the rich text editor of the page
forms is named by its label (axe: aria-input-field-name), the officer goes back to the tender's page
once the call is submitted for approval, and the price criterion is not shown as "价格（价格）"."""

import json
import re

import pytest
from django.urls import reverse
from wagtail.test.utils.form_data import rich_text

from cms.calls import CallForBidsIndexPage, CallForBidsPage
from tests.factories import TEST_PASSWORD, DepartmentFactory
from tests.procurement.bidding import published_tender
from tests.procurement.factories import BudgetLineFactory, make_tender, officer_for

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return officer_for(DepartmentFactory())


@pytest.fixture
def tender(officer):
    return make_tender(officer=officer, budget_line=BudgetLineFactory(plan__department=officer.department))


def _draftail_options(html: str, field_id: str) -> dict:
    match = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', html)
    assert match, field_id
    value = re.search(r'data-w-init-detail-value="([^"]*)"', match.group(0)).group(1)
    return json.loads(value.replace("&quot;", '"').replace("&amp;", "&"))


def test_the_call_pages_rich_text_editor_is_named_by_its_label(client, officer):
    index = CallForBidsIndexPage.objects.get()
    client.login(username=officer.username, password=TEST_PASSWORD)
    html = client.get(
        reverse("wagtailadmin_pages:add", args=("cms", "callforbidspage", index.pk))
    ).content.decode()
    assert _draftail_options(html, "id_intro")["ariaLabelledBy"] == "id_intro-label"
    assert 'id="id_intro-label"' in html


def test_after_submitting_the_call_the_officer_is_back_on_the_tenders_page(client, officer, tender):
    index = CallForBidsIndexPage.objects.get()
    client.login(username=officer.username, password=TEST_PASSWORD)
    data = {"title": tender.title, "slug": f"call-{tender.pk}", "tender": tender.pk,
            "intro": rich_text("<p>说明</p>"), "action-submit": "1"}  # fmt: skip
    response = client.post(reverse("wagtailadmin_pages:add", args=("cms", "callforbidspage", index.pk)), data)
    assert response.status_code == 302
    assert response.url == reverse("procurement_tender_manage", args=[tender.pk])
    assert CallForBidsPage.objects.filter(tender=tender).exists()
    # Saving a draft (no submission) stays in the editor, as Wagtail does.
    page = CallForBidsPage.objects.get(tender=tender)
    data.pop("action-submit")
    response = client.post(reverse("wagtailadmin_pages:edit", args=[page.pk]), data)
    assert getattr(response, "url", None) != reverse("procurement_tender_manage", args=[tender.pk])


def test_the_price_criterion_says_it_is_computed_from_the_price(client):
    tender, _officer = published_tender()
    index = CallForBidsIndexPage.objects.get()
    page = CallForBidsPage(title=tender.title, slug="call", tender=tender)
    index.add_child(instance=page)
    page.save_revision().publish()
    html = client.get(page.url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "价格（按报价计算）" in html and "价格（价格）" not in html
