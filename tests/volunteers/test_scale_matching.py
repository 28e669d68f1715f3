"""Matching ranks a bounded window of volunteers chosen by index (issue 17: one query sorted every
eligible volunteer; 0.22 s at 20,000 volunteers, 1.93 s at 200,000)."""

import itertools

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.volunteers.test_matching import make_volunteers
from volunteers import matching
from volunteers.models import Volunteer

pytestmark = pytest.mark.django_db


def test_below_the_window_every_eligible_volunteer_is_ranked(settings, slot):
    settings.VOLUNTEER_MATCH_CANDIDATE_WINDOW = 1000
    make_volunteers(30)
    assert (
        matching.candidate_window(slot.__class__.objects.select_related("need").get(pk=slot.pk))
        == matching.Q()
    )
    assert len(matching.candidates_for_slot(slot)) == 30


def test_above_the_window_candidates_come_from_one_run_of_ids_that_follows_the_slot(settings, slot):
    settings.VOLUNTEER_MATCH_CANDIDATE_WINDOW = 40
    settings.VOLUNTEER_MATCH_CANDIDATE_BOUND = 100
    make_volunteers(150)
    ids = sorted(Volunteer.objects.values_list("pk", flat=True))
    chosen = sorted(v.pk for v in matching.candidates_for_slot(slot))
    assert len(chosen) == 40
    # consecutive ids, possibly wrapping from the highest to the lowest
    positions = sorted(ids.index(pk) for pk in chosen)
    gaps = [b - a for a, b in itertools.pairwise(positions)]
    assert gaps.count(1) >= len(gaps) - 1
    assert len(matching.suggest_for_slot(slot)) == 20


def test_matching_takes_the_same_queries_below_and_above_the_window(settings, slot):
    settings.VOLUNTEER_MATCH_CANDIDATE_WINDOW = 60
    make_volunteers(50)
    with CaptureQueriesContext(connection) as below:
        matching.suggest_for_slot(slot)
    make_volunteers(250, start=50)
    with CaptureQueriesContext(connection) as above:
        matching.suggest_for_slot(slot)
    assert len(below.captured_queries) == len(above.captured_queries)
    ranked = [q["sql"] for q in above.captured_queries if "ORDER BY" in q["sql"] and "skill_hits" in q["sql"]]
    assert ranked and '"volunteers_volunteer"."id" >=' in ranked[0]
