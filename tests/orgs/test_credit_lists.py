"""The automatic credit-list rules, with frozen time, run through the daily task."""

import datetime

import pytest
import time_machine

from audit.models import Event
from core.models import Notification
from orgs import services
from orgs.models import CreditList, CreditListEntry, ListingTrigger
from orgs.tasks import apply_credit_list_rules
from tests.orgs.factories import AnnualReportFactory, OrganizationFactory, member

pytestmark = pytest.mark.django_db


def _at(day: str):
    return time_machine.travel(datetime.datetime.fromisoformat(f"{day}T02:00:00+08:00"), tick=False)


def _open(org, list_type):
    return CreditListEntry.objects.filter(organization=org, list_type=list_type, removed_on__isnull=True)


def test_missing_report_lists_after_the_due_date_not_before_and_a_second_run_does_nothing():
    org = OrganizationFactory(founded_on=datetime.date(2020, 1, 1))
    admin = member(org)
    on_time = OrganizationFactory(founded_on=datetime.date(2020, 1, 1))
    AnnualReportFactory(organization=on_time, year=2025)
    with _at("2026-05-31"):
        apply_credit_list_rules()
    assert not CreditListEntry.objects.exists()
    with _at("2026-06-01"):
        first = apply_credit_list_rules()
        second = apply_credit_list_rules()
    entry = _open(org, CreditList.ABNORMAL).get()
    assert entry.trigger == ListingTrigger.ANNUAL_REPORT_MISSING
    assert entry.listed_on == datetime.date(2026, 6, 1)
    assert entry.needs_fixing
    assert first["listed_for_missing_report"] == 1 and second["listed_for_missing_report"] == 0
    assert not _open(on_time, CreditList.ABNORMAL).exists()
    assert Event.objects.filter(action="credit_list.add").count() == 1
    assert Notification.objects.filter(recipient=admin, event="orgs.credit_listed").count() == 1


def test_organizations_founded_after_the_report_year_or_not_verified_are_not_listed():
    OrganizationFactory(founded_on=datetime.date(2026, 2, 1))
    OrganizationFactory(founded_on=datetime.date(2020, 1, 1), verification_status="pending")
    with _at("2026-06-02"):
        apply_credit_list_rules()
    assert not CreditListEntry.objects.exists()


def test_the_due_date_is_configurable(settings):
    settings.ORGS_ANNUAL_REPORT_DUE = "06-30"
    org = OrganizationFactory(founded_on=datetime.date(2020, 1, 1))
    with _at("2026-06-15"):
        apply_credit_list_rules()
    assert not _open(org, CreditList.ABNORMAL).exists()
    with _at("2026-07-01"):
        apply_credit_list_rules()
    assert _open(org, CreditList.ABNORMAL).exists()


def test_removed_after_six_months_only_when_nothing_needs_fixing(registry):
    org = OrganizationFactory(founded_on=datetime.date(2020, 1, 1))
    with _at("2026-06-01"):
        apply_credit_list_rules()
    with _at("2026-12-01"):
        apply_credit_list_rules()  # six months, but the report is still missing
    assert _open(org, CreditList.ABNORMAL).exists()
    services.annual_report_record(
        actor=registry, organization=org, year=2025, submitted_on=datetime.date(2026, 12, 5)
    )
    with _at("2026-12-06"):
        result = apply_credit_list_rules()
        again = apply_credit_list_rules()
    assert result["abnormal_removed"] == 1 and again["abnormal_removed"] == 0
    entry = CreditListEntry.objects.get(organization=org)
    assert entry.removed_on == datetime.date(2026, 12, 6)
    assert "6" in entry.removal_reason


def test_not_removed_before_six_months_even_when_fixed(registry):
    org = OrganizationFactory()
    AnnualReportFactory(organization=org, year=2025)
    services.credit_list_add(
        actor=registry,
        organization=org,
        list_type=CreditList.ABNORMAL,
        trigger=ListingTrigger.UNREACHABLE,
        listed_on=datetime.date(2026, 1, 10),
        reason="通过登记的住所无法联系",
        deciding_authority="市民政局",
    )
    with _at("2026-07-09"):
        apply_credit_list_rules()
    assert _open(org, CreditList.ABNORMAL).exists()
    with _at("2026-07-10"):
        apply_credit_list_rules()
    assert not _open(org, CreditList.ABNORMAL).exists()


def test_two_full_years_on_the_abnormal_list_moves_to_the_serious_list_once():
    org = OrganizationFactory(founded_on=datetime.date(2020, 1, 1))
    AnnualReportFactory(organization=org, year=2026)  # only 2025 is missing
    AnnualReportFactory(organization=org, year=2027)
    with _at("2026-06-01"):
        apply_credit_list_rules()
    with _at("2028-05-31"):
        apply_credit_list_rules()
    assert not _open(org, CreditList.SERIOUS).exists()
    with _at("2028-06-01"):
        first = apply_credit_list_rules()
        second = apply_credit_list_rules()
    assert first["moved_to_serious"] == 1 and second["moved_to_serious"] == 0
    serious = _open(org, CreditList.SERIOUS).get()
    assert serious.trigger == ListingTrigger.ABNORMAL_TWO_YEARS
    assert not _open(org, CreditList.ABNORMAL).exists()
    assert CreditListEntry.objects.filter(organization=org, list_type=CreditList.SERIOUS).count() == 1


def test_serious_listing_removed_after_two_years_and_a_new_trigger_restarts_the_clock(registry):
    org = OrganizationFactory()
    admin = member(org)
    services.credit_list_add(
        actor=registry,
        organization=org,
        list_type=CreditList.SERIOUS,
        trigger=ListingTrigger.LARGE_FINE,
        listed_on=datetime.date(2026, 3, 1),
        reason="罚款8万元",
        deciding_authority="市民政局",
    )
    services.credit_list_add(
        actor=registry,
        organization=org,
        list_type=CreditList.SERIOUS,
        trigger=ListingTrigger.DISHONEST_DEBTOR,
        listed_on=datetime.date(2027, 1, 15),
        reason="被列为失信被执行人",
        deciding_authority="市民政局",
    )
    with _at("2028-03-01"):
        apply_credit_list_rules()  # two years since the first trigger, not since the new one
    assert _open(org, CreditList.SERIOUS).count() == 2
    with _at("2029-01-15"):
        result = apply_credit_list_rules()
        apply_credit_list_rules()
    assert result["serious_removed"] == 1
    assert not _open(org, CreditList.SERIOUS).exists()
    assert Event.objects.filter(action="credit_list.remove").count() == 2
    assert Notification.objects.filter(recipient=admin, event="orgs.credit_removed").count() == 2


def test_manual_listing_and_removal_are_audited_and_registry_only(registry):
    from django.core.exceptions import PermissionDenied

    org = OrganizationFactory()
    with pytest.raises(PermissionDenied):
        services.credit_list_add(
            actor=member(org),
            organization=org,
            list_type=CreditList.ABNORMAL,
            trigger=ListingTrigger.OTHER,
            listed_on=datetime.date(2026, 1, 1),
            reason="x",
            deciding_authority="y",
        )
    entry = services.credit_list_add(
        actor=registry,
        organization=org,
        list_type=CreditList.ABNORMAL,
        trigger=ListingTrigger.WARNING_OR_SMALL_FINE,
        listed_on=datetime.date(2026, 1, 1),
        reason="警告",
        deciding_authority="市民政局",
    )
    services.credit_list_remove(
        actor=registry, entry=entry, removed_on=datetime.date(2026, 2, 1), reason="已整改"
    )
    entry.refresh_from_db()
    assert entry.removal_reason == "已整改"
    assert Event.objects.filter(action__in=["credit_list.add", "credit_list.remove"]).count() == 2


def test_the_daily_task_is_scheduled_in_celery_beat():
    from django.conf import settings

    entry = settings.CELERY_BEAT_SCHEDULE["orgs-credit-list-rules"]
    assert entry["task"] == apply_credit_list_rules.name == "orgs.apply_credit_list_rules"
    assert apply_credit_list_rules.acks_late
