"""The demo data of referrals: one referral in each state, a group sharing a batch, a need that
requires a training with volunteers who have it and the demo volunteer who has not; seeding twice
changes nothing."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.db.models import Count

from volunteers.demo_referrals import COURSE, TRAINING_NEED
from volunteers.eligibility import eligibility_problems
from volunteers.models import Need, Referral, ReferralStatus, Volunteer
from volunteers.selectors_referrals import matching_volunteers

pytestmark = pytest.mark.django_db


def test_demo_has_a_referral_in_each_state_and_a_need_requiring_a_training():
    call_command("seed_demo", stdout=StringIO())
    assert set(Referral.objects.values_list("status", flat=True)) == set(ReferralStatus.values)
    assert Referral.objects.values("batch").annotate(n=Count("pk")).filter(n__gte=2).exists()
    demo = Volunteer.objects.get(user__username="volunteer")
    assert Referral.objects.filter(volunteer=demo, status=ReferralStatus.PROPOSED).exists()
    need = Need.objects.get(title=TRAINING_NEED)
    assert need.required_training == COURSE
    fitting = set(matching_volunteers(need).values_list("pk", flat=True))
    trained = set(Volunteer.objects.filter(trainings__course=COURSE).values_list("pk", flat=True))
    assert len(trained) >= 3 and demo.pk not in trained
    assert fitting <= trained and demo.pk not in fitting
    problems = eligibility_problems(demo, need.slots.order_by("starts_at").first())
    assert any(COURSE in p for p in problems)
    before = Referral.objects.count()
    call_command("seed_demo", stdout=StringIO())
    assert Referral.objects.count() == before
