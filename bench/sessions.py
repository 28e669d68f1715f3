"""Signed-in sessions for the staff pages of the benchmark, made on the bench database only.

A staff user must confirm a TOTP code after the password (accounts.second_factor); the benchmark does
what a real log-in leaves behind: a confirmed TOTP device and a session that django-otp counts as
verified with it (`otp_device_id`). No setting is relaxed: the server runs the production checks."""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY, get_user_model
from django.contrib.sessions.backends.base import SessionBase
from django.utils.module_loading import import_string

from accounts.sessions import SESSION_LAST_SEEN, SESSION_STARTED


def user_with_role(role: str):
    """An active user in the role's group (the demo's `officer`, `supervisor` first), else a superuser."""
    User = get_user_model()
    users = User.objects.filter(is_active=True)
    preferred = users.filter(groups__name=role, username=role.split("_")[-1])
    return (
        preferred.first()
        or users.filter(groups__name=role).order_by("pk").first()
        or users.filter(is_superuser=True).order_by("pk").first()
    )


def verified_session(user) -> str:
    """A new session key for `user`, signed in with the second factor confirmed."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    store: SessionBase = import_string(settings.SESSION_ENGINE + ".SessionStore")()
    now = int(time.time())
    store[SESSION_KEY] = user._meta.pk.value_to_string(user)
    store[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store[DEVICE_ID_SESSION_KEY] = device.persistent_id
    store[SESSION_STARTED] = now
    store[SESSION_LAST_SEEN] = now
    store.create()
    return store.session_key


def cookies_for(role: str) -> dict[str, str] | None:
    user = user_with_role(role)
    if user is None:
        return None
    return {settings.SESSION_COOKIE_NAME: verified_session(user)}


def cleanup() -> int:
    """Delete the TOTP devices the benchmark made (the generator's --wipe deletes their users, and a
    device left behind would block it). Returns how many."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    deleted, _ = TOTPDevice.objects.filter(name="bench").delete()
    return deleted


if __name__ == "__main__":
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.bench")
    django.setup()
    print(f"bench sessions: {cleanup()} TOTP devices of the benchmark deleted")
