"""Pages of contracted volunteer projects (issue 15): the supplier reaches "create a project under
this contract" from its project list and the contract's projects page, creates one with a team led
by the contract's social worker, posts a need that inherits the contract's terms; the project page
shows the team lead; the public need page names the purchased service. Query counts stay constant."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from procurement.models import Contract, ContractStatus
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.contracted_helpers import contracted, in_term, project_of
from volunteers.models import ServiceProject
from volunteers.services.needs import need_create

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return contracted()


@pytest.fixture(autouse=True)
def chinese(settings):
    settings.LANGUAGE_CODE = "zh-hans"


def zh(client):
    client.cookies["django_language"] = "zh-hans"
    return client


def need_on(s, project, title="陪伴长者散步"):
    return need_create(
        actor=s.supplier,
        project=project,
        title=title,
        role="陪伴",
        service_type=None,
        district=None,
        address="幸福路1号",
        headcount=2,
        signup_closes_at=in_term(2),
        slots=[(in_term(7), in_term(7, 12))],
    )


def test_the_supplier_creates_a_project_from_its_project_list(client, s):
    zh(client).force_login(s.supplier)
    listing = client.get(reverse("volunteers:project_list")).content.decode()
    create_url = reverse("volunteers:contracted_project_create", args=[s.contract.pk])
    assert create_url in listing and s.contract.title in listing
    page = client.get(create_url).content.decode()
    assert "为此合同创建志愿服务项目" in page and s.worker.real_name in page and s.district.name in page
    response = client.post(
        create_url,
        {"title": "长者关爱志愿服务", "responsible_person": "王主任", "leader": s.worker.pk, "team_name": ""},
    )
    project = ServiceProject.objects.get(contract=s.contract)
    assert response.status_code == 302 and response.url == reverse(
        "volunteers:need_create", args=[project.pk]
    )
    assert project.team.leader == s.worker
    # the need form starts with the contract's service type and district
    form = client.get(response.url).context["form"]
    assert form.initial["district"] == s.district and form.initial["service_type"].code
    # a need posted out of the term shows the Chinese message on the form
    late = s.contract.ends_on + datetime.timedelta(days=3)
    posted = client.post(
        response.url,
        {
            "title": "周末陪伴",
            "role": "陪伴",
            "service_type": form.initial["service_type"].pk,
            "district": s.district.pk,
            "address": "幸福路1号",
            "headcount": 2,
            "min_age": 18,
            "risk_level": "low",
            "signup_closes_at": f"{late - datetime.timedelta(days=2):%Y-%m-%d} 18:00",
            "slots": f"{late:%Y-%m-%d} 09:00-12:00",
        },
    )
    assert posted.status_code == 200
    assert "每个时段都须在合同服务期内" in posted.content.decode()
    assert not project.needs.exists()


def test_a_team_lead_not_on_the_contract_is_not_offered_and_refused(client, s):
    from tests.volunteers.factories import social_worker

    stranger = social_worker(user=member(s.contract.organization))
    zh(client).force_login(s.supplier)
    url = reverse("volunteers:contracted_project_create", args=[s.contract.pk])
    response = client.post(url, {"title": "项目", "responsible_person": "某人", "leader": stranger.pk})
    assert response.status_code == 200 and not ServiceProject.objects.filter(contract=s.contract).exists()
    assert "leader" in response.context["form"].errors


@pytest.mark.parametrize("who", ["anonymous", "outsider", "other_member", "officer"])
def test_others_do_not_reach_the_create_page(client, s, who):
    url = reverse("volunteers:contracted_project_create", args=[s.contract.pk])
    users = {
        "outsider": UserFactory,
        "other_member": lambda: member(OrganizationFactory()),
        "officer": lambda: s.officer,
    }
    if who != "anonymous":
        client.force_login(users[who]())
    response = client.get(url)
    if who == "anonymous":
        assert response.status_code == 302 and "login" in response.url
    else:
        assert response.status_code == 404
    assert client.post(url, {"title": "x", "responsible_person": "y", "leader": s.worker.pk}).status_code in (
        302,
        404,
    )
    assert not ServiceProject.objects.filter(contract=s.contract).exists()


def test_a_closed_contract_sends_the_supplier_back_with_a_message(client, s):
    Contract.objects.filter(pk=s.contract.pk).update(status=ContractStatus.COMPLETED)
    zh(client).force_login(s.supplier)
    response = client.get(reverse("volunteers:contracted_project_create", args=[s.contract.pk]), follow=True)
    page = response.content.decode()
    assert "只能在已签订、正在履行的合同下创建志愿服务项目" in page
    assert response.redirect_chain[-1][0] == reverse("volunteers:contract_projects", args=[s.contract.pk])
    assert reverse("volunteers:contracted_project_create", args=[s.contract.pk]) not in page


@pytest.mark.parametrize("who,status", [("supplier", 200), ("officer", 200), ("outsider", 404)])
def test_the_contract_projects_page(client, s, who, status):
    project = project_of(s)
    user = {"supplier": s.supplier, "officer": s.officer, "outsider": UserFactory()}[who]
    zh(client).force_login(user)
    response = client.get(reverse("volunteers:contract_projects", args=[s.contract.pk]))
    assert response.status_code == status
    if status == 200:
        page = response.content.decode()
        assert project.title in page and s.worker.real_name in page


def test_the_project_page_shows_the_contract_and_team_lead(client, s):
    project = project_of(s)
    need_on(s, project)
    zh(client).force_login(s.supplier)
    page = client.get(reverse("volunteers:project_detail", args=[project.pk])).content.decode()
    assert s.worker.real_name in page and project.team.name in page and s.contract.title in page
    assert "陪伴长者散步" in page
    client.force_login(member(OrganizationFactory()))
    assert client.get(reverse("volunteers:project_detail", args=[project.pk])).status_code == 404


def _count(client, url) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_project_pages_run_a_constant_number_of_queries(client, s):
    first = project_of(s, "一")
    need_on(s, first)
    zh(client).force_login(s.supplier)
    projects_url = reverse("volunteers:contract_projects", args=[s.contract.pk])
    detail_url = reverse("volunteers:project_detail", args=[first.pk])
    _count(client, projects_url)  # warm the session and caches
    few = (_count(client, projects_url), _count(client, detail_url))
    for title in ("二", "三"):
        need_on(s, project_of(s, title))
    need_on(s, first, "第二项")
    need_on(s, first, "第三项")
    assert (_count(client, projects_url), _count(client, detail_url)) == few


def test_the_public_need_page_names_the_purchased_service(client, s):
    need = need_on(s, project_of(s))
    page = zh(client).get(need.get_absolute_url()).content.decode()
    assert "所属购买服务" in page
    assert reverse("procurement:contract_public_detail", args=[s.contract.pk]) in page


def test_an_unpublished_contract_is_not_named_on_the_public_need_page(client):
    s = contracted(published=False)
    need = need_on(s, project_of(s))
    page = zh(client).get(need.get_absolute_url()).content.decode()
    assert "所属购买服务" not in page and s.contract.title not in page


def test_the_supplier_hands_the_team_to_another_social_worker_of_the_contract(client, s):
    from procurement.contracts.services.personnel import personnel_add, personnel_remove
    from procurement.models import ContractPersonnel, PersonnelRole
    from tests.volunteers.factories import social_worker

    project = project_of(s)
    other = social_worker(user=member(s.contract.organization))
    personnel_add(s.supplier, s.contract, other.user, PersonnelRole.LEAD)
    # the first lead leaves the contract: the project page says so
    personnel_remove(s.supplier, ContractPersonnel.objects.get(contract=s.contract, user=s.worker.user))
    zh(client).force_login(s.supplier)
    detail = reverse("volunteers:project_detail", args=[project.pk])
    page = client.get(detail).content.decode()
    assert "带队社工已不在合同所列人员中" in page and "更换带队社工" in page
    url = reverse("volunteers:project_team_lead", args=[project.pk])
    # a social worker not on the contract is refused
    response = client.post(url, {"leader": s.worker.pk}, follow=True)
    assert "请选择合同所列的社会工作者" in response.content.decode()
    project.team.refresh_from_db()
    assert project.team.leader == s.worker
    response = client.post(url, {"leader": other.pk}, follow=True)
    assert "已更换带队社工" in response.content.decode()
    project.team.refresh_from_db()
    assert project.team.leader == other
    from audit.models import Event

    event = Event.objects.filter(action="volunteer_project.update", object_id=str(project.pk)).get()
    assert (event.before["leader"], event.after["leader"], event.actor_id) == (
        s.worker.pk,
        other.pk,
        s.supplier.pk,
    )
    assert "带队社工已不在合同所列人员中" not in client.get(detail).content.decode()
    # the purchasing unit's officer may not (404), nor may a GET change anything
    client.force_login(s.officer)
    assert client.post(url, {"leader": other.pk}).status_code == 404
    client.force_login(s.supplier)
    assert client.get(url).status_code == 405
