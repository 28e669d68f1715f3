"""Session limits and the staff second factor, for every page (the Wagtail admin included)."""

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

from accounts import second_factor
from accounts.sessions import SESSION_LAST_SEEN, SESSION_STARTED

# Write the last-seen time at most this often (seconds), not on every request.
LAST_SEEN_RESOLUTION = 30


class SessionTimeoutMiddleware:
    """Logs out a session older than SESSION_COOKIE_AGE (absolute, even when active) and a staff
    session idle for STAFF_IDLE_TIMEOUT_SECONDS; the log-in page then says why."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            session = request.session
            now = int(time.time())
            started = session.setdefault(SESSION_STARTED, now)
            last_seen = session.setdefault(SESSION_LAST_SEEN, now)
            reason = None
            if now - started > settings.SESSION_COOKIE_AGE:
                reason = "expired"
            elif (
                second_factor.requires_second_factor(user)
                and now - last_seen > settings.STAFF_IDLE_TIMEOUT_SECONDS
            ):
                reason = "idle"
            if reason:
                logout(request)
                return redirect(
                    f"{reverse('accounts:login')}?{urlencode({'reason': reason, 'next': request.get_full_path()})}"
                )
            if now - last_seen >= LAST_SEEN_RESOLUTION:
                session[SESSION_LAST_SEEN] = now
        return self.get_response(request)


def _exempt(path: str) -> bool:
    allowed = [
        reverse("accounts:otp_setup"),
        reverse("accounts:otp_verify"),
        reverse("accounts:otp_recovery_codes"),
        reverse("accounts:logout"),
        reverse("wagtailadmin_logout"),
        settings.STATIC_URL,
        "/favicon.ico",
    ]
    return any(path.startswith(p) for p in allowed if p)


class StaffSecondFactorMiddleware:
    """A staff user (or superuser) whose session has not confirmed a TOTP code is sent to set up the
    second factor (no device yet) or to enter a code, whatever page they asked for."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if (
            user is not None
            and second_factor.requires_second_factor(user)
            and not second_factor.session_verified(request)
            and not _exempt(request.path)
        ):
            target = "accounts:otp_verify" if second_factor.confirmed_device(user) else "accounts:otp_setup"
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
