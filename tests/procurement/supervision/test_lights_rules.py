"""The supervision and public-report numbers default to RULES.md ("Contracts and performance")."""

from procurement import rules


def test_light_warning_window_defaults_to_three_working_days():
    assert rules.light_warning_working_days() == 3


def test_public_report_is_accepted_or_declined_within_five_working_days_by_default():
    assert rules.public_report_accept_working_days() == 5


def test_accepted_public_report_is_answered_within_fifteen_working_days_by_default():
    assert rules.public_report_answer_working_days() == 15


def test_public_reports_are_limited_to_five_an_hour_by_default():
    assert rules.public_report_rate_limit() == 5
    assert rules.public_report_rate_window_seconds() == 3600


def test_light_warning_window_follows_the_setting(settings):
    settings.PROCUREMENT_LIGHT_WARNING_WORKING_DAYS = 5
    assert rules.light_warning_working_days() == 5
