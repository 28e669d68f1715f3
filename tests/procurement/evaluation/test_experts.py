"""The expert pool: the role follows `active`; import is all-or-nothing; export round-trips."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError

from orgs.models import Organization
from procurement.evaluation.services.expert_import import experts_export_csv, experts_import_csv
from procurement.evaluation.services.experts import (
    expert_family_tie_declare,
    expert_family_tie_withdraw,
    expert_relation_add,
    expert_relation_end,
    expert_save,
)
from procurement.evaluation.services.panels import expert_conflicts
from procurement.models import Expert
from tests.factories import DepartmentFactory, UserFactory
from tests.orgs.factories import OrganizationFactory
from tests.procurement.evaluating import make_expert
from tests.procurement.factories import officer_for, top_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    return officer_for(DepartmentFactory())


def test_the_expert_role_follows_the_active_flag(officer):
    expert = make_expert(officer)
    assert expert.user.groups.filter(name="expert").exists()
    expert.active = False
    expert_save(actor=officer, instance=expert)
    assert not expert.user.groups.filter(name="expert").exists()


def test_only_staff_keep_the_pool():
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        expert_save(actor=user, instance=Expert(user=user, name="自荐"), categories=[top_category()])


def test_import_writes_nothing_when_any_row_is_bad(officer):
    good, other = UserFactory(), UserFactory()
    category = top_category()
    content = (
        "username,name,fields,title,employer,qualifications,phone,active\n"
        f"{good.username},张教授,{category.code},教授,某大学,社会工作,,是\n"
        f"new_one,,{category.code},,,,,是\n"
        f"{other.username},王老师,不存在的领域,,,,,也许\n"
    )
    result = experts_import_csv(actor=officer, content=content)
    assert not result.ok
    assert [(p.row, p.column) for p in result.errors] == [(3, "name"), (4, "fields"), (4, "active")]
    assert "3" in str(result.errors[0])
    assert not Expert.objects.exists()
    assert not get_user_model().objects.filter(username="new_one").exists()


def test_relation_end_keeps_the_lookback_and_a_withdrawn_tie_no_longer_excludes(officer):
    expert = make_expert(officer)
    organization = OrganizationFactory()
    relation = expert_relation_add(
        actor=expert.user, expert=expert, organization=organization, kind="employment",
        started_on=dt.date(2020, 1, 1),
    )  # fmt: skip
    with pytest.raises(ValidationError):
        expert_relation_end(actor=expert.user, relation=relation, ended_on=dt.date(2019, 1, 1))
    expert_relation_end(actor=expert.user, relation=relation, ended_on=dt.date.today())
    assert expert_conflicts([expert], [organization], on=dt.date.today())
    tie = expert_family_tie_declare(
        actor=expert.user, expert=expert, relative_name="张某", relation="spouse", organization=organization
    )
    stranger = UserFactory()
    with pytest.raises(PermissionDenied):
        expert_family_tie_withdraw(actor=stranger, tie=tie)
    expert_family_tie_withdraw(actor=expert.user, tie=tie)
    # The ended relation out of the look-back too: nothing is left to exclude the expert.
    type(relation).objects.filter(pk=relation.pk).update(
        started_on=dt.date(1990, 1, 1), ended_on=dt.date(2000, 1, 1)
    )
    assert not expert_conflicts(
        [expert], list(Organization.objects.filter(pk=organization.pk)), on=dt.date.today()
    )


def test_import_then_export_round_trips(officer):
    users = [UserFactory(), UserFactory()]
    category = top_category()
    content = "username,name,fields,active\n" + "".join(
        f"{u.username},专家{i},{category.name},{'是' if i == 0 else '否'}\n" for i, u in enumerate(users)
    )
    result = experts_import_csv(actor=officer, content=content)
    assert result.ok and result.created == 2
    exported = experts_export_csv(Expert.objects.all())
    assert users[0].username in exported and category.code in exported
    again = experts_import_csv(actor=officer, content=exported)
    assert again.ok and again.updated == 2 and again.created == 0
    assert Expert.objects.get(user=users[1]).active is False
