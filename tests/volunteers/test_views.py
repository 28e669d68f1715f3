import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import TEST_PASSWORD, UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, ProjectFactory, VolunteerFactory, make_id_number
from tests.volunteers.helpers import served
from tests.volunteers.test_matching import make_volunteers
from volunteers.models import SignUpStatus, Volunteer
from volunteers.services.signups import signup_apply

pytestmark = pytest.mark.django_db


def login(client, user):
    assert client.login(username=user.username, password=TEST_PASSWORD)


def test_registration_page_registers_and_shows_only_the_masked_number(client):
    user = UserFactory()
    login(client, user)
    number = make_id_number(5, datetime.date(1988, 8, 8))
    response = client.post(
        reverse("volunteers:register"),
        {
            "real_name": "测试丙",
            "id_number": number,
            "phone": "13900000000",
            "emergency_name": "家人",
            "emergency_phone": "13900000009",
            "weekdays": ["5", "6"],
            "available_from": "09:00",
            "available_to": "17:00",
            "skills": "急救，摄影",
        },
    )
    assert response.status_code == 302
    page = client.get(reverse("volunteers:me")).content.decode()
    assert number not in page and "3201**********" in page
    assert Volunteer.objects.get().availability.count() == 2


def test_a_bad_id_number_is_a_form_error_not_a_server_error(client):
    login(client, UserFactory())
    response = client.post(
        reverse("volunteers:register"),
        {
            "real_name": "x",
            "id_number": "110105194912310021",
            "phone": "13800138000",
            "emergency_name": "e",
            "emergency_phone": "13900139000",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["id_number"]


def test_a_volunteer_sees_only_their_own_records(client):
    _need, mine, _record, _organizer = served()
    _need, other, other_record, _organizer = served()
    login(client, mine.user)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert mine.number in page and other.number not in page
    response = client.post(
        reverse("volunteers:correction_request", args=[other_record.pk]), {"minutes": 10, "reason": "x"}
    )
    assert response.status_code == 404
    assert client.post(reverse("volunteers:check_out", args=[other_record.pk])).status_code == 404


def test_an_organization_sees_only_its_own_needs_and_volunteers(client):
    org_a, org_b = OrganizationFactory(), OrganizationFactory()
    user_a = member(org_a)
    need_a = NeedFactory(project=ProjectFactory(organization=org_a, department=None))
    need_b = NeedFactory(project=ProjectFactory(organization=org_b, department=None))
    vol_a, vol_b = VolunteerFactory(), VolunteerFactory()
    signup_apply(actor=vol_a.user, slot=need_a.slots.get())
    signup_apply(actor=vol_b.user, slot=need_b.slots.get())
    login(client, user_a)
    page = client.get(reverse("volunteers:manage_needs")).content.decode()
    assert need_a.title in page and need_b.title not in page
    assert client.get(reverse("volunteers:manage_need", args=[need_b.pk])).status_code == 404
    assert client.get(reverse("volunteers:slot_matches", args=[need_b.slots.get().pk])).status_code == 404
    page = client.get(reverse("volunteers:org_volunteers", args=[org_a.pk])).content.decode()
    assert vol_a.number in page and vol_b.number not in page
    assert client.get(reverse("volunteers:org_volunteers", args=[org_b.pk])).status_code == 404
    export = b"".join(
        client.get(reverse("volunteers:org_export", args=[org_a.pk, "volunteers", "csv"])).streaming_content
    ).decode("utf-8-sig")
    assert vol_a.number in export and vol_b.number not in export
    assert vol_a.id_masked in export


def test_organizer_approves_and_sees_the_waiting_list(client):
    need = NeedFactory(requires_approval=True, headcount=1)
    organizer = UserFactory(department=need.project.department)
    volunteer = VolunteerFactory()
    signup = signup_apply(actor=volunteer.user, slot=need.slots.get())
    login(client, organizer)
    client.post(reverse("volunteers:signup_decide", args=[signup.pk]), {"approve": "1"})
    signup.refresh_from_db()
    assert signup.status == SignUpStatus.CONFIRMED


def test_strangers_cannot_verify_hours_through_the_page(client):
    _need, _volunteer, record, _organizer = served(verify=False)
    login(client, UserFactory())
    assert (
        client.post(reverse("volunteers:hours_decide", args=[record.pk]), {"verify": "1"}).status_code == 404
    )
    record.refresh_from_db()
    assert record.status == "pending"


def test_public_pages_render(client):
    need = NeedFactory()
    served()
    for url in (
        reverse("volunteers:need_list"),
        reverse("volunteers:need_detail", args=[need.pk]),
        reverse("volunteers:statistics"),
        reverse("volunteers:certificate_verify"),
    ):
        assert client.get(url).status_code == 200


def test_statistics_show_no_personal_data_and_count_stars(client, settings):
    settings.VOLUNTEER_STAR_THRESHOLDS = (1, 2)
    _need, volunteer, _record, _organizer = served(minutes=150)
    page = client.get(reverse("volunteers:statistics")).content.decode()
    assert volunteer.real_name not in page and volunteer.number not in page
    from volunteers.selectors import public_statistics

    stats = public_statistics()
    assert stats["stars"] == [(1, 0), (2, 1)]
    assert stats["by_type"] == [("社区服务", 2.5)]


def test_the_matching_page_issues_the_same_queries_for_50_and_5000_volunteers(client):
    need = NeedFactory()
    slot = need.slots.get()
    organizer = UserFactory(department=need.project.department)
    login(client, organizer)
    url = reverse("volunteers:slot_matches", args=[slot.pk])
    make_volunteers(50)
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    make_volunteers(4950, start=50)
    with CaptureQueriesContext(connection) as large:
        response = client.get(url)
    assert len(response.context["suggestions"]) == 20
    assert len(small.captured_queries) == len(large.captured_queries)


@pytest.mark.parametrize("name", ["need_list", "hours_queue", "manage_needs"])
def test_list_pages_issue_a_constant_number_of_queries(client, name):
    project = ProjectFactory()
    organizer = UserFactory(department=project.department)
    login(client, organizer)

    def add(n):
        for _ in range(n):
            served(project=project, verify=False)

    add(1)
    url = reverse(f"volunteers:{name}")
    client.get(url)
    with CaptureQueriesContext(connection) as small:
        client.get(url)
    add(4)
    with CaptureQueriesContext(connection) as large:
        client.get(url)
    assert len(small.captured_queries) == len(large.captured_queries)
