"""Absolute links for e-mails: the configured site address (settings.SITE_URL, else
WAGTAILADMIN_BASE_URL) followed by the path. Never a hard-coded host or port."""

from django.conf import settings


def site_url() -> str:
    return str(getattr(settings, "SITE_URL", "") or getattr(settings, "WAGTAILADMIN_BASE_URL", "")).rstrip(
        "/"
    )


def absolute_url(path_or_url: str) -> str:
    """ "/calls/3/" → "https://site.example/calls/3/"; an absolute URL is returned as it is."""
    if not path_or_url.startswith("/") or path_or_url.startswith("//"):
        return path_or_url
    return site_url() + path_or_url
