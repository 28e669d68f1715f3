"""The volunteer import reports its progress once per batch through core.progress (issue 17, for
the jobs' progress bar), and still writes one audit event with the row count."""

import pytest
from django.utils import timezone

from audit.models import Event
from core import progress
from tests.orgs.factories import OrganizationFactory, member
from tests.volunteers.test_resources import csv_file, volunteer_row
from volunteers import resources
from volunteers.services import registration

pytestmark = pytest.mark.django_db


def test_the_import_reports_progress_per_batch_and_audits_once(monkeypatch):
    monkeypatch.setattr(registration, "IMPORT_PROGRESS_EVERY", 2)
    organization = OrganizationFactory()
    reports = []
    with progress.listening(lambda done, total: reports.append((done, total))):
        created = resources.import_volunteers(
            actor=member(organization),
            organization=organization,
            upload=csv_file(resources.VOLUNTEER_COLUMNS, [volunteer_row(n) for n in range(1, 6)]),
        )
    assert len(created) == 5
    assert reports == [(0, 5), (2, 5), (4, 5), (5, 5)]
    event = Event.objects.get(action="volunteer.import")
    assert event.after["count"] == 5


def _import(organization, numbers, **over):
    return resources.import_volunteers(
        actor=member(organization),
        organization=organization,
        upload=csv_file(resources.VOLUNTEER_COLUMNS, [volunteer_row(n, **over) for n in numbers]),
    )


def _queries_of(organization, numbers, **over) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        created = _import(organization, numbers, **over)
    assert len(created) == len(numbers)
    return len(queries.captured_queries)


def test_the_import_writes_a_batch_with_bulk_inserts_whatever_its_rows(monkeypatch):
    """Set-based (issue 17): one look-up per file for ID numbers and accounts, bulk inserts per batch,
    so 12 rows cost what 4 rows cost (one batch each) and each row lands whole."""
    from volunteers.models import OrganizationVolunteer, Volunteer

    organization = OrganizationFactory()
    few = _queries_of(organization, range(1, 5), **{"技能": "急救，心理疏导", "区": ""})
    many = _queries_of(organization, range(101, 113), **{"技能": "急救，心理疏导", "区": ""})
    assert few == many
    volunteer = Volunteer.objects.get(real_name="导入105")
    assert volunteer.number.endswith(f"{volunteer.pk:07d}")
    assert sorted(volunteer.skills.values_list("name", flat=True)) == ["心理疏导", "急救"]
    assert list(volunteer.service_types.values_list("name", flat=True)) == ["社区服务"]
    assert volunteer.user.username.startswith("v-") and not volunteer.user.has_usable_password()
    assert volunteer.user.groups.filter(name="volunteer").exists()
    assert OrganizationVolunteer.objects.filter(organization=organization).count() == 16
    # more batches add a bounded number of queries per batch, not per row
    monkeypatch.setattr(registration, "IMPORT_PROGRESS_EVERY", 4)
    three_batches = _queries_of(organization, range(201, 213))
    assert three_batches < few + 3 * 20


def test_each_imported_volunteer_is_written_once_with_the_number_that_follows_its_id():
    """On PostgreSQL the batch draws its ids from the table's sequence and inserts each profile with
    its number (no UPDATE after the INSERT: at 10× each write of a batch costs 35–50 ms); on SQLite
    the numbers are set by one UPDATE after the insert. Either way a number follows its id."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from volunteers.models import Volunteer

    organization = OrganizationFactory()
    with CaptureQueriesContext(connection) as queries:
        created = _import(organization, range(301, 311))
    assert len(created) == 10
    for volunteer in Volunteer.objects.filter(pk__in=[v.pk for v in created]):
        assert volunteer.number == f"ZY{timezone.localtime(volunteer.registered_at).year}{volunteer.pk:07d}"
    assert len({v.number for v in created}) == 10
    updates = [
        q["sql"] for q in queries.captured_queries if q["sql"].startswith('UPDATE "volunteers_volunteer"')
    ]
    if connection.vendor == "postgresql":
        assert updates == []
    else:
        assert len(updates) == 1


def test_a_row_whose_account_already_exists_is_reported_and_nothing_is_written():
    import datetime

    from core.identity import id_number_hmac
    from tests.factories import UserFactory
    from tests.volunteers.factories import make_id_number  # the numbers volunteer_row uses
    from volunteers.models import Volunteer

    organization = OrganizationFactory()
    key = id_number_hmac(make_id_number(7, datetime.date(1991, 1, 1)))
    UserFactory(username=f"V-{key[:16]}".upper())
    with pytest.raises(registration.ImportRowErrors) as exc:
        _import(organization, [6, 7])
    assert [row for row, _messages in exc.value.row_errors] == [3]
    assert not Volunteer.objects.exists()
