"""The volunteer import reports its progress once per batch through core.progress (issue 17, for
the jobs' progress bar), and still writes one audit event with the row count."""

import pytest

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
