import pytest
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
