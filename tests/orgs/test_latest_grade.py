"""The organization's stored latest grade (`Organization.latest_grade`), which the directory's sort by
grade reads (issue 17): it always equals the grade `selectors.with_credit_state` shows, whichever way
the grant came (one grant, an import batch, a grant dated ahead once its day comes)."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from orgs.models import Organization
from orgs.selectors import with_credit_state
from orgs.services.records import grade_grant, refresh_latest_grades, refresh_recent_grants
from orgs.services.register_import import GradeImportRow, grades_import_batch
from orgs.tasks import refresh_latest_grades as refresh_task
from tests.orgs.factories import OrganizationFactory

pytestmark = pytest.mark.django_db
D = datetime.date


def _agree(*organizations):
    """The stored grade of each organization equals the one the pages show."""
    shown = dict(
        with_credit_state(Organization.objects.filter(pk__in=[o.pk for o in organizations])).values_list(
            "pk", "current_grade"
        )
    )
    stored = dict(Organization.objects.filter(pk__in=shown).values_list("pk", "latest_grade"))
    assert stored == shown
    return stored


@time_machine.travel("2026-06-01 10:00 +0800")
def test_a_grant_sets_the_latest_grade_and_an_older_grant_does_not(registry):
    org = OrganizationFactory()
    assert _agree(org)[org.pk] is None
    grade_grant(actor=registry, organization=org, grade=3, granted_on=D(2023, 5, 1), certificate_no="宁评1")
    assert _agree(org)[org.pk] == 3
    grade_grant(actor=registry, organization=org, grade=5, granted_on=D(2026, 3, 1), certificate_no="宁评2")
    grade_grant(actor=registry, organization=org, grade=2, granted_on=D(2020, 1, 1), certificate_no="宁评0")
    assert _agree(org)[org.pk] == 5


def test_an_import_batch_sets_the_latest_grades_of_its_organizations(registry):
    first, second, untouched = OrganizationFactory(), OrganizationFactory(), OrganizationFactory()
    grades_import_batch(
        actor=registry,
        rows=[
            GradeImportRow(2, first, 4, D(2024, 1, 10), "批量1"),
            GradeImportRow(3, second, 2, D(2023, 1, 10), "批量2"),
            GradeImportRow(4, second, 3, D(2025, 1, 10), "批量3"),
        ],
        digest={},
    )
    assert _agree(first, second, untouched) == {first.pk: 4, second.pk: 3, untouched.pk: None}


def test_a_grant_dated_ahead_becomes_the_grade_on_its_day(registry):
    org = OrganizationFactory()
    with time_machine.travel("2026-06-01 10:00 +0800"):
        grade_grant(actor=registry, organization=org, grade=3, granted_on=D(2024, 1, 1), certificate_no="旧")
        grade_grant(actor=registry, organization=org, grade=4, granted_on=D(2026, 6, 10), certificate_no="新")
        assert _agree(org)[org.pk] == 3  # not yet
        assert refresh_task() == 0  # no grant dated in the last days up to today
        assert _agree(org)[org.pk] == 3
    with time_machine.travel("2026-06-12 00:10 +0800"):
        refresh_task()
        assert _agree(org)[org.pk] == 4
        assert refresh_recent_grants() == 1  # idempotent: the same value again
        assert _agree(org)[org.pk] == 4


def test_refreshing_takes_one_query_whatever_the_number_of_organizations():
    organizations = [OrganizationFactory() for _ in range(5)]
    with CaptureQueriesContext(connection) as captured:
        refresh_latest_grades(organization_ids=[o.pk for o in organizations])
    assert len(captured.captured_queries) == 1
    with CaptureQueriesContext(connection) as captured:
        refresh_recent_grants()
    assert len(captured.captured_queries) == 1
