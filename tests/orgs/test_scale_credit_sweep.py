"""Issue 17: the daily credit-list sweep is set-based. Every rule reads, writes and notifies in a
fixed number of queries whatever the number of organizations, the audit log's included: one event
per listing or removal (each is its own decision on the public record), written together
(`audit.record_many`)."""

import datetime

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from audit import selectors
from audit.models import Event
from core.models import Notification
from orgs.models import CreditList, CreditListEntry
from orgs.services import credit_lists_apply_rules
from tests.orgs.factories import AnnualReportFactory, OrganizationFactory, member

pytestmark = pytest.mark.django_db


def _at(day: str):
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T02:00:00+08:00"), tick=False)


def _sweep(day: str) -> tuple[int, dict]:
    """Every query of the sweep (the audit log's chain lock, newest link and inserts included)."""
    with _at(day), CaptureQueriesContext(connection) as captured:
        result = credit_lists_apply_rules()
    return len(captured.captured_queries), result


def _organizations(n: int):
    organizations = [OrganizationFactory(founded_on=datetime.date(2020, 1, 1)) for _ in range(n)]
    for organization in organizations:
        member(organization, email="")  # told in the app (an e-mail is a task of its own)
    return organizations


@pytest.mark.parametrize("few, many", [(2, 12)])
def test_every_rule_runs_as_many_queries_audit_included_for_few_as_for_many_organizations(
    few, many, tmp_path
):
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.get_for_model(CreditListEntry)  # the process's content-type cache, read once
    # A first sweep fills what a process reads once (caches); its organization reports, so it is
    # listed no more.
    (warm,) = _organizations(1)
    _sweep("2026-06-01")
    AnnualReportFactory(organization=warm, year=2025)
    AnnualReportFactory(organization=warm, year=2027)
    AnnualReportFactory(organization=warm, year=2029)
    CreditListEntry.objects.all().delete()
    counts = {}
    for n in (few, many):
        CreditListEntry.objects.all().delete()
        _organizations(n if n == few else many - few)
        total = few if n == few else many
        listed, result = _sweep("2026-06-01")  # the 2025 report is missing: abnormal list
        assert result["listed_for_missing_report"] == total
        removed, result = _sweep("2026-12-02")  # six months on, nothing to fix: still listed (needs fixing)
        assert result["abnormal_removed"] == 0
        moved, result = _sweep("2028-06-01")  # two full years: moved to the serious list
        assert result["moved_to_serious"] == total
        expired, result = _sweep("2030-06-02")  # two years on the serious list: removed
        assert result["serious_removed"] == total
        counts[n] = (listed, removed, moved, expired)
    assert counts[few] == counts[many], counts
    # Every listing and removal kept its own audit event, in one chain, and told the members.
    entries = CreditListEntry.objects.all()
    listings = set(entries.values_list("pk", flat=True))
    removals = set(entries.filter(removed_on__isnull=False).values_list("pk", flat=True))
    assert removals and len(removals) < len(listings)  # (the 2030 sweep listed the missing 2029 reports)
    added = Event.objects.filter(action="credit_list.add", object_type="orgs.creditlistentry")
    removed = Event.objects.filter(action="credit_list.remove", object_type="orgs.creditlistentry")
    assert {int(pk) for pk in added.values_list("object_id", flat=True)} >= listings
    assert {int(pk) for pk in removed.values_list("object_id", flat=True)} >= removals
    assert Event.objects.filter(action="credit_list.remove").count() >= (few + many) * 2
    assert selectors.verify_chain(anchor_file=tmp_path / "anchors.log", require_anchor=False).ok
    assert Notification.objects.filter(event="orgs.credit_listed").count() >= many * 2
    assert not CreditListEntry.objects.filter(removed_on__isnull=True, list_type=CreditList.SERIOUS).exists()
