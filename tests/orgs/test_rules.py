"""Each configurable number of the register keeps its RULES.md default."""

import datetime
from decimal import Decimal

from orgs import rules


def test_rules_md_defaults():
    assert rules.grade_validity_years() == 5
    assert rules.priority_grade() == 3
    assert rules.annual_report_due(2025) == datetime.date(2026, 5, 31)
    assert rules.abnormal_auto_removal_months() == 6
    assert rules.abnormal_to_serious_years() == 2
    assert rules.serious_removal_years() == 2
    assert rules.serious_fine_threshold() == Decimal("50000")
    assert rules.default_min_years_registered() == 1
    assert rules.failed_performance_exclusion_months() == 12
    assert rules.invitation_valid_days() == 14


def test_rules_follow_settings(settings):
    settings.ORGS_ANNUAL_REPORT_DUE = "06-30"
    settings.ORGS_GRADE_VALIDITY_YEARS = 3
    assert rules.annual_report_due(2025) == datetime.date(2026, 6, 30)
    assert rules.grade_validity_years() == 3
