"""The staff lists and forms in the Wagtail admin: filtered per department, saved through the
services, with query counts independent of the number of rows."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import Event
from procurement.models import Tender, TenderStatus
from tests.factories import TEST_PASSWORD
from tests.procurement.factories import BudgetLineFactory, make_tender, method, officer_for

pytestmark = pytest.mark.django_db


def _count(client, url):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200, response.status_code
    return len(ctx.captured_queries)


@pytest.mark.parametrize(
    "url_name",
    [
        "procurement_tender:index",
        "procurement_purchasingplan:index",
        "procurement_budgetline:index",
        "procurement_clarification:index",
        "procurement_procurementmethod:index",
    ],
)
def test_admin_list_query_count_is_independent_of_rows(client, url_name):
    line = BudgetLineFactory()
    officer = officer_for(line.plan.department)
    make_tender(officer=officer, budget_line=line)
    client.login(username=officer.username, password=TEST_PASSWORD)
    url = reverse(url_name)
    _count(client, url)  # warm caches (content types, permissions)
    small = _count(client, url)
    for year in range(2030, 2036):
        more = BudgetLineFactory(plan__department=officer.department, plan__year=year)
        make_tender(officer=officer, budget_line=more)
    large = _count(client, url)
    assert large == small


def test_officer_sees_only_the_tenders_of_their_department(client):
    mine = make_tender()
    other = make_tender()
    officer = officer_for(mine.department)
    client.login(username=officer.username, password=TEST_PASSWORD)
    body = client.get(reverse("procurement_tender:index")).content.decode()
    assert mine.reference in body and other.reference not in body
    response = client.get(reverse("procurement_tender:edit", args=[other.pk]))
    assert response.status_code in (302, 403)


def test_creating_a_tender_in_the_admin_goes_through_the_service(client):
    line = BudgetLineFactory()
    officer = officer_for(line.plan.department)
    client.login(username=officer.username, password=TEST_PASSWORD)
    data = {
        "title": "社区心理服务项目", "department": line.plan.department_id, "budget_line": line.pk,
        "method": method("competitive_consultation").pk, "ceiling": "200000", "bid_deadline": "2031-01-01 10:00",
        "service_description": "心理疏导", "min_years_registered": "1", "contact_name": "王",
        "contact_phone": "025-83001234",
    }  # fmt: skip
    response = client.post(reverse("procurement_tender:add"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    tender = Tender.objects.get(title="社区心理服务项目")
    assert tender.status == TenderStatus.DRAFT and tender.lots.count() == 1
    assert tender.reference.startswith("MZ-")


def test_a_service_refusal_in_the_admin_form_is_a_form_error_not_a_500(client):
    line = BudgetLineFactory()
    other_line = BudgetLineFactory()  # another unit's plan: tender_update refuses it
    officer = officer_for(line.plan.department)
    tender = make_tender(officer=officer, budget_line=line)
    client.login(username=officer.username, password=TEST_PASSWORD)
    data = {
        "title": "改名后的项目", "department": line.plan.department_id, "budget_line": other_line.pk,
        "method": method("competitive_consultation").pk, "ceiling": "200000", "bid_deadline": "2031-01-01 10:00",
        "service_description": "心理疏导", "min_years_registered": "1", "contact_name": "王", "contact_phone": "1",
    }  # fmt: skip
    before = Event.objects.count()
    response = client.post(reverse("procurement_tender:edit", args=[tender.pk]), data)
    assert response.status_code == 200
    tender.refresh_from_db()
    assert tender.title != "改名后的项目" and tender.budget_line_id == line.pk
    assert Event.objects.count() == before
