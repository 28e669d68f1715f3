"""Configurable numbers of volunteering, read from settings with the RULES.md defaults ("Volunteers
and social workers"). Each default is pinned by a test (tests/volunteers/test_rules.py)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def star_thresholds_hours() -> tuple[int, ...]:
    """Verified cumulative hours for 1★ … 5★ (RULES.md: 100, 300, 600, 1000, 1500)."""
    return tuple(int(h) for h in getattr(settings, "VOLUNTEER_STAR_THRESHOLDS", (100, 300, 600, 1000, 1500)))


def adult_age() -> int:
    """Below this age a volunteer needs a recorded guardian consent (《志愿服务条例》: 18)."""
    return _int("VOLUNTEER_ADULT_AGE", 18)


def sensitive_age() -> int:
    """Below this age personal data is sensitive (个人信息保护法 art. 28: 14): nothing is ever public,
    no risky needs, and a guardian must be the emergency contact."""
    return _int("VOLUNTEER_SENSITIVE_AGE", 14)


def social_worker_validity_years() -> int:
    """A social worker's registration is valid this many years (3)."""
    return _int("SOCIAL_WORKER_VALIDITY_YEARS", 3)


def continuing_education_hours(level: str) -> int:
    """Continuing-education hours required per registration period: 72 for 助理社会工作师, 90 otherwise."""
    if level == "assistant":
        return _int("SOCIAL_WORKER_CE_HOURS_ASSISTANT", 72)
    return _int("SOCIAL_WORKER_CE_HOURS", 90)


def social_worker_reminder_days() -> tuple[int, ...]:
    """Days before the registration expires on which the social worker is reminded (90, 30)."""
    return tuple(int(d) for d in getattr(settings, "SOCIAL_WORKER_REMINDER_DAYS", (90, 30)))


def signup_reminder_hours() -> int:
    """A confirmed volunteer is reminded this many hours before the slot starts (48), once."""
    return _int("VOLUNTEER_SIGNUP_REMINDER_HOURS", 48)


def invitation_weekly_cap() -> int:
    """Invitations one volunteer may receive in any 7 days (3)."""
    return _int("VOLUNTEER_INVITATION_WEEKLY_CAP", 3)


def match_candidate_bound() -> int:
    """The scorer never sees more than this many candidates, whatever the number of volunteers (200)."""
    return _int("VOLUNTEER_MATCH_CANDIDATE_BOUND", 200)


def match_candidate_window() -> int:
    """The pre-score ranks the eligible volunteers of a run of this many volunteer ids (all of them
    while there are fewer), so matching takes the same time at 20,000 and at 200,000 volunteers."""
    return _int("VOLUNTEER_MATCH_CANDIDATE_WINDOW", 20000)


def match_suggestion_count() -> int:
    """Suggestions shown for a need or a volunteer (20)."""
    return _int("VOLUNTEER_MATCH_SUGGESTIONS", 20)


def match_weights() -> dict[str, Decimal]:
    """Points of each score part (sum 100 before the exposure penalty)."""
    default = {"skills": 30, "interest": 20, "district": 15, "availability": 20, "reliability": 15}
    weights = getattr(settings, "VOLUNTEER_MATCH_WEIGHTS", default)
    return {key: Decimal(str(value)) for key, value in weights.items()}


def reliability_half_life_days() -> int:
    """Show-ups and no-shows lose half their weight every this many days (180)."""
    return _int("VOLUNTEER_RELIABILITY_HALF_LIFE_DAYS", 180)


def exposure_window_days() -> int:
    """Recent matches and notifications counted by the exposure penalty are those of the last 30 days."""
    return _int("VOLUNTEER_EXPOSURE_WINDOW_DAYS", 30)


def exposure_penalty_per_match() -> Decimal:
    """Points taken off per recent invitation or confirmed sign-up (5)."""
    return Decimal(str(getattr(settings, "VOLUNTEER_EXPOSURE_PER_MATCH", 5)))


def exposure_penalty_per_notification() -> Decimal:
    """Points taken off per notification received in the window (1)."""
    return Decimal(str(getattr(settings, "VOLUNTEER_EXPOSURE_PER_NOTIFICATION", 1)))


def exposure_penalty_max() -> Decimal:
    """The exposure penalty never exceeds this many points (30)."""
    return Decimal(str(getattr(settings, "VOLUNTEER_EXPOSURE_MAX", 30)))


def crowded_need_penalty() -> Decimal:
    """For a volunteer's list of needs: points taken off a need in proportion to how full it already
    is (at most 20), so popular needs do not draw every volunteer."""
    return Decimal(str(getattr(settings, "VOLUNTEER_CROWDED_NEED_PENALTY", 20)))


def certificate_number_length() -> int:
    """Random characters in a certificate number (16, from a 32-letter alphabet: 80 bits)."""
    return _int("VOLUNTEER_CERTIFICATE_NUMBER_LENGTH", 16)


def certificate_font_path() -> str:
    """A TrueType CJK font embedded into certificate PDFs (Debian package fonts-wqy-zenhei)."""
    return str(
        getattr(settings, "VOLUNTEER_CERTIFICATE_FONT", "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
    )
