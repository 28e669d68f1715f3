"""Social workers (self-registration checked by the bureau, continuing education, renewal, teams),
volunteers' qualifications with their proof and their verification, training and honours recorded
by organizers."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role, user_has_role
from audit.models import Event
from core.models import Document
from tests.factories import UserFactory
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, VolunteerFactory, service_type, social_worker
from tests.volunteers.test_organizer_pages import PDF, queries
from tests.volunteers.test_views import login
from volunteers.models import (
    Commendation,
    ContinuingEducation,
    OrganizationVolunteer,
    Qualification,
    SocialWorker,
    SocialWorkerLevel,
    Team,
    TeamMembership,
    TrainingRecord,
)
from volunteers.services.registration import qualification_record
from volunteers.services.signups import signup_apply
from volunteers.services.social_workers import education_record, team_create, team_remove_member

pytestmark = pytest.mark.django_db


def fresh(user):
    user.__dict__.pop("_role_names_cache", None)
    return user


def sw_post(**overrides):
    data = {
        "real_name": "社工乙",
        "level": SocialWorkerLevel.SOCIAL_WORKER,
        "certificate_no": "ZS-2025-0099",
        "registered_on": (timezone.localdate() - datetime.timedelta(days=30)).isoformat(),
    }
    data.update(overrides)
    return data


# --- social workers ---------------------------------------------------------------------------


def test_a_self_registered_social_worker_gets_the_role_only_once_the_bureau_checks_it(client, bureau_admin):
    user = UserFactory()
    login(client, user)
    response = client.post(reverse("volunteers:social_worker_register"), sw_post())
    worker = SocialWorker.objects.get()
    assert response.status_code == 302 and worker.user == user and worker.verified_at is None
    assert not user_has_role(fresh(user), Role.SOCIAL_WORKER) and not worker.is_valid_on()
    client.logout()
    login(client, bureau_admin)
    client.post(reverse("volunteers:social_worker_detail", args=[worker.pk]), {"kind": "verify"})
    worker.refresh_from_db()
    assert worker.verified_by == bureau_admin and worker.is_valid_on()
    assert user_has_role(fresh(user), Role.SOCIAL_WORKER)
    assert Event.objects.filter(action="social_worker.verify", object_id=str(worker.pk)).exists()


def test_a_bureau_admin_records_a_social_worker_for_an_account_and_it_counts_at_once(client, bureau_admin):
    user = UserFactory(username="shegong1")
    login(client, bureau_admin)
    client.post(reverse("volunteers:social_worker_register"), sw_post(username="SheGong1"))
    worker = SocialWorker.objects.get()
    assert worker.user == user and worker.verified_by == bureau_admin
    assert user_has_role(fresh(user), Role.SOCIAL_WORKER)


def test_a_self_registered_social_worker_cannot_check_their_own_certificate(client):
    user = UserFactory()
    login(client, user)
    client.post(reverse("volunteers:social_worker_register"), sw_post())
    worker = SocialWorker.objects.get()
    response = client.post(reverse("volunteers:social_worker_detail", args=[worker.pk]), {"kind": "verify"})
    assert response.status_code == 200
    worker.refresh_from_db()
    assert worker.verified_at is None and not user_has_role(fresh(user), Role.SOCIAL_WORKER)


def test_an_unchecked_social_worker_cannot_lead_a_team(client):
    user = UserFactory()
    login(client, user)
    client.post(reverse("volunteers:social_worker_register"), sw_post())
    worker = SocialWorker.objects.get()
    client.post(
        reverse("volunteers:social_worker_detail", args=[worker.pk]), {"kind": "team", "name": "一队"}
    )
    assert not Team.objects.exists()


def test_a_taken_certificate_number_is_a_form_error_and_writes_nothing(client):
    social_worker()
    existing = SocialWorker.objects.get().certificate_no
    login(client, UserFactory())
    response = client.post(reverse("volunteers:social_worker_register"), sw_post(certificate_no=existing))
    assert response.status_code == 200 and response.context["form"].errors["certificate_no"]
    assert SocialWorker.objects.count() == 1


def test_a_future_registration_date_is_a_form_error(client):
    login(client, UserFactory())
    future = (timezone.localdate() + datetime.timedelta(days=3)).isoformat()
    response = client.post(reverse("volunteers:social_worker_register"), sw_post(registered_on=future))
    assert response.status_code == 200 and response.context["form"].errors["registered_on"]
    assert not SocialWorker.objects.exists()


def test_nobody_but_the_worker_and_bureau_admins_sees_a_registration(client):
    worker = social_worker()
    login(client, UserFactory())
    assert client.get(reverse("volunteers:social_worker_detail", args=[worker.pk])).status_code == 404
    assert client.get(reverse("volunteers:social_worker_list")).status_code == 404


def test_the_worker_records_education_and_a_bureau_admin_renews(client, bureau_admin):
    worker = social_worker(level=SocialWorkerLevel.ASSISTANT)
    url = reverse("volunteers:social_worker_detail", args=[worker.pk])
    login(client, worker.user)
    client.post(
        url,
        {
            "kind": "education",
            "course": "社会工作伦理",
            "hours": "72",
            "taken_on": timezone.localdate().isoformat(),
            "issuer": "市社工协会",
        },
    )
    assert ContinuingEducation.objects.get(social_worker=worker).hours == Decimal("72")
    response = client.post(url, {"kind": "renew"})  # only a bureau admin renews
    assert response.status_code == 200
    worker.refresh_from_db()
    old_end = worker.valid_until
    client.logout()
    login(client, bureau_admin)
    client.post(url, {"kind": "renew"})
    worker.refresh_from_db()
    assert worker.valid_until > old_end


def test_renewal_without_enough_education_is_a_message_not_an_error(client, bureau_admin):
    worker = social_worker()
    login(client, bureau_admin)
    response = client.post(reverse("volunteers:social_worker_detail", args=[worker.pk]), {"kind": "renew"})
    assert response.status_code == 200
    assert any("90" in str(m) for m in response.context["messages"])


def test_education_with_zero_hours_is_a_form_error(client):
    worker = social_worker()
    login(client, worker.user)
    response = client.post(
        reverse("volunteers:social_worker_detail", args=[worker.pk]),
        {"kind": "education", "course": "x", "hours": "0", "taken_on": "2026-01-01", "issuer": "y"},
    )
    assert response.status_code == 200 and response.context["education_form"].errors["hours"]
    assert not ContinuingEducation.objects.exists()


def test_the_leader_builds_a_team_adds_and_removes_members(client):
    worker = social_worker()
    volunteer = VolunteerFactory()
    login(client, worker.user)
    response = client.post(
        reverse("volunteers:social_worker_detail", args=[worker.pk]), {"kind": "team", "name": "阳光队"}
    )
    team = Team.objects.get()
    assert response.url == reverse("volunteers:team_detail", args=[team.pk])
    url = reverse("volunteers:team_detail", args=[team.pk])
    client.post(url, {"kind": "add", "number": volunteer.number})
    assert TeamMembership.objects.filter(team=team, volunteer=volunteer).exists()
    client.post(url, {"kind": "remove", "volunteer": volunteer.pk})
    assert not TeamMembership.objects.exists()
    event = Event.objects.get(action="team.remove_member")
    assert event.before == {"volunteer": volunteer.pk}


def test_an_unknown_volunteer_number_is_a_form_error(client):
    worker = social_worker()
    team = team_create(actor=worker.user, name="一队", leader=worker)
    login(client, worker.user)
    response = client.post(
        reverse("volunteers:team_detail", args=[team.pk]), {"kind": "add", "number": "NOPE"}
    )
    assert response.status_code == 200 and response.context["form"].errors["number"]


def test_only_the_leader_changes_the_team(client):
    worker = social_worker()
    team = team_create(actor=worker.user, name="一队", leader=worker)
    volunteer = VolunteerFactory()
    login(client, social_worker().user)
    url = reverse("volunteers:team_detail", args=[team.pk])
    assert client.post(url, {"kind": "add", "number": volunteer.number}).status_code == 404
    with pytest.raises(PermissionDenied):
        team_remove_member(actor=UserFactory(), team=team, volunteer=volunteer)
    with pytest.raises(ValidationError):
        team_remove_member(actor=worker.user, team=team, volunteer=volunteer)  # not a member


def test_an_expired_leader_no_longer_changes_the_team():
    worker = social_worker(registered_on=timezone.localdate() - datetime.timedelta(days=365 * 3 + 10))
    team = Team.objects.create(name="旧队", leader=worker)
    with pytest.raises(PermissionDenied):
        team_remove_member(actor=worker.user, team=team, volunteer=VolunteerFactory())


def test_education_service_refuses_strangers():
    with pytest.raises(PermissionDenied):
        education_record(
            actor=UserFactory(),
            worker=social_worker(),
            course="x",
            hours=Decimal("1"),
            taken_on=timezone.localdate(),
            issuer="y",
        )


# --- qualifications ---------------------------------------------------------------------------


def qual_post(**overrides):
    data = {
        "service_type": service_type("counselling").pk,
        "title": "国家二级心理咨询师",
        "document": SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf"),
    }
    data.update(overrides)
    return data


def test_a_volunteer_records_a_qualification_with_its_proof(client):
    volunteer = VolunteerFactory()
    login(client, volunteer.user)
    response = client.post(reverse("volunteers:qualification_add"), qual_post())
    assert response.status_code == 302
    qualification = Qualification.objects.get()
    assert qualification.volunteer == volunteer and qualification.verified_at is None
    assert qualification.document.owner == qualification
    assert (
        client.get(reverse("core:document_download", args=[qualification.document.public_id])).status_code
        == 200
    )


def test_only_qualified_service_types_take_a_qualification(client):
    volunteer = VolunteerFactory()
    login(client, volunteer.user)
    response = client.post(reverse("volunteers:qualification_add"), qual_post(service_type=service_type().pk))
    assert response.status_code == 200 and response.context["form"].errors["service_type"]
    with pytest.raises(ValidationError) as exc:
        qualification_record(
            actor=volunteer.user, volunteer=volunteer, service_type=service_type(), title="x"
        )
    assert "service_type" in exc.value.error_dict
    assert not Qualification.objects.exists()


def test_a_bad_proof_file_records_no_qualification():
    volunteer = VolunteerFactory()
    with pytest.raises(ValidationError):
        qualification_record(
            actor=volunteer.user,
            volunteer=volunteer,
            service_type=service_type("emergency-rescue"),
            title="救援证",
            document_file=SimpleUploadedFile("x.pdf", b"\x7fELF binary"),
        )
    assert not Qualification.objects.exists() and not Document.objects.exists()


def linked(volunteer, organization):
    OrganizationVolunteer.objects.create(organization=organization, volunteer=volunteer)


def linked_counsellor(organization, **kwargs):
    """A volunteer linked to `organization` who recorded a counselling qualification (not verified)."""
    volunteer = VolunteerFactory()
    linked(volunteer, organization)
    return qualification_record(
        actor=volunteer.user,
        volunteer=volunteer,
        service_type=service_type("counselling"),
        title="心理咨询师",
        **kwargs,
    )


def test_the_volunteers_organizer_verifies_the_qualification(client):
    organization = OrganizationFactory()
    qualification = linked_counsellor(organization)
    organizer = member(organization)
    login(client, organizer)
    page = client.get(reverse("volunteers:qualification_queue"))
    assert list(page.context["page"].object_list) == [qualification]
    client.post(reverse("volunteers:qualification_verify", args=[qualification.pk]))
    qualification.refresh_from_db()
    assert qualification.verified_by == organizer
    assert Event.objects.filter(action="qualification.verify").exists()
    response = client.post(
        reverse("volunteers:qualification_verify", args=[qualification.pk]), {"next": "https://evil.example/"}
    )
    assert response.status_code == 302  # a second verification is a message, not an error
    assert response.url == reverse("volunteers:qualification_queue")  # and no redirect off the site


def test_the_qualifications_on_a_volunteers_profile_stack_into_labelled_cards_on_a_phone(client):
    """The stacked table of volunteers.css (one card a row, each cell labelled), not a box that
    scrolls sideways at 375 px (the browser journey test_centre_training.py measures it)."""
    organization = OrganizationFactory()
    volunteer = linked_counsellor(organization).volunteer
    login(client, member(organization))
    page = client.get(reverse("volunteers:volunteer_profile", args=[volunteer.pk])).content.decode()
    assert "volunteers/volunteers" in page and '<table class="table stacked">' in page
    for label in ("服务类别", "资质", "有效期至", "证明材料", "已核验"):
        assert f'data-label="{label}"' in page, label
    assert "心理咨询师" in page and "核验" in page


def test_a_stranger_neither_sees_nor_verifies_a_qualification(client):
    volunteer = VolunteerFactory()
    qualification = qualification_record(
        actor=volunteer.user,
        volunteer=volunteer,
        service_type=service_type("counselling"),
        title="心理咨询师",
        document_file=SimpleUploadedFile("证书.pdf", PDF),
    )
    login(client, member(OrganizationFactory()))
    assert not client.get(reverse("volunteers:qualification_queue")).context["page"].object_list
    assert client.post(reverse("volunteers:qualification_verify", args=[qualification.pk])).status_code == 404
    assert (
        client.get(reverse("core:document_download", args=[qualification.document.public_id])).status_code
        == 404
    )
    qualification.refresh_from_db()
    assert qualification.verified_at is None


def test_a_volunteer_cannot_verify_their_own_qualification(client, bureau_admin):
    volunteer = VolunteerFactory(user=bureau_admin)
    qualification = qualification_record(
        actor=bureau_admin, volunteer=volunteer, service_type=service_type("counselling"), title="x"
    )
    login(client, bureau_admin)
    assert client.post(reverse("volunteers:qualification_verify", args=[qualification.pk])).status_code == 404


# --- training and honours ---------------------------------------------------------------------


def test_the_organizer_records_training_and_an_honour_shown_on_the_volunteers_page(client):
    need = NeedFactory()
    volunteer = VolunteerFactory()
    signup_apply(actor=volunteer.user, slot=need.slots.get())
    login(client, UserFactory(department=need.project.department))
    url = reverse("volunteers:volunteer_profile", args=[volunteer.pk])
    assert client.get(url).status_code == 200
    client.post(
        url,
        {
            "kind": "training",
            "training-course": "应急救护",
            "training-hours": "4",
            "training-taken_on": timezone.localdate().isoformat(),
            "training-issuer": "红十字会",
        },
    )
    client.post(
        url,
        {
            "kind": "commendation",
            "honour-title": "优秀志愿者",
            "honour-awarded_on": timezone.localdate().isoformat(),
            "honour-issuer": "市民政局",
        },
    )
    assert TrainingRecord.objects.get(volunteer=volunteer).course == "应急救护"
    assert Commendation.objects.get(volunteer=volunteer).title == "优秀志愿者"
    client.logout()
    login(client, volunteer.user)
    page = client.get(reverse("volunteers:me")).content.decode()
    assert "应急救护" in page and "优秀志愿者" in page


def test_a_stranger_cannot_open_a_volunteers_page_or_record_for_them(client):
    volunteer = VolunteerFactory()
    login(client, member(OrganizationFactory()))
    url = reverse("volunteers:volunteer_profile", args=[volunteer.pk])
    assert client.get(url).status_code == 404
    assert client.post(url, {"kind": "commendation", "honour-title": "x"}).status_code == 404
    assert not Commendation.objects.exists()


def test_a_team_leader_sees_the_page_but_does_not_record_honours(client):
    worker = social_worker()
    volunteer = VolunteerFactory()
    team = team_create(actor=worker.user, name="一队", leader=worker)
    team.members.add(volunteer)
    login(client, worker.user)
    url = reverse("volunteers:volunteer_profile", args=[volunteer.pk])
    context = client.get(url).context
    assert context["can_record_training"] is False and context["can_record_honour"] is False
    response = client.post(
        url,
        {
            "kind": "commendation",
            "honour-title": "x",
            "honour-awarded_on": "2026-01-01",
            "honour-issuer": "y",
        },
    )
    assert response.status_code == 404 and not Commendation.objects.exists()


def test_a_future_training_date_is_a_form_error_and_writes_nothing(client):
    organization = OrganizationFactory()
    volunteer = VolunteerFactory()
    linked(volunteer, organization)
    login(client, member(organization))
    future = (timezone.localdate() + datetime.timedelta(days=10)).isoformat()
    response = client.post(
        reverse("volunteers:volunteer_profile", args=[volunteer.pk]),
        {
            "kind": "training",
            "training-course": "x",
            "training-hours": "2",
            "training-taken_on": future,
            "training-issuer": "y",
        },
    )
    assert response.status_code == 200 and response.context["training_form"].errors["taken_on"]
    assert not TrainingRecord.objects.exists()


# --- list pages: constant queries -------------------------------------------------------------


def test_the_qualification_queue_issues_the_same_queries_for_5_and_50(client):
    organization = OrganizationFactory()
    login(client, member(organization))

    def add(n):
        for _ in range(n):
            linked_counsellor(organization, document_file=SimpleUploadedFile("证书.pdf", PDF))

    url = reverse("volunteers:qualification_queue")
    add(5)
    small = queries(client, url)
    add(45)
    assert queries(client, url) == small


def test_the_social_worker_list_issues_the_same_queries_for_5_and_50(client, bureau_admin):
    login(client, bureau_admin)
    url = reverse("volunteers:social_worker_list")
    for _ in range(5):
        social_worker()
    small = queries(client, url)
    for _ in range(45):
        social_worker()
    assert queries(client, url) == small


def test_the_team_page_issues_the_same_queries_for_5_and_50_members(client):
    worker = social_worker()
    team = team_create(actor=worker.user, name="一队", leader=worker)
    login(client, worker.user)
    url = reverse("volunteers:team_detail", args=[team.pk])
    team.members.add(*[VolunteerFactory() for _ in range(5)])
    small = queries(client, url)
    team.members.add(*[VolunteerFactory() for _ in range(45)])
    assert queries(client, url) == small
