"""Configurable numbers of `accounts`, read from settings."""

from django.conf import settings


def signup_rate_limit() -> int:
    """At most this many public sign-ups per window from one IP address. Higher than the public
    report limit: a recruitment event signs up a room of people behind one address."""
    return int(getattr(settings, "ACCOUNTS_SIGNUP_RATE_LIMIT", 20))


def signup_rate_window_seconds() -> int:
    """The sign-up rate limit's window, in seconds (one hour)."""
    return int(getattr(settings, "ACCOUNTS_SIGNUP_RATE_WINDOW_SECONDS", 3600))


# Raised whenever the privacy notice's text changes; each sign-up records the version consented to.
PRIVACY_NOTICE_VERSION = "2026-12"
