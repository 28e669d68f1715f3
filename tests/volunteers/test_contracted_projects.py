"""Volunteer projects under a purchased-service contract (issue 15, points 1–3), through the services:
who opens them, under which contracts, who leads their teams, what their needs inherit, and the
figures the contract pages read through the participation provider."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from audit.models import Event
from procurement.contracts.participation import contract_links, participation_for, participation_of
from procurement.contracts.services.personnel import personnel_add, personnel_remove
from procurement.models import Contract, ContractPersonnel, ContractStatus, PersonnelRole
from tests.factories import DistrictFactory, UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.contracted_helpers import contracted, in_term, project_of
from tests.volunteers.factories import VolunteerFactory, service_type, social_worker
from volunteers.models import HourStatus, SignUpStatus
from volunteers.services.contracted import CATEGORY_SERVICE_TYPES, contracted_project_create
from volunteers.services.hours import hours_manual_entry, hours_verify
from volunteers.services.needs import need_create
from volunteers.services.signups import signup_apply

pytestmark = pytest.mark.django_db


@pytest.fixture
def s():
    return contracted()


def post_need(s, project, *, slots=None, closes=None, **kwargs):
    defaults = {
        "title": "陪伴长者散步",
        "role": "陪伴",
        "service_type": None,
        "district": None,
        "address": "幸福路1号",
        "headcount": 3,
        "signup_closes_at": closes or in_term(2),
        "slots": slots or [(in_term(7), in_term(7, 12))],
    }
    defaults.update(kwargs)
    return need_create(actor=s.supplier, project=project, **defaults)


# --- creating projects -------------------------------------------------------------------------------


def test_a_supplier_member_opens_several_projects_under_an_active_contract_audited(s):
    first = project_of(s, "长者关爱志愿服务")
    second = project_of(s, "社区助餐志愿服务")
    assert {p.contract_id for p in (first, second)} == {s.contract.pk}
    assert first.organization_id == s.contract.organization_id and first.department_id is None
    assert first.team.leader == s.worker and first.team.organization_id == s.contract.organization_id
    assert first.team.name == "长者关爱志愿服务" and first.team_id != second.team_id
    event = Event.objects.filter(action="volunteer_project.create", object_id=str(first.pk)).get()
    assert event.actor_id == s.supplier.pk
    assert (event.after["contract"], event.after["leader"]) == (s.contract.pk, s.worker.pk)
    assert Event.objects.filter(action="team.create", object_id=str(first.team_id)).exists()


def test_a_signed_not_yet_published_contract_also_takes_projects():
    s = contracted(published=False)
    assert s.contract.status == ContractStatus.SIGNED
    assert project_of(s).contract_id == s.contract.pk


@pytest.mark.parametrize("status", [ContractStatus.COMPLETED, ContractStatus.TERMINATED])
def test_a_closed_contract_refuses_new_projects(s, status):
    Contract.objects.filter(pk=s.contract.pk).update(status=status)
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        project_of(s)
    assert "只能在已签订、正在履行的合同下创建志愿服务项目" in str(exc.value)
    assert not s.contract.volunteer_projects.exists()


def test_only_the_suppliers_members_open_projects(s):
    for outsider in (s.officer, UserFactory(), member(OrganizationFactory())):
        with pytest.raises(PermissionDenied):
            contracted_project_create(
                actor=outsider, contract=s.contract, title="项目", responsible_person="某人", leader=s.worker
            )
    assert not s.contract.volunteer_projects.exists()


# --- team leads ----------------------------------------------------------------------------------------


def test_the_team_lead_must_be_a_social_worker_named_on_the_contract(s):
    stranger = social_worker(user=member(s.contract.organization))  # of the supplier, not on the contract
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        contracted_project_create(
            actor=s.supplier, contract=s.contract, title="项目", responsible_person="某人", leader=stranger
        )
    assert "合同所列、注册有效的社会工作者" in str(exc.value)
    # named as "other staff": not a lead either
    personnel_add(s.supplier, s.contract, stranger.user, PersonnelRole.OTHER)
    with pytest.raises(ValidationError):
        contracted_project_create(
            actor=s.supplier, contract=s.contract, title="项目", responsible_person="某人", leader=stranger
        )
    # a project lead may
    lead = social_worker(user=member(s.contract.organization))
    personnel_add(s.supplier, s.contract, lead.user, PersonnelRole.LEAD)
    project = contracted_project_create(
        actor=s.supplier, contract=s.contract, title="项目", responsible_person="某人", leader=lead
    )
    assert project.team.leader == lead


def test_a_social_worker_removed_from_the_contract_or_expired_no_longer_leads(s):
    person = ContractPersonnel.objects.get(contract=s.contract, user=s.worker.user)
    personnel_remove(s.supplier, person)
    with pytest.raises(ValidationError):
        project_of(s)
    personnel_add(s.supplier, s.contract, s.worker.user, PersonnelRole.SOCIAL_WORKER)
    s.worker.valid_until = datetime.date.today() - datetime.timedelta(days=1)
    s.worker.registered_on = s.worker.valid_until - datetime.timedelta(days=300)
    s.worker.save()
    with pytest.raises(ValidationError):
        project_of(s)


# --- needs inherit the contract's terms --------------------------------------------------------------


def test_needs_take_the_contracts_service_type_and_district(s):
    project = project_of(s)
    need = post_need(s, project)
    category = s.contract.tender.budget_line.category
    assert need.service_type.code == CATEGORY_SERVICE_TYPES[category.code]
    assert need.district == s.district
    # the same values may be given; other ones are refused with the contract's values named
    assert post_need(s, project, service_type=need.service_type, district=s.district).pk
    other_type = next(
        service_type(code) for code in ("environment", "major-events") if code != need.service_type.code
    )
    other_district = DistrictFactory()
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        post_need(s, project, service_type=other_type, district=other_district)
    assert set(exc.value.message_dict) == {"service_type", "district"}
    assert need.service_type.name in exc.value.message_dict["service_type"][0]
    assert s.district.name in exc.value.message_dict["district"][0]


def test_without_a_district_on_the_purchasing_unit_the_organizer_chooses_it():
    s = contracted(district=False)
    project = project_of(s)
    with pytest.raises(ValidationError) as exc:
        post_need(s, project)
    assert "district" in exc.value.message_dict
    chosen = DistrictFactory()
    assert post_need(s, project, district=chosen).district == chosen


def test_slots_and_sign_up_close_fall_within_the_contract_term(s):
    project = project_of(s)
    after_end = s.contract.ends_on + datetime.timedelta(days=1)
    late = in_term((after_end - datetime.date.today()).days)
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        post_need(s, project, slots=[(late, late + datetime.timedelta(hours=2))], closes=in_term(2))
    term = f"{s.contract.starts_on.isoformat()} 至 {s.contract.ends_on.isoformat()}"
    assert exc.value.message_dict["slots"] == [f"每个时段都须在合同服务期内（{term}）。"]
    before_start = in_term(-1)
    with pytest.raises(ValidationError) as exc, translation.override("zh-hans"):
        post_need(s, project, closes=before_start)
    assert exc.value.message_dict["signup_closes_at"] == [f"报名截止时间须在合同服务期内（{term}）。"]
    # the last day of the term is inside
    last = in_term((s.contract.ends_on - datetime.date.today()).days, 9)
    assert post_need(s, project, slots=[(last, last + datetime.timedelta(hours=2))]).pk


def test_projects_without_a_contract_are_unchanged(need, organizer):
    """The factory's bureau project: no inherited terms, dates free."""
    assert need.project.contract_id is None
    far = in_term(1000)
    other = need_create(
        actor=organizer,
        project=need.project,
        title="远期活动",
        role="协助",
        service_type=service_type("environment"),
        district=need.district,
        address="某路",
        headcount=1,
        signup_closes_at=in_term(1),
        slots=[(far, far + datetime.timedelta(hours=1))],
    )
    assert other.service_type.code == "environment"


# --- participation provider ------------------------------------------------------------------------


def _served(s, project, volunteers, *, verify=True):
    need = post_need(s, project, headcount=5)
    slot = need.slots.get()
    signups = [signup_apply(actor=volunteer.user, slot=slot) for volunteer in volunteers]
    now = datetime.datetime.now(datetime.UTC)
    slot.starts_at, slot.ends_at = now - datetime.timedelta(hours=4), now - datetime.timedelta(hours=1)
    slot.save()
    for signup in signups:
        record = hours_manual_entry(actor=s.supplier, signup=signup, minutes=90)
        if verify:
            hours_verify(actor=s.supplier, record=record)
    return need


def test_the_provider_counts_projects_needs_signups_verified_hours_and_volunteers(s):
    first, second = project_of(s, "一"), project_of(s, "二")
    a, b, c = VolunteerFactory(), VolunteerFactory(), VolunteerFactory()
    _served(s, first, [a, b])
    _served(s, second, [a])
    _served(s, second, [c], verify=False)  # checked out, not verified
    post_need(s, second)  # no sign-up yet
    figures = participation_of(s.contract.pk)
    assert (figures.projects, figures.needs, figures.signups) == (2, 4, 4)
    assert figures.verified_hours == Decimal("4.50")  # three verified records of 90 minutes
    assert figures.volunteers_served == 2
    assert s.contract.volunteer_projects.count() == 2
    from volunteers.models import HourRecord, SignUp

    assert HourRecord.objects.filter(status=HourStatus.VERIFIED).count() == 3
    assert SignUp.objects.filter(status=SignUpStatus.ATTENDED).count() == 4


def test_the_provider_runs_a_constant_number_of_queries(s, django_assert_num_queries):
    project_of(s)
    other = contracted()
    project_of(other)
    _served(other, other.contract.volunteer_projects.get(), [VolunteerFactory()])
    with django_assert_num_queries(4):
        one = participation_for([s.contract.pk])
    with django_assert_num_queries(4):
        both = participation_for([s.contract.pk, other.contract.pk])
    assert one[s.contract.pk].projects == 1 and both[other.contract.pk].volunteers_served == 1
    # a contract without projects: one query, no participation
    bare = contracted()
    with django_assert_num_queries(1):
        assert not participation_for([bare.contract.pk])[bare.contract.pk].any


def test_the_links_provider_offers_creation_only_to_the_suppliers_members(s):
    with translation.override("zh-hans"):
        supplier_links = contract_links(s.contract, s.supplier)
        officer_links = contract_links(s.contract, s.officer)
        outsider_links = contract_links(s.contract, UserFactory())
    assert [label for label, _url in supplier_links] == ["为此合同创建志愿服务项目", "本合同的志愿服务项目"]
    assert supplier_links[0][1] == f"/volunteers/manage/contracts/{s.contract.pk}/projects/new/"
    assert [label for label, _url in officer_links] == ["本合同的志愿服务项目"]
    assert outsider_links == []
    Contract.objects.filter(pk=s.contract.pk).update(status=ContractStatus.TERMINATED)
    s.contract.refresh_from_db()
    assert [url for _label, url in contract_links(s.contract, s.supplier)] == [
        f"/volunteers/manage/contracts/{s.contract.pk}/projects/"
    ]
