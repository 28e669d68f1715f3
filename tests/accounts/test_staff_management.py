import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from accounts import services
from accounts.models import User
from accounts.roles import Role
from audit.models import Event
from tests.factories import TEST_PASSWORD, DepartmentFactory, UserFactory, staff_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def bureau_admin():
    return staff_user(Role.BUREAU_ADMIN)


def test_bureau_admin_creates_staff_with_roles_and_department(client, bureau_admin):
    department = DepartmentFactory()
    client.force_login(bureau_admin)
    response = client.post(
        reverse("accounts:staff_create"),
        {
            "username": "newofficer",
            "display_name": "新经办人",
            "email": "new@example.org",
            "phone": "",
            "department": department.pk,
            "roles": [Role.PROCUREMENT_OFFICER.value],
            "password1": "A-long-pass-2026",
            "password2": "A-long-pass-2026",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newofficer")
    assert user.department == department
    assert list(user.groups.values_list("name", flat=True)) == [Role.PROCUREMENT_OFFICER.value]
    assert Event.objects.filter(action="staff.create", object_id=str(user.pk), actor=bureau_admin).exists()


def test_approver_cannot_create_staff_through_view_or_service(client):
    approver = staff_user(Role.BUREAU_APPROVER)
    client.force_login(approver)
    assert client.get(reverse("accounts:staff_create")).status_code == 403
    response = client.post(reverse("accounts:staff_create"), {"username": "x"})
    assert response.status_code == 403
    with pytest.raises(PermissionDenied):
        services.staff_create(
            actor=approver, username="sneaky", display_name="x", email="", password="A-long-pass-2026"
        )
    assert not User.objects.filter(username="sneaky").exists()


def test_profile_roles_cannot_be_assigned_as_staff_roles(bureau_admin):
    with pytest.raises(ValidationError):
        services.staff_create(
            actor=bureau_admin,
            username="fake-expert",
            display_name="x",
            email="",
            password="A-long-pass-2026",
            roles=[Role.EXPERT],
        )
    assert not User.objects.filter(username="fake-expert").exists()


def test_deactivated_user_cannot_log_in_and_is_kept(client, bureau_admin):
    officer = staff_user(Role.PROCUREMENT_OFFICER)
    assert client.login(username=officer.username, password=TEST_PASSWORD)
    client.logout()
    client.force_login(bureau_admin)
    response = client.post(reverse("accounts:staff_deactivate", args=[officer.pk]))
    assert response.status_code == 302
    client.logout()
    officer.refresh_from_db()
    assert officer.is_active is False
    assert not client.login(username=officer.username, password=TEST_PASSWORD)
    response = client.post(
        reverse("accounts:login"), {"username": officer.username, "password": TEST_PASSWORD}
    )
    assert response.status_code == 200 and "_auth_user_id" not in client.session
    assert Event.objects.filter(action="staff.deactivate", object_id=str(officer.pk)).count() == 1


def test_deactivation_asks_for_confirmation_first(client, bureau_admin):
    officer = staff_user(Role.PROCUREMENT_OFFICER)
    client.force_login(bureau_admin)
    response = client.get(reverse("accounts:staff_deactivate", args=[officer.pk]))
    assert response.status_code == 200
    officer.refresh_from_db()
    assert officer.is_active


def test_admin_cannot_deactivate_self(bureau_admin):
    with pytest.raises(ValidationError):
        services.staff_deactivate(actor=bureau_admin, user=bureau_admin)


def test_staff_list_query_count_does_not_grow_with_rows(client, bureau_admin, django_assert_max_num_queries):
    client.force_login(bureau_admin)
    for _ in range(3):
        staff_user(Role.PROCUREMENT_OFFICER)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("accounts:staff_list")).status_code == 200
    for _ in range(20):
        staff_user(Role.SUPERVISOR)
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("accounts:staff_list")).status_code == 200
    assert len(large) == len(small)


def test_organization_user_cannot_reach_wagtail_admin(client):
    member = UserFactory(roles=[Role.ORGANIZATION_MEMBER])
    client.force_login(member)
    response = client.get("/cms-admin/")
    assert response.status_code in (302, 403)
    if response.status_code == 302:
        assert "/cms-admin/" not in response["Location"] or "login" in response["Location"]
    staff = staff_user(Role.PROCUREMENT_OFFICER)
    client.force_login(staff)
    assert client.get("/cms-admin/").status_code == 200


def test_auth_pages_render_in_chinese(client):
    for name in ("accounts:login", "accounts:password_reset"):
        response = client.get(reverse(name))
        assert response.status_code == 200
        assert "登录" in response.content.decode() or "密码" in response.content.decode()


def test_password_change_and_profile(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("accounts:password_change"),
        {
            "old_password": TEST_PASSWORD,
            "new_password1": "Brand-new-2026-pw",
            "new_password2": "Brand-new-2026-pw",
        },
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password("Brand-new-2026-pw")
    response = client.post(
        reverse("accounts:profile"), {"display_name": "新名字", "email": "n@example.org", "phone": ""}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.display_name == "新名字"
    assert Event.objects.filter(action="user.update_profile", object_id=str(user.pk)).exists()


def test_password_reset_sends_email(client, mailoutbox):
    UserFactory(email="reset@example.org")
    response = client.post(reverse("accounts:password_reset"), {"email": "reset@example.org"})
    assert response.status_code == 302
    assert len(mailoutbox) == 1
    assert "/accounts/password/reset/" in mailoutbox[0].body


def test_wagtail_user_admin_cannot_delete_or_edit_users(client):
    from django.contrib.auth import get_user_model

    superuser = UserFactory(is_superuser=True, roles=[Role.BUREAU_ADMIN], department=DepartmentFactory())
    victim = staff_user(Role.SUPERVISOR)
    client.force_login(superuser)
    response = client.post(f"/cms-admin/users/delete/{victim.pk}/")
    assert response.status_code == 302 and response["Location"].endswith(reverse("accounts:staff_list"))
    assert get_user_model().objects.filter(pk=victim.pk).exists()
    response = client.post(f"/cms-admin/users/edit/{victim.pk}/", {"is_active": ""})
    assert response.status_code == 302
    victim.refresh_from_db()
    assert victim.is_active
    response = client.post(
        "/cms-admin/bulk/wagtailusers/user/delete/?next=/cms-admin/users/&id=" + str(victim.pk),
        {"id": [victim.pk]},
    )
    assert get_user_model().objects.filter(pk=victim.pk).exists()
