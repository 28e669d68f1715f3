"""Configurable numbers of `core`, read from settings with the RULES.md defaults."""

from django.conf import settings


def calendar_warn_from() -> tuple[int, int]:
    """(month, day) from which staff are warned that next year's schedule is missing."""
    month, day = str(getattr(settings, "CORE_CALENDAR_WARN_FROM", "12-01")).split("-")
    return int(month), int(day)


def notify_daily_cap() -> int:
    """Emails one user may receive per calendar day; in-app notifications are not capped."""
    return int(getattr(settings, "NOTIFY_DAILY_CAP", 20))


def document_max_bytes() -> int:
    """Largest document upload accepted, in bytes."""
    return int(getattr(settings, "DOCUMENT_MAX_BYTES", 20 * 1024 * 1024))


def phone_patterns() -> tuple[str, ...]:
    """Regular expressions a phone number must match in full (after separators and +86 are
    dropped): a mainland mobile number, or a landline with its area code (0 + 2–3 digits, then 7–8
    digits, optionally an extension)."""
    default = (r"1[3-9]\d{9}", r"0\d{2,3}\d{7,8}(?:(?:转|#|ext)?\d{1,6})?")
    return tuple(getattr(settings, "CORE_PHONE_PATTERNS", default))


def earliest_year() -> int:
    """The earliest year accepted for an annual report, a plan or another yearly record."""
    return int(getattr(settings, "CORE_EARLIEST_YEAR", 2000))


def years_ahead() -> int:
    """How many years after the current one a yearly record may be for (a plan for next year)."""
    return int(getattr(settings, "CORE_YEARS_AHEAD", 1))


def upload_daily_quota_bytes() -> int:
    """Bytes one user may upload per calendar day (all documents together); 0 = no quota."""
    return int(getattr(settings, "UPLOAD_DAILY_QUOTA_BYTES", 200 * 1024 * 1024))


def archive_max_uncompressed_bytes() -> int:
    """Largest total uncompressed size of a zip archive or Office file (zip-bomb guard)."""
    return int(getattr(settings, "ARCHIVE_MAX_UNCOMPRESSED_BYTES", 200 * 1024 * 1024))


def archive_max_ratio() -> int:
    """Largest ratio of uncompressed to compressed size, for the archive and for each entry."""
    return int(getattr(settings, "ARCHIVE_MAX_RATIO", 100))


def archive_max_entries() -> int:
    """Most entries a zip archive or Office file may hold."""
    return int(getattr(settings, "ARCHIVE_MAX_ENTRIES", 2000))


def archive_max_depth() -> int:
    """How deep archives may nest (a zip in a zip is depth 2)."""
    return int(getattr(settings, "ARCHIVE_MAX_DEPTH", 2))


def jobs_import_min_rows() -> int:
    """An import of more data rows than this runs in the background with a progress bar
    (core/jobs.py); a smaller file is imported in the request, as it is read."""
    return int(getattr(settings, "JOBS_IMPORT_MIN_ROWS", 200))


def jobs_export_min_rows() -> int:
    """An Excel export of more rows than this is written in the background (openpyxl's write-only
    mode in a task) and downloaded from the job's page; CSV is always streamed in the request."""
    return int(getattr(settings, "JOBS_EXPORT_MIN_ROWS", 5000))
