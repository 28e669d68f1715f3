"""The volunteer centre records the trainings it runs, for any volunteer, on the volunteer's profile
page, which it reaches from its referral pages; honours stay with the bureau and the organizers, and
the qualification proofs with whoever may see the volunteer."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from accounts.roles import Role
from audit.models import Event
from tests.factories import UserFactory, staff_user
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import VolunteerFactory, service_type, social_worker
from tests.volunteers.referral_helpers import centre_user, org_need
from tests.volunteers.test_organizer_pages import PDF
from tests.volunteers.test_people_pages import linked
from tests.volunteers.test_views import login
from volunteers.models import Commendation, TrainingRecord
from volunteers.selectors_referrals import matching_volunteers
from volunteers.services.records import (
    can_record_honour_for,
    can_record_training_for,
    commendation_award,
    training_record,
)
from volunteers.services.referrals import referral_propose
from volunteers.services.registration import qualification_record
from volunteers.services.social_workers import team_create

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def record_training(actor, volunteer, course="失智老人照护培训"):
    return training_record(
        actor=actor,
        volunteer=volunteer,
        course=course,
        hours=Decimal("6"),
        taken_on=TODAY(),
        issuer="市志愿服务中心",
    )


def award(actor, volunteer):
    return commendation_award(
        actor=actor, volunteer=volunteer, title="优秀志愿者", awarded_on=TODAY(), issuer="x"
    )


# --- who records what -------------------------------------------------------------------------------


def _recorders(volunteer):
    organization = OrganizationFactory()
    linked(volunteer, organization)
    worker = social_worker()
    team_create(actor=worker.user, name="一队", leader=worker).members.add(volunteer)
    return {
        "bureau_admin": (staff_user(Role.BUREAU_ADMIN), True, True),
        "organizer": (member(organization), True, True),
        "centre": (centre_user(), True, False),
        "supervisor": (staff_user(Role.SUPERVISOR), False, False),
        "team_leader": (worker.user, False, False),
        "other_organization": (member(OrganizationFactory()), False, False),
        "the_volunteer": (volunteer.user, False, False),
    }


def test_who_records_trainings_and_who_records_honours():
    volunteer = VolunteerFactory()
    for who, (user, training, honour) in _recorders(volunteer).items():
        assert can_record_training_for(user, volunteer) is training, who
        assert can_record_honour_for(user, volunteer) is honour, who


def test_the_centre_records_a_training_for_a_volunteer_it_has_no_link_to_and_it_is_audited():
    volunteer, centre = VolunteerFactory(), centre_user()
    record = record_training(centre, volunteer)
    assert TrainingRecord.objects.get(volunteer=volunteer) == record
    event = Event.objects.get(action="training.record")
    assert event.actor_id == centre.pk and event.after["volunteer"] == volunteer.pk


def test_a_training_the_centre_records_lets_the_volunteer_be_referred_to_a_need_that_requires_it():
    need, _member = org_need(required_training="失智老人照护培训")
    volunteer, centre = VolunteerFactory(), centre_user()
    assert volunteer not in matching_volunteers(need)
    record_training(centre, volunteer)
    assert volunteer in matching_volunteers(need)
    assert referral_propose(actor=centre, need=need, volunteers=[volunteer])


def test_the_centre_records_no_honour_and_nobody_records_for_themself():
    volunteer, centre = VolunteerFactory(), centre_user()
    with pytest.raises(PermissionDenied):
        award(centre, volunteer)
    for actor in (staff_user(Role.SUPERVISOR), UserFactory(), volunteer.user):
        with pytest.raises(PermissionDenied):
            record_training(actor, volunteer)
    centre_volunteer = VolunteerFactory(user=centre)
    with pytest.raises(PermissionDenied):
        record_training(centre, centre_volunteer)
    assert not TrainingRecord.objects.exists() and not Commendation.objects.exists()
    assert not Event.objects.filter(action__in=["training.record", "commendation.award"]).exists()


# --- the profile page ---------------------------------------------------------------------------------


def training_post(course="失智老人照护培训", taken_on=None):
    return {
        "kind": "training",
        "training-course": course,
        "training-hours": "6",
        "training-taken_on": (taken_on or TODAY()).isoformat(),
        "training-issuer": "市志愿服务中心",
    }


def test_the_centre_opens_any_volunteers_page_and_records_a_training_there(client):
    volunteer = VolunteerFactory(real_name="赵未培")
    qualification = qualification_record(
        actor=volunteer.user,
        volunteer=volunteer,
        service_type=service_type("counselling"),
        title="心理咨询师",
        document_file=SimpleUploadedFile("证书.pdf", PDF, content_type="application/pdf"),
    )
    login(client, centre_user())
    url = reverse("volunteers:volunteer_profile", args=[volunteer.pk])
    response = client.get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "赵未培" in page and "登记培训" in page and "登记表彰" not in page
    # the proof is on file, not for the centre to open; nor does the centre verify it
    download = reverse("core:document_download", args=[qualification.document.public_id])
    verify = reverse("volunteers:qualification_verify", args=[qualification.pk])
    assert download not in page and "已上传" in page and verify not in page
    assert client.get(download).status_code == 404
    response = client.post(url, training_post(), follow=True)
    page = response.content.decode()
    assert "培训已登记" in page and "失智老人照护培训" in page
    assert TrainingRecord.objects.get(volunteer=volunteer).issuer == "市志愿服务中心"


def test_the_centre_posting_an_honour_or_a_future_training_writes_nothing(client):
    volunteer = VolunteerFactory()
    login(client, centre_user())
    url = reverse("volunteers:volunteer_profile", args=[volunteer.pk])
    honour = {
        "kind": "commendation",
        "honour-title": "x",
        "honour-awarded_on": "2026-01-01",
        "honour-issuer": "y",
    }
    assert client.post(url, honour).status_code == 404
    response = client.post(url, training_post(taken_on=TODAY() + datetime.timedelta(days=3)))
    assert response.status_code == 200 and response.context["training_form"].errors["taken_on"]
    assert not Commendation.objects.exists() and not TrainingRecord.objects.exists()


def test_other_staff_roles_do_not_open_the_page(client):
    volunteer = VolunteerFactory()
    url = reverse("volunteers:volunteer_profile", args=[volunteer.pk])
    for role in (Role.SUPERVISOR, Role.PROCUREMENT_OFFICER, Role.REGISTRY_ADMIN):
        client.force_login(staff_user(role))
        assert client.get(url).status_code == 404
        assert client.post(url, training_post()).status_code == 404
    assert not TrainingRecord.objects.exists()


def test_the_centre_reaches_the_page_from_its_referral_list_and_the_referral_page(client):
    need, _member = org_need()
    volunteer, centre = VolunteerFactory(real_name="李晓梅"), centre_user()
    profile = reverse("volunteers:volunteer_profile", args=[volunteer.pk])
    login(client, centre)
    page = client.get(reverse("volunteers:referral_create", args=[need.pk])).content.decode()
    assert f'href="{profile}"' in page
    referral_propose(actor=centre, need=need, volunteers=[volunteer])
    page = client.get(reverse("volunteers:referral_list")).content.decode()
    assert f'href="{profile}"' in page
    assert client.get(profile).status_code == 200
