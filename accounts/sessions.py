"""What a log-in writes into the session: when it started and was last seen (session limits,
accounts.middleware) and, in tests only, that the test client opened it (settings/test.py)."""

import time

from django.conf import settings

SESSION_STARTED = "auth_started_at"
SESSION_LAST_SEEN = "auth_last_seen_at"
SESSION_TEST_TRUSTED = "otp_test_trusted"


def mark_login(sender, request, user, **kwargs):
    """user_logged_in receiver (connected in AccountsConfig.ready)."""
    if request is None or not hasattr(request, "session"):
        return
    now = int(time.time())
    request.session[SESSION_STARTED] = now
    request.session[SESSION_LAST_SEEN] = now
    # The test client's login()/force_login() build a bare HttpRequest, without a path.
    if settings.OTP_TRUST_TEST_CLIENT_LOGINS and not request.path:
        request.session[SESSION_TEST_TRUSTED] = True
