"""The second factor (django-otp): a TOTP device per staff user and ten one-time recovery codes.
Staff roles and superusers must confirm a code after the password; `accounts.middleware` enforces it
for every page, the Wagtail admin included. Every step is audited."""

import base64
import io
import secrets

import segno
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

import audit
from accounts.roles import STAFF_ROLES, is_active_user
from accounts.sessions import SESSION_TEST_TRUSTED

DEVICE_NAME = "default"
RECOVERY_DEVICE_NAME = "recovery"
SESSION_NEW_CODES = "otp_new_recovery_codes"


def requires_second_factor(user) -> bool:
    """Staff roles and superusers; the same predicate decides the profile link and the middleware."""
    if not is_active_user(user):
        return False
    return bool(user.is_superuser or (user.role_names & {str(r) for r in STAFF_ROLES}))


def session_verified(request) -> bool:
    user = request.user
    if getattr(user, "is_verified", None) and user.is_verified():
        return True
    return bool(settings.OTP_TRUST_TEST_CLIENT_LOGINS and request.session.get(SESSION_TEST_TRUSTED))


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).order_by("pk").first()


def pending_device(user) -> TOTPDevice:
    """The unconfirmed device being set up (one per user, its secret kept until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def secret_text(device: TOTPDevice) -> str:
    """The secret as base32, in groups of four, for typing into an authenticator app."""
    raw = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(raw[i : i + 4] for i in range(0, len(raw), 4))


def provisioning_uri(device: TOTPDevice) -> str:
    return device.config_url


def qr_svg(device: TOTPDevice) -> str:
    """The otpauth:// URI as an inline SVG QR code, rendered on the server; 240 px square (scaled
    through its viewBox, so it fits a 375 px screen)."""
    out = io.BytesIO()
    segno.make(provisioning_uri(device), error="m").save(
        out,
        kind="svg",
        scale=4,
        xmldecl=False,
        svgns=True,
        omitsize=True,
        title=_("QR code for your authenticator app"),
    )
    return out.getvalue().decode().replace("<svg ", '<svg width="240" height="240" role="img" ', 1)


def _new_codes() -> list[str]:
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return [
        "".join(secrets.choice(alphabet) for _ in range(10)) for _ in range(settings.OTP_RECOVERY_CODE_COUNT)
    ]


def _replace_recovery_codes(user) -> list[str]:
    device, _created = StaticDevice.objects.get_or_create(
        user=user, name=RECOVERY_DEVICE_NAME, defaults={"confirmed": True}
    )
    device.token_set.all().delete()
    codes = _new_codes()
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def confirm_setup(*, request, token: str) -> list[str]:
    """Confirm the pending device with a code from the app: the device becomes the user's, the session
    is verified, and ten new recovery codes are returned (shown once)."""
    user = request.user
    device = pending_device(user)
    if not device.verify_token((token or "").strip().replace(" ", "")):
        audit.record(actor=user, action="user.otp_failed", target=user, after={"step": "setup"})
        raise ValidationError(_("The code is not right. Check the time on your phone and try again."))
    with transaction.atomic():
        return _confirm(request, user, device)


def _confirm(request, user, device) -> list[str]:
    TOTPDevice.objects.filter(user=user, confirmed=True).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    codes = _replace_recovery_codes(user)
    otp_login(request, device)
    audit.record(actor=user, action="user.otp_setup_confirmed", target=user)
    return codes


@transaction.atomic
def verify(*, request, token: str) -> bool:
    """Check a code from the app, or a recovery code (each works once). Verifies the session."""
    user = request.user
    token = (token or "").strip().replace(" ", "").lower()
    device = confirmed_device(user)
    if device is not None and token.isdigit() and device.verify_token(token):
        otp_login(request, device)
        audit.record(actor=user, action="user.otp_verified", target=user)
        return True
    recovery = StaticDevice.objects.filter(user=user, name=RECOVERY_DEVICE_NAME).first()
    if recovery is not None and token and recovery.verify_token(token):
        otp_login(request, recovery)
        left = recovery.token_set.count()
        audit.record(
            actor=user, action="user.otp_recovery_code_used", target=user, after={"codes_left": left}
        )
        return True
    audit.record(actor=user, action="user.otp_failed", target=user, after={"step": "verify"})
    return False


@transaction.atomic
def regenerate_recovery_codes(*, actor) -> list[str]:
    codes = _replace_recovery_codes(actor)
    audit.record(actor=actor, action="user.otp_recovery_codes_regenerated", target=actor)
    return codes


def recovery_codes_left(user) -> int:
    return StaticToken.objects.filter(device__user=user, device__name=RECOVERY_DEVICE_NAME).count()
