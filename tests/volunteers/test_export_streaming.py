"""The organization's CSV downloads (volunteers/views.py `org_export`) stream through core.exports:
a StreamingHttpResponse whose rows are read while it is sent (an organizer's hours can be 200,000
rows), with the file name, the BOM for Excel and the Chinese header the page always had."""

import csv
import datetime
import io

import pytest
from django.db import connection
from django.http import StreamingHttpResponse
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from tests.factories import TEST_PASSWORD
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.factories import NeedFactory, ProjectFactory, VolunteerFactory
from volunteers import jobs as volunteer_jobs
from volunteers.models import HourRecord, HourStatus, SignUp, TrainingRecord

pytestmark = pytest.mark.django_db

HOURS_HEADER = [
    "志愿者编号",
    "姓名",
    "需求",
    "时段编号",
    "签到",
    "签退",
    "分钟",
    "状态",
    "手工录入",
    "自动签退",
]


def _hours(organization, count, *, start=0):
    """`count` verified hour records of new volunteers on a need of `organization`, an hour apart."""
    need = NeedFactory(project=ProjectFactory(organization=organization, department=None))
    slot = need.slots.get()
    base = timezone.make_aware(datetime.datetime(2026, 3, 1, 9, 0))
    records = []
    for n in range(count):
        volunteer = VolunteerFactory()
        check_in = base + datetime.timedelta(hours=start + n)
        records.append(
            HourRecord.objects.create(
                signup=SignUp.objects.create(volunteer=volunteer, slot=slot, status="attended"),
                volunteer=volunteer,
                slot=slot,
                method="manual",
                check_in_at=check_in,
                check_out_at=check_in + datetime.timedelta(minutes=90),
                minutes=90,
                is_manual=True,
                status=HourStatus.VERIFIED,
                recorded_by=volunteer.user,
            )
        )
    return need, records


def _table(response) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")  # the BOM: Excel opens the Chinese text right
    return list(csv.reader(io.StringIO(body[1:])))


@pytest.fixture
def organizer(client):
    organization = OrganizationFactory()
    user = member(organization)
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return organization


def test_the_hours_csv_streams_the_organizations_rows_in_order_with_its_name_and_header(client, organizer):
    need, records = _hours(organizer, 3)
    _hours(OrganizationFactory(), 1)  # another organization's hours are not in the file
    url = reverse("volunteers:org_export", args=[organizer.pk, "hours", "csv"])
    with CaptureQueriesContext(connection) as answering:
        response = client.get(url)
    assert isinstance(response, StreamingHttpResponse)
    assert response.status_code == 200 and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="hours-{organizer.pk}.csv"'
    # nothing of the hours is read before the answer starts: the rows are read while it is sent
    assert not any("volunteers_hourrecord" in q["sql"] for q in answering.captured_queries)

    table = _table(response)
    assert table[0] == HOURS_HEADER
    assert table[1][4] == "2026-03-01T09:00:00+08:00"
    assert table[1:] == [
        [
            r.volunteer.number,
            r.volunteer.real_name,
            need.title,
            str(r.slot_id),
            # ISO 8601 in the bureau's time: 09:00 on the day is written 09:00+08:00
            timezone.localtime(r.check_in_at).isoformat(),
            timezone.localtime(r.check_out_at).isoformat(),
            "90",
            "已核验",
            "是",
            "否",
        ]
        for r in records
    ]


def _hours_queries(client, organization) -> list[str]:
    response = client.get(reverse("volunteers:org_export", args=[organization.pk, "hours", "csv"]))
    with CaptureQueriesContext(connection) as reading:
        rows = _table(response)[1:]
    return rows, [q["sql"] for q in reading.captured_queries]


def test_the_hours_csv_reads_its_rows_with_the_same_queries_for_three_times_the_rows(client, organizer):
    _hours(organizer, 4)
    rows, few = _hours_queries(client, organizer)
    assert len(rows) == 4
    _hours(organizer, 8, start=4)
    rows, many = _hours_queries(client, organizer)
    assert len(rows) == 12
    assert len(many) == len(few) == 1, many  # one query, read a chunk at a time


def test_volunteers_and_training_csv_stream_a_chunk_of_rows_at_a_time(client, organizer, monkeypatch):
    monkeypatch.setattr(volunteer_jobs, "EXPORT_CHUNK", 2)  # two chunks for three volunteers
    _need, records = _hours(organizer, 3)
    volunteers = sorted((r.volunteer for r in records), key=lambda v: v.number)
    for volunteer in volunteers:
        TrainingRecord.objects.create(
            volunteer=volunteer,
            course="急救培训",
            hours="2.0",
            taken_on=datetime.date(2026, 2, 1),
            issuer="红十字会",
        )
    response = client.get(reverse("volunteers:org_export", args=[organizer.pk, "volunteers", "csv"]))
    assert isinstance(response, StreamingHttpResponse)
    assert response["Content-Disposition"] == f'attachment; filename="volunteers-{organizer.pk}.csv"'
    table = _table(response)
    assert table[0][:2] == ["志愿者编号", "姓名"]
    assert [row[:3] for row in table[1:]] == [[v.number, v.real_name, v.id_masked] for v in volunteers]

    response = client.get(reverse("volunteers:org_export", args=[organizer.pk, "training", "csv"]))
    assert isinstance(response, StreamingHttpResponse)
    table = _table(response)
    assert table[0] == ["志愿者编号", "课程", "学时", "日期", "颁发单位"]
    assert table[1:] == [[v.number, "急救培训", "2.0", "2026-02-01", "红十字会"] for v in volunteers]


def test_a_stranger_gets_no_export_and_an_unknown_format_is_not_found(client, organizer):
    assert (
        client.get(reverse("volunteers:org_export", args=[organizer.pk, "hours", "pdf"])).status_code == 404
    )
    client.logout()
    other = member(OrganizationFactory())
    assert client.login(username=other.username, password=TEST_PASSWORD)
    assert (
        client.get(reverse("volunteers:org_export", args=[organizer.pk, "hours", "csv"])).status_code == 404
    )
