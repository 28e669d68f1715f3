import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.models import User
from core.models import Notification
from tests.factories import DistrictFactory, UserFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory, birth_for_age, service_type
from volunteers import matching
from volunteers.eligibility import eligibility_problems, eligible_volunteers
from volunteers.models import (
    AvailabilitySlot,
    Invitation,
    NeedSlot,
    Qualification,
    RiskLevel,
    SignUp,
    SignUpStatus,
    Skill,
    Volunteer,
)
from volunteers.services.signups import invitation_send, signup_apply

pytestmark = pytest.mark.django_db


def ids(queryset):
    return set(queryset.values_list("pk", flat=True))


# --- hard filters ------------------------------------------------------------------------------


def test_qualification_filter_needs_a_verified_unexpired_qualification():
    need = NeedFactory(
        service_type=service_type("counselling"), requires_qualification=True, requires_approval=True
    )
    slot = need.slots.get()
    none, unverified, verified, expired = (VolunteerFactory() for _ in range(4))
    Qualification.objects.create(volunteer=unverified, service_type=need.service_type, title="心理咨询师")
    Qualification.objects.create(
        volunteer=verified, service_type=need.service_type, title="心理咨询师", verified_at=timezone.now()
    )
    Qualification.objects.create(
        volunteer=expired,
        service_type=need.service_type,
        title="心理咨询师",
        verified_at=timezone.now(),
        valid_until=timezone.localdate(),
    )
    assert ids(eligible_volunteers(slot)) == {verified.pk}
    assert len(eligibility_problems(none, slot)) == 1
    assert eligibility_problems(verified, slot) == []


def test_age_filter_uses_the_minimum_age_and_guardian_consent(slot):
    adult = VolunteerFactory()
    sixteen_with_consent = VolunteerFactory(birth_date=birth_for_age(16), guardian_consent_at=timezone.now())
    sixteen_without = VolunteerFactory(birth_date=birth_for_age(16))
    fifteen = VolunteerFactory(birth_date=birth_for_age(15), guardian_consent_at=timezone.now())
    assert ids(eligible_volunteers(slot)) == {adult.pk, sixteen_with_consent.pk}
    assert sixteen_without.pk not in ids(eligible_volunteers(slot))
    assert fifteen.pk not in ids(eligible_volunteers(slot))


def test_under_14_never_matches_risky_work():
    need = NeedFactory(min_age=10, risk_level=RiskLevel.MEDIUM)
    child = VolunteerFactory(birth_date=birth_for_age(12), guardian_consent_at=timezone.now())
    assert child.pk not in ids(eligible_volunteers(need.slots.get()))
    safe = NeedFactory(min_age=10)
    assert child.pk in ids(eligible_volunteers(safe.slots.get()))


def test_availability_filter_needs_a_weekly_window_overlapping_the_slot(slot):
    weekday = timezone.localtime(slot.starts_at).weekday()
    morning = VolunteerFactory(available=[(weekday, "08:00", "10:00")])
    evening = VolunteerFactory(available=[(weekday, "18:00", "21:00")])
    other_day = VolunteerFactory(available=[((weekday + 1) % 7, "08:00", "20:00")])
    found = ids(eligible_volunteers(slot))
    assert morning.pk in found and evening.pk not in found and other_day.pk not in found


def test_district_filter_applies_only_when_required():
    need = NeedFactory(district_required=True)
    slot = need.slots.get()
    local = VolunteerFactory()
    local.districts.add(need.district)
    elsewhere = VolunteerFactory()
    elsewhere.districts.add(DistrictFactory(code="999999"))
    assert ids(eligible_volunteers(slot)) == {local.pk}
    need.district_required = False
    need.save()
    slot.need.district_required = False
    assert ids(eligible_volunteers(slot)) == {local.pk, elsewhere.pk}


def test_already_booked_volunteers_are_filtered_out(slot):
    booked, free = VolunteerFactory(), VolunteerFactory()
    overlapping = NeedFactory(slots=[(slot.starts_at + datetime.timedelta(hours=1), slot.ends_at)])
    signup_apply(actor=booked.user, slot=overlapping.slots.get())
    assert ids(eligible_volunteers(slot)) == {free.pk}


# --- score ---------------------------------------------------------------------------------------


def test_each_suggestion_explains_its_score():
    first_aid, photo = Skill.objects.create(name="急救"), Skill.objects.create(name="摄影")
    need = NeedFactory()
    need.skills.set([first_aid, photo])
    slot = need.slots.get()
    strong = VolunteerFactory()
    strong.skills.set([first_aid, photo])
    strong.service_types.add(need.service_type)
    strong.districts.add(need.district)
    weak = VolunteerFactory(available=[(timezone.localtime(slot.starts_at).weekday(), "09:00", "10:30")])
    weak.skills.set([photo])
    first, second = matching.suggest_for_slot(slot)
    assert first.volunteer == strong and second.volunteer == weak
    assert first.parts == {
        "skills": 30,
        "interest": 20,
        "district": 15,
        "availability": 20,
        "reliability": matching._q(15 * 0.5),
    }
    assert second.parts["skills"] == 15 and second.parts["interest"] == 0 and second.parts["district"] == 0
    assert second.parts["availability"] == 10  # 1.5 h of the 3 h slot
    assert first.total == sum(first.parts.values()) - first.penalty
    assert first.explanation()[0] == (str(matching.PART_LABELS["skills"]), first.parts["skills"])


def test_reliability_rises_with_recent_show_ups():
    volunteer = VolunteerFactory()
    past = NeedFactory(
        signup_closes_at=timezone.now() - datetime.timedelta(days=20),
        slots=[
            (
                timezone.now() - datetime.timedelta(days=10),
                timezone.now() - datetime.timedelta(days=10, hours=-2),
            )
        ],
    )
    SignUp.objects.create(slot=past.slots.get(), volunteer=volunteer, status=SignUpStatus.ATTENDED)
    no_show = VolunteerFactory()
    SignUp.objects.create(slot=past.slots.get(), volunteer=no_show, status=SignUpStatus.NO_SHOW)
    scores = matching.reliability_by_volunteer([volunteer.pk, no_show.pk], timezone.now())
    assert scores[volunteer.pk] > matching.Decimal("0.6") > matching.Decimal("0.4") > scores[no_show.pk]


def test_the_exposure_penalty_changes_the_ranking(slot):
    a, b = VolunteerFactory(), VolunteerFactory()
    assert [s.volunteer for s in matching.suggest_for_slot(slot)] == [a, b]  # tie: lower pk first
    other = NeedFactory()
    Invitation.objects.create(slot=other.slots.get(), volunteer=a, invited_by=UserFactory())
    for i in range(3):
        Notification.objects.create(
            recipient=a.user,
            event="x",
            subject="s",
            email_status="not_sent_by_event",
            send_id=f"{i:032x}",
            object_id=str(i),
        )
    ranked = matching.suggest_for_slot(slot)
    assert [s.volunteer for s in ranked] == [b, a]
    assert ranked[1].penalty == 5 + 3 and ranked[1].penalty_reasons == {"matches": 1, "notifications": 3}


def test_the_exposure_penalty_is_capped(settings):
    assert matching.exposure_penalty({"matches": 100, "notifications": 100}) == 30


def test_crowded_slots_rank_lower_for_a_volunteer():
    volunteer = VolunteerFactory()
    quiet = NeedFactory(headcount=2)
    crowded = NeedFactory(headcount=2)
    signup_apply(actor=VolunteerFactory().user, slot=crowded.slots.get())
    ranked = matching.suggest_for_volunteer(volunteer)
    assert [s.slot.need for s in ranked] == [quiet, crowded]
    assert ranked[1].penalty == 10


def test_volunteer_side_respects_hard_filters():
    volunteer = VolunteerFactory(birth_date=birth_for_age(16), guardian_consent_at=timezone.now())
    NeedFactory(min_age=18)
    NeedFactory(
        service_type=service_type("emergency-rescue"), requires_qualification=True, requires_approval=True
    )
    ok = NeedFactory(min_age=16)
    assert [s.slot.need for s in matching.suggest_for_volunteer(volunteer)] == [ok]


# --- invitations ---------------------------------------------------------------------------------


def test_invitations_respect_the_weekly_cap(settings):
    settings.VOLUNTEER_INVITATION_WEEKLY_CAP = 2
    volunteer = VolunteerFactory()
    admin = UserFactory()
    admin.is_superuser = True
    admin.save()
    needs = [
        NeedFactory(slots=[(s, s + datetime.timedelta(hours=1))])
        for s in (timezone.now() + datetime.timedelta(days=5, hours=h) for h in (0, 2, 4))
    ]
    for need in needs[:2]:
        invitation_send(actor=admin, slot=need.slots.get(), volunteer=volunteer)
    with pytest.raises(ValidationError):
        invitation_send(actor=admin, slot=needs[2].slots.get(), volunteer=volunteer)
    # a week later the cap has room again
    Invitation.objects.update(created_at=timezone.now() - datetime.timedelta(days=8))
    invitation_send(actor=admin, slot=needs[2].slots.get(), volunteer=volunteer)
    assert Notification.objects.filter(recipient=volunteer.user, event="volunteers.invited").count() == 3


# --- scale ---------------------------------------------------------------------------------------


def make_volunteers(n: int, start: int = 0) -> None:
    users = User.objects.bulk_create([User(username=f"bulk{start + i}") for i in range(n)])
    volunteers = Volunteer.objects.bulk_create(
        [
            Volunteer(
                user=user,
                number=f"BULK{start + i:08d}",
                real_name="批量",
                id_ciphertext="v1:x",
                id_hmac=f"{start + i:064d}",
                id_masked="3201**********0000",
                birth_date=datetime.date(1990, 1, 1),
                phone="1",
                emergency_name="e",
                emergency_phone="1",
            )
            for i, user in enumerate(users)
        ]
    )
    AvailabilitySlot.objects.bulk_create(
        [
            AvailabilitySlot(volunteer=v, weekday=d, start_time=datetime.time(8), end_time=datetime.time(20))
            for v in volunteers
            for d in range(7)
        ]
    )


def test_the_scorer_never_receives_more_than_the_bound(settings, slot, monkeypatch):
    settings.VOLUNTEER_MATCH_CANDIDATE_BOUND = 30
    make_volunteers(80)
    seen = []
    original = matching.score_candidates

    def spy(slot, candidates, **kwargs):
        seen.append(len(candidates))
        return original(slot, candidates, **kwargs)

    monkeypatch.setattr(matching, "score_candidates", spy)
    matching.suggest_for_slot(slot)
    assert seen == [30]
    with pytest.raises(ValueError):
        original(slot, list(Volunteer.objects.all()[:31]))


def test_suggestions_issue_the_same_number_of_queries_for_50_and_5000_volunteers(slot):
    make_volunteers(50)
    with CaptureQueriesContext(connection) as small:
        small_result = matching.suggest_for_slot(slot)
    make_volunteers(4950, start=50)
    with CaptureQueriesContext(connection) as large:
        large_result = matching.suggest_for_slot(slot)
    assert len(small_result) == len(large_result) == 20
    assert len(small.captured_queries) == len(large.captured_queries)
    assert NeedSlot.objects.count() == 1
