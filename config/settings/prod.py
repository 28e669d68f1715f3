"""Production: every secret comes from the environment; the process refuses to start without it.

`.env.local` is not read here (config/settings/base.py); generate keys with
`python -m config.keys --ensure <file>` and hand them to the process environment. `manage.py check
--deploy` is clean with the variables set (tests/config/test_deploy.py)."""

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env, env_bool, env_int, env_list


def required(key: str, min_length: int = 1) -> str:
    value = env(key)
    if not value:
        raise ImproperlyConfigured(f"{key} must be set in the environment for production")
    if len(value) < min_length:
        raise ImproperlyConfigured(f"{key} is too short: generate it with `python -m config.keys`")
    return value


DEBUG = False
SETTINGS_KIND = "prod"
SECRET_KEY = required("DJANGO_SECRET_KEY")
AUDIT_MAC_KEY = required("AUDIT_MAC_KEY")
# Keys of 32 random bytes, base64 (config/keys.py). Back up BID_MASTER_KEY apart from the database:
# without it no sealed bid can be opened.
BID_MASTER_KEY = required("BID_MASTER_KEY", min_length=43)
# BID_RECEIPT_KEY (optional, from base): signs bid receipts; when unset it is derived from
# DJANGO_SECRET_KEY, so keep a rotated secret in SECRET_KEY_FALLBACKS or old receipts stop verifying.
PII_ENCRYPTION_KEY = required("PII_ENCRYPTION_KEY", min_length=43)
PII_HMAC_KEY = required("PII_HMAC_KEY", min_length=43)
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS") or required("DJANGO_ALLOWED_HOSTS").split(",")
# Origins allowed to POST (https://host); defaults to every allowed host over HTTPS.
CSRF_TRUSTED_ORIGINS = env_list("DJANGO_CSRF_TRUSTED_ORIGINS") or [
    f"https://*{host}" if host.startswith(".") else f"https://{host}" for host in ALLOWED_HOSTS if host != "*"
]

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("DJANGO_SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env_int("DJANGO_HSTS_SECONDS", 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
X_FRAME_OPTIONS = "DENY"

# Media as base.py chose it (MEDIA_STORAGE / PRIVATE_STORAGE: disk or S3); static files by WhiteNoise.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"}}  # noqa: F405
for _kind, _alias, _bucket in (
    (MEDIA_STORAGE, "default", "AWS_STORAGE_BUCKET_NAME"),  # noqa: F405
    (PRIVATE_STORAGE, "private", "AWS_PRIVATE_STORAGE_BUCKET_NAME"),  # noqa: F405
):
    if _kind not in ("filesystem", "s3"):
        raise ImproperlyConfigured(f"{_alias} media storage: 'filesystem' or 's3', not {_kind!r}")
    if _kind == "s3":
        required(_bucket)
