from .base import *  # noqa: F403
from .base import env

DEBUG = True
SETTINGS_KIND = "dev"
SECRET_KEY = SECRET_KEY or "dev-only-insecure-key-run-make-run-to-generate-one"  # noqa: F405
INTERNAL_IPS = ["127.0.0.1"]
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
