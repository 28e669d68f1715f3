"""A need may require a completed training (issue 15, point 5): matching filters on the training
records in the database (one query, the course compared without case), sign-up refuses a volunteer
without it in Chinese, the volunteer's suggestions leave the need out, and the need form offers the
courses on record. Runs on SQLite and on PostgreSQL (CI runs both)."""

from __future__ import annotations

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from core.models import District
from tests.factories import UserFactory
from tests.volunteers.factories import NeedFactory, ProjectFactory, VolunteerFactory, service_type
from tests.volunteers.test_views import login
from volunteers.eligibility import eligibility_problems, eligible_volunteers
from volunteers.matching import open_slots_for, suggest_for_slot
from volunteers.models import Need, TrainingRecord
from volunteers.services.signups import signup_apply

pytestmark = pytest.mark.django_db


def _trained(course: str, **kwargs):
    volunteer = VolunteerFactory(**kwargs)
    TrainingRecord.objects.create(
        volunteer=volunteer, course=course, hours=3, taken_on=datetime.date(2026, 3, 1), issuer="红十字会"
    )
    return volunteer


def test_matching_filters_on_the_training_in_one_query(django_assert_num_queries):
    need = NeedFactory(required_training="First Aid Level 1")
    slot = need.slots.get()
    upper = _trained("FIRST AID LEVEL 1")  # another case: the same course
    other_course = _trained("First Aid Level 2")
    untrained = VolunteerFactory()
    with django_assert_num_queries(1):
        found = set(eligible_volunteers(slot).values_list("pk", flat=True))
    assert upper.pk in found
    assert other_course.pk not in found and untrained.pk not in found
    assert [s.volunteer.pk for s in suggest_for_slot(slot)] == [upper.pk]


def test_chinese_course_names_match_exactly():
    need = NeedFactory(required_training="心肺复苏培训")
    slot = need.slots.get()
    trained = _trained("心肺复苏培训")
    _trained("心肺复苏")  # a shorter name is another course
    assert list(eligible_volunteers(slot, with_availability=False).values_list("pk", flat=True)) == [
        trained.pk
    ]


def test_sign_up_refuses_a_volunteer_without_the_training_with_a_clear_message():
    need = NeedFactory(required_training="心肺复苏培训")
    slot = need.slots.get()
    volunteer = VolunteerFactory()
    problems = eligibility_problems(volunteer, slot)
    assert problems == ["该需求要求完成培训“心肺复苏培训”，您的培训记录中没有该课程。"]
    with pytest.raises(ValidationError) as excinfo:
        signup_apply(actor=volunteer.user, slot=slot)
    assert "心肺复苏培训" in " ".join(excinfo.value.messages)
    TrainingRecord.objects.create(
        volunteer=volunteer,
        course="心肺复苏培训",
        hours=2,
        taken_on=datetime.date(2026, 1, 2),
        issuer="红十字会",
    )
    assert signup_apply(actor=volunteer.user, slot=slot).status == "confirmed"


def test_a_need_without_a_requirement_takes_everyone():
    need = NeedFactory()
    assert VolunteerFactory().pk in set(eligible_volunteers(need.slots.get()).values_list("pk", flat=True))


def test_the_volunteer_suggestions_leave_out_needs_whose_training_they_lack():
    required = NeedFactory(required_training="助老服务培训")
    free = NeedFactory()
    volunteer = VolunteerFactory()
    needs = {slot.need_id for slot in open_slots_for(volunteer)}
    assert free.pk in needs and required.pk not in needs
    TrainingRecord.objects.create(
        volunteer=volunteer, course="助老服务培训", hours=2, taken_on=datetime.date(2026, 1, 2), issuer="中心"
    )
    assert required.pk in {slot.need_id for slot in open_slots_for(volunteer)}


def test_the_need_form_offers_the_courses_on_record_and_saves_the_requirement(client):
    _trained("助老服务培训")
    _trained("助老服务培训")
    _trained("防溺水救援培训")
    project = ProjectFactory()
    organizer = UserFactory(department=project.department)
    login(client, organizer)
    url = reverse("volunteers:need_create", args=[project.pk])
    page = client.get(url).content.decode()
    assert 'list="training-courses"' in page
    assert '<option value="助老服务培训">' in page and '<option value="防溺水救援培训">' in page
    assert page.count('<option value="助老服务培训">') == 1
    day = timezone.localdate() + datetime.timedelta(days=10)
    response = client.post(
        url,
        {
            "title": "助老陪伴",
            "role": "陪伴",
            "service_type": service_type().pk,
            "district": (District.objects.first() or project.department.district or _district()).pk,
            "address": "测试路1号",
            "headcount": 2,
            "min_age": 18,
            "risk_level": "low",
            "required_training": "  助老服务培训 ",
            "signup_closes_at": (timezone.localtime() + datetime.timedelta(days=5)).strftime(
                "%Y-%m-%dT%H:%M"
            ),
            "slots": f"{day:%Y-%m-%d} 09:00-12:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    need = Need.objects.get(title="助老陪伴")
    assert need.required_training == "助老服务培训"


def _district():
    from tests.factories import DistrictFactory

    return DistrictFactory()
