import pytest
import time_machine
from django.urls import reverse

from accounts.roles import Role
from audit.models import Event
from core.models import CalendarOverride
from tests.factories import staff_user

pytestmark = pytest.mark.django_db


def test_calendar_override_saved_from_wagtail_admin_goes_through_the_audited_service(client):
    admin = staff_user(Role.BUREAU_ADMIN, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("wagtailsnippets_core_calendaroverride:add"),
        {"date": "2027-02-20", "is_working_day": "on", "name": "春节调休", "source": "国务院办公厅通知"},
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    override = CalendarOverride.objects.get(date="2027-02-20")
    assert override.is_working_day
    assert Event.objects.filter(
        action="calendaroverride.create", object_id=str(override.pk), actor=admin
    ).exists()


def test_invalid_override_is_a_form_error_not_a_500(client):
    admin = staff_user(Role.BUREAU_ADMIN, is_superuser=True)
    client.force_login(admin)
    response = client.post(
        reverse("wagtailsnippets_core_calendaroverride:add"), {"date": "not-a-date", "source": ""}
    )
    assert response.status_code == 200
    assert not CalendarOverride.objects.exists()
    assert not Event.objects.filter(action="calendaroverride.create").exists()


# --- who sees the reference data in the admin (core/model_permissions.py) ------------------------


def _menu_and_list(client, user, snippet: str):
    """Whether the admin's menu (the sidebar's props) links to the table's list, and the list's status."""
    client.force_login(user)
    dashboard = client.get("/cms-admin/").content.decode()
    url = reverse(f"wagtailsnippets_core_{snippet}:list")
    return url in dashboard, client.get(url).status_code


def test_a_bureau_admin_who_is_not_a_superuser_keeps_every_reference_table(client):
    """The dashboard tells a bureau admin to enter next year's holidays under 基础数据: the menu is
    theirs, as `can_edit_reference_data` says, not only the superuser's."""
    admin = staff_user(Role.BUREAU_ADMIN, is_staff=True)
    for snippet in ("department", "district", "servicecategory", "volunteerservicetype", "calendaroverride"):
        shown, status = _menu_and_list(client, admin, snippet)
        assert shown and status == 200, snippet
    response = client.post(
        reverse("wagtailsnippets_core_calendaroverride:add"),
        {"date": "2027-02-20", "is_working_day": "on", "name": "春节调休", "source": "国务院办公厅通知"},
    )
    assert response.status_code == 302
    assert Event.objects.filter(action="calendaroverride.create", actor=admin).exists()


def test_a_registry_admin_keeps_the_categories_only_and_an_officer_none(client):
    registry = staff_user(Role.REGISTRY_ADMIN, is_staff=True)
    assert _menu_and_list(client, registry, "servicecategory") == (True, 200)
    assert _menu_and_list(client, registry, "department")[1] in (302, 403)
    officer = staff_user(Role.PROCUREMENT_OFFICER, is_staff=True)
    shown, status = _menu_and_list(client, officer, "servicecategory")
    assert not shown and status in (302, 403)


def test_reference_rows_are_never_deleted_in_bulk(client):
    """Wagtail's bulk delete would remove the rows past the audited service: the list offers no bulk
    action, and a crafted bulk URL is refused with nothing deleted."""
    from core.models import District

    admin = staff_user(Role.BUREAU_ADMIN, is_superuser=True)
    client.force_login(admin)
    district = District.objects.create(code="320199", name="测试区")
    listing = client.get(reverse("wagtailsnippets_core_district:list")).content.decode()
    assert "/cms-admin/bulk/core/district/" not in listing
    url = reverse("wagtail_bulk_action", args=["core", "district", "delete"])
    response = client.post(f"{url}?id={district.pk}", follow=True)
    assert District.objects.filter(pk=district.pk).exists()
    assert "基础数据只能逐条修改，不能批量操作。" in response.content.decode()


@time_machine.travel("2026-12-08 10:00 +0800")
def test_the_missing_calendar_warning_links_to_the_calendar_for_those_who_keep_it(client):
    admin = staff_user(Role.BUREAU_ADMIN, is_staff=True)
    client.force_login(admin)
    body = client.get("/cms-admin/").content.decode()
    assert "尚未录入 2027 年的法定节假日与调休安排" in body
    assert f'<a href="{reverse("wagtailsnippets_core_calendaroverride:list")}">录入工作日调整</a>' in body
    officer = staff_user(Role.PROCUREMENT_OFFICER, is_staff=True)
    client.force_login(officer)
    body = client.get("/cms-admin/").content.decode()
    assert "由民政局管理员录入" in body and "录入工作日调整" not in body
