"""Configurable numbers of the register of social organizations, read from settings with the
RULES.md defaults ("Social organizations"). Each default is pinned by a test."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings


def _int(name: str, default: int) -> int:
    return int(getattr(settings, name, default))


def grade_validity_years() -> int:
    """An evaluation grade (1A–5A) is valid this many years from its grant date."""
    return _int("ORGS_GRADE_VALIDITY_YEARS", 5)


def priority_grade() -> int:
    """Grades at or above this number of A's get priority in purchase of services (3A)."""
    return _int("ORGS_PRIORITY_GRADE", 3)


def annual_report_due(year_reported: int) -> datetime.date:
    """The due date of the annual report for `year_reported`: 5月31日 of the following year."""
    month, day = str(getattr(settings, "ORGS_ANNUAL_REPORT_DUE", "05-31")).split("-")
    return datetime.date(year_reported + 1, int(month), int(day))


def abnormal_auto_removal_months() -> int:
    """Months on the abnormal-activity list after which an entry with nothing left to fix is removed."""
    return _int("ORGS_ABNORMAL_AUTO_REMOVAL_MONTHS", 6)


def abnormal_to_serious_years() -> int:
    """Full years on the abnormal-activity list that move an organization to the serious list."""
    return _int("ORGS_ABNORMAL_TO_SERIOUS_YEARS", 2)


def serious_removal_years() -> int:
    """Years on the serious-violation list with no new trigger after which it is removed."""
    return _int("ORGS_SERIOUS_REMOVAL_YEARS", 2)


def serious_fine_threshold():
    """A fine of at least this many yuan is a serious-list trigger; below it, an abnormal-list one."""
    return Decimal(str(getattr(settings, "ORGS_SERIOUS_FINE_THRESHOLD", "50000")))


def default_min_years_registered() -> int:
    """Years an organization must have been registered to bid when a tender sets no minimum."""
    return _int("ORGS_DEFAULT_MIN_YEARS_REGISTERED", 1)


def failed_performance_exclusion_months() -> int:
    """A failed (不合格) performance evaluation excludes the organization from bidding this long."""
    return _int("ORGS_FAILED_PERFORMANCE_EXCLUSION_MONTHS", 12)


def invitation_valid_days() -> int:
    """Days a member invitation link stays valid."""
    return _int("ORGS_INVITATION_VALID_DAYS", 14)


def registered_capital_minimum() -> Decimal:
    """The smallest registered capital (yuan) an organization may record: never negative."""
    return Decimal(str(getattr(settings, "ORGS_REGISTERED_CAPITAL_MINIMUM", "0")))


def social_organization_uscc_departments() -> tuple[str, ...]:
    """First characters (registration department) a social organization's USCC may have without a
    registry override: 5 = 民政 (RULES.md, Identifiers). An enterprise code (9...) is refused unless a
    registry administrator records a reason."""
    return tuple(getattr(settings, "ORGS_SOCIAL_ORGANIZATION_USCC_DEPARTMENTS", ("5",)))
