"""Each configurable number of volunteering, pinned at its RULES.md default."""

from decimal import Decimal

from volunteers import rules


def test_star_thresholds_default_to_rules_md():
    assert rules.star_thresholds_hours() == (100, 300, 600, 1000, 1500)


def test_star_thresholds_are_configurable(settings):
    settings.VOLUNTEER_STAR_THRESHOLDS = (10, 20)
    assert rules.star_thresholds_hours() == (10, 20)


def test_ages_for_guardian_consent_and_sensitive_data():
    assert rules.adult_age() == 18
    assert rules.sensitive_age() == 14


def test_social_worker_registration_and_continuing_education():
    assert rules.social_worker_validity_years() == 3
    assert rules.continuing_education_hours("assistant") == 72
    assert rules.continuing_education_hours("social_worker") == 90
    assert rules.continuing_education_hours("senior") == 90
    assert rules.social_worker_reminder_days() == (90, 30)


def test_signup_reminder_and_invitation_cap():
    assert rules.signup_reminder_hours() == 48
    assert rules.invitation_weekly_cap() == 3


def test_matching_numbers():
    assert rules.match_candidate_bound() == 200
    assert rules.match_suggestion_count() == 20
    weights = rules.match_weights()
    assert weights == {
        "skills": Decimal(30),
        "interest": Decimal(20),
        "district": Decimal(15),
        "availability": Decimal(20),
        "reliability": Decimal(15),
    }
    assert sum(weights.values()) == 100
    assert rules.reliability_half_life_days() == 180
    assert rules.exposure_window_days() == 30
    assert rules.exposure_penalty_per_match() == 5
    assert rules.exposure_penalty_per_notification() == 1
    assert rules.exposure_penalty_max() == 30
    assert rules.crowded_need_penalty() == 20


def test_certificate_numbers_are_long_random_strings():
    assert rules.certificate_number_length() == 16
    assert rules.certificate_font_path().endswith("wqy-zenhei.ttc")
