import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.roles import Role
from audit.models import Event
from orgs.models import Organization, VerificationStatus
from tests.factories import TEST_PASSWORD, DistrictFactory, staff_user
from tests.orgs.factories import GradeFactory, OrganizationFactory, make_uscc, member

pytestmark = pytest.mark.django_db

INDEX = "/cms-admin/orgs/organizations/"


def _login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def _populate(n, start=0):
    for i in range(start, start + n):
        GradeFactory(organization=OrganizationFactory(uscc=make_uscc(20_000 + i)))


def test_admin_list_query_count_is_the_same_for_5_and_50_organizations(client, registry):
    _login(client, registry)
    _populate(5)
    client.get(INDEX)  # warm caches (site, permissions)
    with CaptureQueriesContext(connection) as small:
        assert client.get(INDEX).status_code == 200
    _populate(45, start=5)
    client.get(
        INDEX
    )  # the new rows moved the remembered values' generations (core/remembered.py): warm them again
    with CaptureQueriesContext(connection) as large:
        response = client.get(INDEX)
    assert response.status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_admin_filters_by_verification_and_search(client, registry):
    _login(client, registry)
    OrganizationFactory(name="阳光养老服务中心")
    OrganizationFactory(name="待核验组织", verification_status=VerificationStatus.PENDING)
    html = client.get(INDEX, {"verification_status": "pending"}).content.decode()
    assert "待核验组织" in html and "阳光养老服务中心" not in html
    html = client.get(INDEX, {"q": "养老"}).content.decode()
    assert "阳光养老服务中心" in html and "待核验组织" not in html


def test_registry_admin_creates_an_organization_through_the_service(client, registry):
    _login(client, registry)
    district = DistrictFactory()
    data = {
        "name": "阳光养老服务中心",
        "uscc": "53100000500019795A",
        "org_type": "social_service",
        "registration_authority": "市民政局",
        "legal_rep_name": "张伟",
        "legal_rep_id_number": "11010519491231002X",
        "founded_on": "2018-05-01",
        "registered_capital": "50000",
        "address": "建邺路1号",
        "district": district.pk,
        "registration_status": "normal",
    }
    response = client.post(INDEX + "new/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    org = Organization.objects.get(uscc="53100000500019795A")
    assert org.legal_rep_id_masked == "1101**********002X"
    assert Event.objects.filter(action="organization.create", object_id=str(org.pk)).exists()


def test_bad_uscc_in_the_admin_form_is_a_form_error_not_a_500(client, registry):
    _login(client, registry)
    data = {
        "name": "x",
        "uscc": "53100000500020462H",
        "org_type": "social_service",
        "registration_authority": "市民政局",
        "legal_rep_name": "张伟",
        "legal_rep_id_number": "11010519491231002X",
        "founded_on": "2018-05-01",
        "registered_capital": "0",
        "address": "a",
        "district": DistrictFactory().pk,
        "registration_status": "normal",
    }
    response = client.post(INDEX + "new/", data)
    assert response.status_code == 200
    assert "校验码" in response.content.decode()
    assert not Organization.objects.exists()
    data["uscc_override_reason_input"] = "早期试点代码"
    assert client.post(INDEX + "new/", data).status_code == 302
    assert Organization.objects.get().uscc_override_reason == "早期试点代码"


def test_viewer_roles_can_view_but_not_add(client):
    supervisor = staff_user(Role.SUPERVISOR)
    _login(client, supervisor)
    assert client.get(INDEX).status_code == 200
    assert client.get(INDEX + "new/").status_code in (302, 403)


def test_organization_user_cannot_reach_the_wagtail_admin(client):
    user = member(OrganizationFactory())
    _login(client, user)
    response = client.get("/cms-admin/")
    assert response.status_code == 302 and "login" in response["Location"]
    response = client.get(INDEX)
    assert response.status_code in (302, 403)


def test_nobody_deletes_organizations_in_the_admin(client):
    from tests.factories import UserFactory

    admin = UserFactory(is_superuser=True, roles=[Role.BUREAU_ADMIN])
    _login(client, admin)
    org = OrganizationFactory()
    assert client.post(f"{INDEX}delete/{org.pk}/").status_code in (302, 403, 404)
    assert Organization.objects.filter(pk=org.pk).exists()


def test_staff_group_permissions_are_granted_idempotently():
    from django.contrib.auth.models import Group

    from orgs.model_permissions import grant_staff_permissions

    grant_staff_permissions()
    grant_staff_permissions()
    registry = set(
        Group.objects.get(name=Role.REGISTRY_ADMIN.value).permissions.values_list("codename", flat=True)
    )
    supervisor = set(
        Group.objects.get(name=Role.SUPERVISOR.value).permissions.values_list("codename", flat=True)
    )
    member_group = set(
        Group.objects.get(name=Role.ORGANIZATION_MEMBER.value).permissions.values_list("codename", flat=True)
    )
    assert {"add_organization", "change_organization", "view_organization", "add_creditlistentry"} <= registry
    assert "delete_organization" not in registry
    assert "view_organization" in supervisor and "change_organization" not in supervisor
    assert not any(code.endswith("organization") for code in member_group)
