"""The admin forms choose an organization in a searchable chooser (issue 17): no select of every
organization in the form, the chooser finds one by name or by credit code, 20 a page, in a fixed
number of queries, and the form saves the organization chosen."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from orgs.models import EvaluationGrade
from tests.factories import TEST_PASSWORD
from tests.orgs.factories import OrganizationFactory, make_uscc

pytestmark = pytest.mark.django_db


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def test_the_grade_form_offers_a_chooser_not_a_select_of_every_organization(client, registry):
    _login(client, registry)
    OrganizationFactory(name="阳光养老服务中心")
    body = client.get(reverse("evaluationgrade:add")).content.decode()
    assert "阳光养老服务中心" not in body
    assert '<select name="organization"' not in body
    assert "选择社会组织" in body
    assert reverse("organization_chooser:choose") in body
    # choosing, not editing: a form with an organization chosen links to no organization edit page
    from tests.orgs.factories import AnnualReportFactory

    report = AnnualReportFactory()
    body = client.get(reverse("annualreport:edit", args=[report.pk])).content.decode()
    assert report.organization.name in body
    assert "/cms-admin/orgs/organizations/edit/" not in body
    body = client.get(reverse("annualreport:add")).content.decode()
    assert '<select name="organization"' not in body and "选择社会组织" in body


def test_the_chooser_finds_an_organization_by_name_or_credit_code(client, registry):
    _login(client, registry)
    sunny = OrganizationFactory(name="阳光养老服务中心")
    other = OrganizationFactory(name="彩虹青少年服务社")
    results = reverse("organization_chooser:choose_results")
    body = client.get(results, {"q": " 养老 "}).content.decode()
    assert sunny.name in body and other.name not in body
    body = client.get(results, {"q": other.uscc.lower()}).content.decode()
    assert other.name in body and sunny.name not in body
    assert other.uscc in body and "统一社会信用代码" in body  # the code tells like names apart
    body = client.get(results, {"q": "没有这个机构"}).content.decode()
    assert sunny.name not in body and other.name not in body
    chosen = client.get(reverse("organization_chooser:chosen", args=[sunny.pk])).json()
    assert chosen["result"]["title"] == sunny.name and str(chosen["result"]["id"]) == str(sunny.pk)
    choose = client.get(reverse("organization_chooser:choose"))
    assert choose.status_code == 200 and "名称或统一社会信用代码" in choose.json()["html"]


def test_the_chooser_reads_a_page_in_the_same_queries_for_5_and_45_organizations(client, registry):
    _login(client, registry)
    results = reverse("organization_chooser:choose_results")
    for n in range(5):
        OrganizationFactory(uscc=make_uscc(30_000 + n))
    client.get(results)
    with CaptureQueriesContext(connection) as few:
        client.get(results)
    for n in range(5, 45):
        OrganizationFactory(uscc=make_uscc(30_000 + n))
    with CaptureQueriesContext(connection) as many:
        body = client.get(results).content.decode()
    assert len(few.captured_queries) == len(many.captured_queries)
    assert body.count("data-chooser-modal-choice") == 20  # a page of 20


def test_the_grade_form_saves_the_chosen_organization(client, registry):
    _login(client, registry)
    organization = OrganizationFactory()
    response = client.post(
        reverse("evaluationgrade:add"),
        {
            "organization": organization.pk,
            "grade": 4,
            "granted_on": "2026-03-01",
            "certificate_no": "ZS-2026-01",
        },
    )
    assert response.status_code == 302
    grade = EvaluationGrade.objects.get(organization=organization)
    assert grade.grade == 4 and grade.certificate_no == "ZS-2026-01"


def test_a_grade_is_never_rewritten_past_the_service(client, registry):
    """The grade viewset has no edit: its edit URL refuses (it used to save the model directly,
    without the service or an audit entry), and the list links rows to the inspect page."""
    from tests.orgs.factories import GradeFactory

    _login(client, registry)
    grade = GradeFactory(certificate_no="ZS-OLD")
    edit = reverse("evaluationgrade:edit", args=[grade.pk])
    assert client.get(edit).status_code in (302, 403)  # Wagtail turns the refusal into its home page
    response = client.post(
        edit,
        {
            "organization": grade.organization_id,
            "grade": 1,
            "granted_on": "2020-01-01",
            "certificate_no": "X",
        },
    )
    assert response.status_code in (302, 403)
    grade.refresh_from_db()
    assert grade.certificate_no == "ZS-OLD"
    body = client.get(reverse("evaluationgrade:index")).content.decode()
    assert edit not in body and reverse("evaluationgrade:inspect", args=[grade.pk]) in body


def test_only_staff_who_read_the_register_or_register_social_workers_may_choose(client):
    """The register includes organizations not yet verified: the volunteer centre (admin access,
    neither) is refused every chooser view; a supervisor (reads the register) and a bureau admin
    (registers social workers) find the organization."""
    from accounts.roles import Role
    from tests.factories import staff_user

    organization = OrganizationFactory(name="待核实的机构")
    urls = (
        reverse("organization_chooser:choose"),
        reverse("organization_chooser:choose_results") + "?q=待核实",
        reverse("organization_chooser:chosen", args=[organization.pk]),
    )
    for role in (Role.SUPERVISOR, Role.BUREAU_ADMIN):
        client.logout()
        _login(client, staff_user(role))
        assert [client.get(url).status_code for url in urls] == [200, 200, 200], role
        assert organization.name in client.get(urls[1]).content.decode()
    client.logout()
    _login(client, staff_user(Role.VOLUNTEER_CENTRE))
    for url in urls:
        response = client.get(url)
        assert response.status_code in (302, 403) and organization.name not in response.content.decode(), url
