"""Volunteer statistics come from summaries the services keep (issue 17): verifying and correcting
hours keeps them equal to a rebuild from the records, registering keeps the volunteer tally equal to a
rebuild from the volunteers, and the pages read them without touching the hour records or counting
the volunteers."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.models import District
from tests.factories import DistrictFactory, UserFactory
from tests.volunteers.factories import NeedFactory, VolunteerFactory
from volunteers import selectors
from volunteers.models import HourSummary, ServedSummary, VolunteerTally
from volunteers.services.hour_summaries import summaries_rebuild
from volunteers.services.hours import (
    correction_request,
    correction_resolve,
    hours_manual_entry,
    hours_reject,
    hours_verify,
)
from volunteers.services.signups import signup_apply

pytestmark = pytest.mark.django_db


def snapshot() -> tuple[set, set, set]:
    return (
        set(HourSummary.objects.values_list("month", "district_id", "service_type_id", "minutes", "records")),
        set(ServedSummary.objects.values_list("scope", "period", "district_id", "volunteers")),
        set(VolunteerTally.objects.exclude(volunteers=0).values_list("status", "hours", "volunteers")),
    )


def past_need(district, days_ago: int):
    start = datetime.datetime.now(datetime.UTC) - datetime.timedelta(days=days_ago)
    return NeedFactory(
        district=district,
        headcount=10,
        signup_closes_at=start + datetime.timedelta(days=1000),
        slots=[(start, start + datetime.timedelta(hours=3))],
    )


def serve(volunteer, need, minutes: int):
    """The volunteer signs up (while sign-up is open) and the organizer enters `minutes`."""
    slot = need.slots.get()
    ends, starts = slot.ends_at, slot.starts_at
    slot.starts_at = starts + datetime.timedelta(days=400)
    slot.ends_at = ends + datetime.timedelta(days=400)
    slot.save()
    signup = signup_apply(actor=volunteer.user, slot=slot)
    slot.starts_at, slot.ends_at = starts, ends
    slot.save()
    organizer = UserFactory(department=need.project.department)
    return organizer, hours_manual_entry(actor=organizer, signup=signup, minutes=minutes)


def test_verification_and_corrections_keep_the_summaries_equal_to_a_rebuild():
    d1 = District.objects.first() or DistrictFactory()
    d2 = DistrictFactory(code="320177", name="另一区")
    a, b = VolunteerFactory(), VolunteerFactory()
    jan, feb, other = past_need(d1, 60), past_need(d1, 30), past_need(d2, 25)
    verified = []
    for volunteer, need, minutes in ((a, jan, 90), (a, feb, 60), (b, feb, 120), (a, other, 30), (b, jan, 45)):
        organizer, record = serve(volunteer, need, minutes)
        verified.append((organizer, hours_verify(actor=organizer, record=record)))
    other_organizer, rejected = serve(VolunteerFactory(), other, 100)
    hours_reject(actor=other_organizer, record=rejected, reason="不符")
    # A correction of a verified record changes its minutes only; of a rejected one it also counts it.
    organizer, record = verified[1]
    correction = correction_request(actor=a.user, record=record, minutes=75, reason="少记")
    correction_resolve(actor=organizer, correction=correction, accept=True)
    correction = correction_request(actor=rejected.volunteer.user, record=rejected, minutes=50, reason="补记")
    correction_resolve(actor=other_organizer, correction=correction, accept=True)
    kept = snapshot()
    summaries_rebuild()
    assert snapshot() == kept
    # a: 90 + 75 + 30 = 195 min (3 h); b: 120 + 45 = 165 min (2 h); the third volunteer: 50 min (0 h)
    assert kept[2] == {("active", 3, 1), ("active", 2, 1), ("active", 0, 1)}
    assert sum(row[3] for row in kept[0]) == 90 + 75 + 120 + 30 + 45 + 50
    assert selectors.public_volunteer_figures()["verified_minutes"] == 410
    by_district = {
        row["name"]: (row["minutes"], row["volunteers"]) for row in selectors.verified_minutes_by_district()
    }
    assert by_district[d1.name] == (90 + 75 + 120 + 45, 2)
    assert by_district[d2.name] == (30 + 50, 2)


def test_the_statistics_pages_never_read_the_hour_records(client):
    a = VolunteerFactory()
    organizer, record = serve(a, past_need(District.objects.first() or DistrictFactory(), 20), 60)
    hours_verify(actor=organizer, record=record)
    for url in (reverse("statistics:volunteers"), reverse("volunteers:statistics")):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        read = " ".join(q["sql"] for q in queries.captured_queries)
        assert "volunteers_hourrecord" not in read, url
        assert '"volunteers_volunteer"' not in read, url
    assert [row["minutes"] for row in selectors.verified_minutes_by_month()] == [60]
    assert selectors.verified_hour_years() == [timezone.localtime(record.check_in_at).year]


def test_the_home_page_counts_this_months_served_volunteers_from_the_summary(client):
    district = District.objects.first() or DistrictFactory()
    need = past_need(district, 20)
    records = []
    for volunteer in (VolunteerFactory(), VolunteerFactory()):
        organizer, record = serve(volunteer, need, 60)
        records.append(hours_verify(actor=organizer, record=record))
    # a second verified record of the same volunteer in the same month is not a second volunteer
    organizer, record = serve(records[0].volunteer, past_need(district, 20), 30)
    hours_verify(actor=organizer, record=record)
    month = timezone.localtime(records[0].check_in_at).date()
    assert selectors.volunteers_served_in_month(month) == 2
    assert selectors.volunteers_served_in_month(month.replace(year=month.year - 5)) == 0
    with CaptureQueriesContext(connection) as queries:
        body = client.get("/").content.decode()
    assert not [q["sql"] for q in queries.captured_queries if "volunteers_hourrecord" in q["sql"]]
    this_month = selectors.volunteers_served_in_month(timezone.localdate())
    assert f"<strong>{this_month}</strong> 名志愿者本月参加服务" in body


def test_registration_and_the_import_keep_the_volunteer_tally_equal_to_a_rebuild(settings):
    from tests.orgs.factories import OrganizationFactory, member
    from tests.volunteers.factories import make_id_number
    from tests.volunteers.test_registration import data
    from volunteers.services.registration import volunteer_import, volunteer_register

    volunteer_register(actor=UserFactory(), data=data(id_number=make_id_number(21)))
    organization = OrganizationFactory()
    volunteer_import(
        actor=member(organization),
        organization=organization,
        rows=[(n, data(id_number=make_id_number(30 + n))) for n in range(2, 6)],
    )
    kept = snapshot()[2]
    assert kept == {("active", 0, 5)}
    summaries_rebuild()
    assert snapshot()[2] == kept
    assert selectors.active_volunteer_count() == 5
    assert selectors.public_volunteer_figures()["volunteers"] == 5


def test_star_levels_follow_whole_verified_hours_whatever_the_thresholds(settings):
    district = District.objects.first() or DistrictFactory()
    a, b = VolunteerFactory(), VolunteerFactory()
    for volunteer, minutes in ((a, 119), (a, 2), (b, 59)):
        organizer, record = serve(volunteer, past_need(district, 20), minutes)
        hours_verify(actor=organizer, record=record)
    VolunteerFactory()  # never served
    # a has 121 min (2 h), b 59 min (0 h), the third 0 min
    settings.VOLUNTEER_STAR_THRESHOLDS = (1, 2, 3)
    assert selectors.star_level_counts() == [(0, 2), (1, 0), (2, 1), (3, 0)]
    settings.VOLUNTEER_STAR_THRESHOLDS = (2,)
    assert selectors.star_level_counts() == [(0, 2), (1, 1)]
    assert selectors.public_statistics()["stars"] == [(1, 1)]
    # the whole-hour buckets give what the minutes give
    summaries_rebuild()
    assert selectors.star_level_counts() == [(0, 2), (1, 1)]
