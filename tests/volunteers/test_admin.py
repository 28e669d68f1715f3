"""Volunteering in the Wagtail admin: bureau staff look and filter; nobody edits or deletes; a social
worker is recorded only through the service; ID numbers appear only masked."""

import datetime

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse
from django.utils import timezone

from accounts.roles import STAFF_ROLES, Role, user_has_role
from audit.models import Event
from tests.factories import UserFactory, staff_user
from tests.volunteers.factories import (
    NeedFactory,
    VolunteerFactory,
    make_id_number,
    service_type,
    social_worker,
)
from tests.volunteers.helpers import served
from tests.volunteers.test_organizer_pages import queries
from tests.volunteers.test_views import login
from volunteers.model_permissions import VIEW_MODELS, grant_staff_permissions
from volunteers.models import SocialWorker, Volunteer, VolunteerStatus

pytestmark = pytest.mark.django_db

BASE = "/cms-admin/volunteers/"
INDEXES = ["volunteers/", "social-workers/", "needs/", "hours/", "certificates/"]


def admin_url(path: str) -> str:
    return BASE + path


@pytest.mark.parametrize("role", sorted(STAFF_ROLES))
def test_every_bureau_staff_role_may_view_every_list(client, role):
    login(client, staff_user(role))
    for path in INDEXES:
        assert client.get(admin_url(path)).status_code == 200, path


def test_volunteers_and_organizers_do_not_reach_the_admin(client):
    login(client, VolunteerFactory().user)
    for path in INDEXES:
        assert client.get(admin_url(path)).status_code in (302, 403)


def test_staff_permissions_are_granted_idempotently():
    grant_staff_permissions()
    grant_staff_permissions()
    group = Group.objects.get(name=Role.SUPERVISOR.value)
    codenames = set(
        group.permissions.filter(content_type__app_label="volunteers").values_list("codename", flat=True)
    )
    assert codenames == {f"view_{model}" for model in VIEW_MODELS}
    admin_group = Group.objects.get(name=Role.BUREAU_ADMIN.value)
    assert admin_group.permissions.filter(codename="add_socialworker").exists()


def test_the_volunteer_list_shows_only_the_masked_id_number(client):
    number = make_id_number(77, datetime.date(1985, 5, 5))
    volunteer = VolunteerFactory(id_number=number)
    login(client, staff_user(Role.SUPERVISOR))
    for url in (admin_url("volunteers/"), admin_url(f"volunteers/inspect/{volunteer.pk}/")):
        page = client.get(url).content.decode()
        assert volunteer.id_masked in page
        assert number not in page and "19850505" not in page and volunteer.id_hmac not in page


def test_the_volunteer_list_filters_by_district_service_type_stars_and_status(client, settings):
    settings.VOLUNTEER_STAR_THRESHOLDS = (1, 2, 3, 4, 5)
    from tests.factories import DistrictFactory

    district = DistrictFactory()
    near = VolunteerFactory(real_name="近处志愿者")
    near.districts.add(district)
    near.service_types.add(service_type("counselling"))
    starred = VolunteerFactory(real_name="两星志愿者", verified_minutes=150)
    VolunteerFactory(real_name="暂停志愿者", status=VolunteerStatus.SUSPENDED)
    login(client, staff_user(Role.SUPERVISOR))
    url = admin_url("volunteers/")

    def names(**params):
        page = client.get(url, params).content.decode()
        return {name for name in ("近处志愿者", "两星志愿者", "暂停志愿者") if name in page}

    assert names(district=district.pk) == {"近处志愿者"}
    assert names(service_type=service_type("counselling").pk) == {"近处志愿者"}
    assert names(stars="2") == {"两星志愿者"}
    assert starred.stars == 2
    assert names(status="suspended") == {"暂停志愿者"}


def test_the_social_worker_list_filters_by_level_and_validity(client):
    valid = social_worker()
    expired = social_worker(registered_on=timezone.localdate() - datetime.timedelta(days=365 * 3 + 30))
    SocialWorker.objects.filter(pk=valid.pk).update(real_name="有效社工")
    SocialWorker.objects.filter(pk=expired.pk).update(real_name="过期社工", level="senior")
    login(client, staff_user(Role.SUPERVISOR))
    page = client.get(admin_url("social-workers/"), {"validity": "expired"}).content.decode()
    assert "过期社工" in page and "有效社工" not in page
    page = client.get(admin_url("social-workers/"), {"level": "senior"}).content.decode()
    assert "过期社工" in page and "有效社工" not in page


def test_the_hour_list_filters_by_status(client):
    served(verify=False)
    _need, verified_volunteer, _record, _organizer = served()
    login(client, staff_user(Role.SUPERVISOR))
    response = client.get(admin_url("hours/"), {"status": "verified"})
    assert [r.volunteer_id for r in response.context["object_list"]] == [verified_volunteer.pk]


def test_a_bureau_admin_records_a_social_worker_through_the_service(client):
    admin = staff_user(Role.BUREAU_ADMIN)
    user = UserFactory(username="sg-admin")
    login(client, admin)
    response = client.post(
        admin_url("social-workers/new/"),
        {
            "username": "sg-admin",
            "real_name": "社工丙",
            "level": "social_worker",
            "certificate_no": "ZS-ADMIN-1",
            "registered_on": (timezone.localdate() - datetime.timedelta(days=5)).isoformat(),
        },
    )
    assert response.status_code == 302, response.content.decode()[:1500]
    worker = SocialWorker.objects.get()
    assert worker.user == user and worker.verified_by == admin
    assert Event.objects.filter(action="social_worker.register", object_id=str(worker.pk)).exists()
    user.__dict__.pop("_role_names_cache", None)
    assert user_has_role(user, Role.SOCIAL_WORKER)


def test_a_taken_certificate_number_in_the_admin_is_a_form_error_not_a_500(client):
    existing = social_worker()
    login(client, staff_user(Role.BUREAU_ADMIN))
    response = client.post(
        admin_url("social-workers/new/"),
        {
            "username": UserFactory().username,
            "real_name": "x",
            "level": "assistant",
            "certificate_no": existing.certificate_no,
            "registered_on": "2025-01-01",
        },
    )
    assert response.status_code == 200
    assert SocialWorker.objects.count() == 1


def test_viewer_roles_cannot_record_a_social_worker(client):
    login(client, staff_user(Role.SUPERVISOR))
    assert client.get(admin_url("social-workers/new/")).status_code in (302, 403)


def test_nobody_adds_edits_or_deletes_volunteering_records_in_the_admin(client):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    volunteer = VolunteerFactory()
    need = NeedFactory()
    login(client, superuser)
    assert client.get(admin_url("volunteers/new/")).status_code in (302, 403)
    assert client.post(admin_url(f"volunteers/edit/{volunteer.pk}/"), {}).status_code in (302, 403)
    assert client.post(admin_url(f"volunteers/delete/{volunteer.pk}/")).status_code in (302, 403)
    assert client.post(admin_url(f"needs/delete/{need.pk}/")).status_code in (302, 403)
    assert Volunteer.objects.filter(pk=volunteer.pk).exists()
    page = client.get(admin_url("volunteers/")).content.decode()
    assert admin_url("volunteers/new/") not in page


def _populate(path, n, start):
    for _i in range(start, start + n):
        if path == "volunteers/":
            VolunteerFactory()
        elif path == "social-workers/":
            social_worker()
        elif path == "needs/":
            NeedFactory()
        else:  # hours and certificates
            need, volunteer, _record, _organizer = served()
            if path == "certificates/":
                from volunteers.services.certificates import certificate_issue

                certificate_issue(
                    actor=volunteer.user, volunteer=volunteer, department=need.project.department
                )


@pytest.mark.parametrize("path", INDEXES)
def test_admin_lists_issue_the_same_queries_for_5_and_50_rows(client, path):
    login(client, staff_user(Role.SUPERVISOR))
    _populate(path, 5, 0)
    small = queries(client, admin_url(path))
    _populate(path, 45, 5)
    assert queries(client, admin_url(path)) == small


def test_the_admin_lists_are_linked_from_the_bureau_menu(client):
    login(client, staff_user(Role.SUPERVISOR))
    page = client.get(reverse("wagtailadmin_home")).content.decode()
    assert admin_url("volunteers/") in page
