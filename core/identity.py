"""Resident ID numbers (居民身份证号码, GB 11643-1999): validation and protected storage.

An ID number is never stored in clear. `id_number_protect` returns what a model keeps: AES-GCM
ciphertext (the key lives outside the database), a keyed HMAC for uniqueness and look-up (the same
HMAC answers "same person?" between records, where names like 张伟 collide), the birth date for age
rules and a mask for display. `id_number_reveal` is for an explicit, audited staff action only; the
caller records the audit event.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARS = "10X98765432"  # sum % 11 = 0..10
_NONCE_BYTES = 12
_CIPHER_VERSION = "v1"


@dataclass(frozen=True)
class ProtectedId:
    """What a model stores instead of the ID number."""

    ciphertext: str
    hmac: str
    birth_date: datetime.date
    masked: str


def id_number_normalize(raw: str) -> str:
    return (raw or "").strip().replace(" ", "").upper()


def id_number_check_char(first17: str) -> str:
    total = sum(int(d) * w for d, w in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARS[total % 11]


def id_number_birth_date(number: str) -> datetime.date | None:
    """The birth date in digits 7–14, or None when it is not a real date."""
    try:
        return datetime.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return None


def id_number_validate(raw: str, *, today: datetime.date | None = None) -> str:
    """Return the normalized number or raise ValidationError with a Chinese message."""
    number = id_number_normalize(raw)
    if len(number) != 18 or not number[:17].isdigit() or not (number[17].isdigit() or number[17] == "X"):
        raise ValidationError(
            _("An ID number has 17 digits followed by a digit or X."), code="id_number_format"
        )
    birth = id_number_birth_date(number)
    today = today or timezone.localdate()
    if birth is None or birth > today or birth.year < 1900:
        raise ValidationError(_("The birth date in this ID number is not a real past date."), code="id_birth")
    if id_number_check_char(number[:17]) != number[17]:
        raise ValidationError(_("The check digit of this ID number is wrong."), code="id_number_check")
    return number


def id_number_is_valid(raw: str) -> bool:
    try:
        id_number_validate(raw)
    except ValidationError:
        return False
    return True


def id_number_mask(number: str) -> str:
    """`11010519491231002X` → `1101**********002X` (first 4 and last 4 shown)."""
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def _key_from_setting(name: str, purpose: bytes) -> bytes:
    value = getattr(settings, name, "") or ""
    if value:
        try:
            key = base64.urlsafe_b64decode(value.encode())
        except (ValueError, TypeError) as exc:
            raise ImproperlyConfigured(f"{name} must be base64 of 32 bytes") from exc
        if len(key) != 32:
            raise ImproperlyConfigured(f"{name} must be base64 of 32 bytes")
        return key
    if getattr(settings, "SETTINGS_KIND", "") == "prod":
        raise ImproperlyConfigured(f"{name} is required in production")
    # Development without `.env.local` only: derive a stable key from SECRET_KEY so local data stays
    # readable between runs. Production refuses to start without the real key (above).
    return hashlib.sha256(purpose + settings.SECRET_KEY.encode()).digest()


def _encryption_key() -> bytes:
    return _key_from_setting("PII_ENCRYPTION_KEY", b"pii-encryption:")


def _hmac_key() -> bytes:
    return _key_from_setting("PII_HMAC_KEY", b"pii-hmac:")


def id_number_hmac(raw: str) -> str:
    """Keyed hash of the normalized number, for uniqueness and "same person" look-ups."""
    number = id_number_normalize(raw)
    return hmac.new(_hmac_key(), number.encode(), hashlib.sha256).hexdigest()


def id_number_protect(raw: str) -> ProtectedId:
    """Validate and protect an ID number for storage."""
    number = id_number_validate(raw)
    nonce = os.urandom(_NONCE_BYTES)
    sealed = AESGCM(_encryption_key()).encrypt(nonce, number.encode(), _CIPHER_VERSION.encode())
    ciphertext = f"{_CIPHER_VERSION}:" + base64.urlsafe_b64encode(nonce + sealed).decode()
    return ProtectedId(
        ciphertext=ciphertext,
        hmac=id_number_hmac(number),
        birth_date=id_number_birth_date(number),
        masked=id_number_mask(number),
    )


def id_number_reveal(ciphertext: str) -> str:
    """Decrypt a stored number. Only for an explicit, audited staff action."""
    version, _sep, payload = ciphertext.partition(":")
    if version != _CIPHER_VERSION or not payload:
        raise ValueError("unknown ID ciphertext format")
    blob = base64.urlsafe_b64decode(payload.encode())
    nonce, sealed = blob[:_NONCE_BYTES], blob[_NONCE_BYTES:]
    return AESGCM(_encryption_key()).decrypt(nonce, sealed, version.encode()).decode()
