"""The expert pool: the role follows `active`; import is all-or-nothing; export round-trips."""

import pytest
from django.core.exceptions import PermissionDenied

from procurement import services
from procurement.models import Expert
from procurement.services.experts import experts_export_csv
from tests.factories import UserFactory
from tests.procurement.evaluating import make_expert
from tests.procurement.factories import officer_for, top_category

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer():
    from tests.factories import DepartmentFactory

    return officer_for(DepartmentFactory())


def test_the_expert_role_follows_the_active_flag(officer):
    expert = make_expert(officer)
    assert expert.user.groups.filter(name="expert").exists()
    expert.active = False
    services.expert_save(actor=officer, instance=expert)
    assert not expert.user.groups.filter(name="expert").exists()


def test_only_staff_keep_the_pool():
    user = UserFactory()
    with pytest.raises(PermissionDenied):
        services.expert_save(actor=user, instance=Expert(user=user, name="自荐"), categories=[top_category()])


def test_import_writes_nothing_when_any_row_is_bad(officer):
    good, other = UserFactory(), UserFactory()
    category = top_category()
    content = (
        "username,name,fields,title,employer,qualifications,phone,active\n"
        f"{good.username},张教授,{category.code},教授,某大学,社会工作,,是\n"
        f"nobody,李老师,{category.code},,,,,是\n"
        f"{other.username},王老师,不存在的领域,,,,,也许\n"
    )
    result = services.experts_import_csv(actor=officer, content=content)
    assert not result.ok
    assert len(result.errors) == 2 and "3" in result.errors[0] and "4" in result.errors[1]
    assert not Expert.objects.exists()


def test_import_then_export_round_trips(officer):
    users = [UserFactory(), UserFactory()]
    category = top_category()
    content = "username,name,fields,active\n" + "".join(
        f"{u.username},专家{i},{category.name},{'是' if i == 0 else '否'}\n" for i, u in enumerate(users)
    )
    result = services.experts_import_csv(actor=officer, content=content)
    assert result.ok and result.created == 2
    exported = experts_export_csv(Expert.objects.all())
    assert users[0].username in exported and category.code in exported
    again = services.experts_import_csv(actor=officer, content=exported)
    assert again.ok and again.updated == 2 and again.created == 0
    assert Expert.objects.get(user=users[1]).active is False
