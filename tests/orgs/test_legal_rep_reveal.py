import pytest
from django.urls import reverse

from accounts.roles import Role
from audit.models import Event
from tests.factories import TEST_PASSWORD, staff_user
from tests.orgs.factories import OrganizationFactory, make_id_number, member, registry_admin

pytestmark = pytest.mark.django_db


@pytest.fixture
def organization():
    return OrganizationFactory(id_number=make_id_number(7))


def test_registry_admin_sees_the_full_number_only_with_a_reason_and_it_is_audited(client, organization):
    admin = registry_admin()
    client.force_login(admin)
    url = reverse("orgs:legal_rep_id_reveal", args=[organization.pk])
    full = make_id_number(7)
    page = client.get(url)
    assert page.status_code == 200 and full not in page.content.decode()
    refused = client.post(url, {"reason": "  "})
    assert refused.status_code == 200 and full not in refused.content.decode()
    assert not Event.objects.filter(action="organization.reveal_legal_rep_id").exists()
    shown = client.post(url, {"reason": "核对法定代表人身份证件"})
    assert full in shown.content.decode()
    assert "no-store" in shown["Cache-Control"]
    event = Event.objects.get(action="organization.reveal_legal_rep_id", object_id=str(organization.pk))
    assert event.actor == admin and event.after["reason"] == "核对法定代表人身份证件"
    assert full not in str(event.after) and full not in str(event.before)


@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.PROCUREMENT_OFFICER, Role.BUREAU_APPROVER])
def test_other_staff_and_members_cannot_see_the_full_number(client, organization, role):
    full = make_id_number(7)
    url = reverse("orgs:legal_rep_id_reveal", args=[organization.pk])
    for user in (staff_user(role), member(organization)):
        assert client.login(username=user.username, password=TEST_PASSWORD)
        response = client.post(url, {"reason": "想看"})
        assert response.status_code == 403
        assert full not in response.content.decode()
        client.logout()
    assert not Event.objects.filter(action="organization.reveal_legal_rep_id").exists()
