import pytest
from django.contrib.auth.models import Group

from accounts.roles import STAFF_ROLES, Role, ensure_role_groups

pytestmark = pytest.mark.django_db


def test_role_groups_exist_after_migrate_and_are_idempotent():
    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
    before = Group.objects.count()
    ensure_role_groups()
    ensure_role_groups()
    assert Group.objects.count() == before
    assert Group.objects.filter(name__in=Role.values).count() == len(Role)


def test_only_staff_roles_may_open_the_wagtail_admin():
    groups = ensure_role_groups()
    for role in Role:
        has_access = groups[role.value].permissions.filter(codename="access_admin").exists()
        assert has_access == (role in STAFF_ROLES), role
