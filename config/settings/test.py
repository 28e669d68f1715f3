import os

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, env

DEBUG = False
SETTINGS_KIND = "test"
SECRET_KEY = "test-secret-key-not-for-production-0123456789abcdef"  # noqa: S105
AUDIT_MAC_KEY = "test-audit-mac-key-not-for-production"
PII_ENCRYPTION_KEY = "dGVzdC1waWktZW5jcnlwdGlvbi1rZXktMzItYnl0ZXM="  # test only
PII_HMAC_KEY = "dGVzdC1waWktaG1hYy1rZXktMzItYnl0ZXMtbG9uZyE="  # test only
BID_MASTER_KEY = "dGVzdC1iaWQtbWFzdGVyLWtleS0zMi1ieXRlcy1vayE="  # test only
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
LANGUAGE_CODE = "zh-hans"

# Each xdist worker gets its own test database file so that a subprocess (a real Celery worker)
# can open the same database the test wrote.
_worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    _test_dir = os.environ.get("TEST_DB_DIR", str(BASE_DIR / "var" / "test"))
    DATABASES["default"]["TEST"] = {"NAME": str(os.path.join(_test_dir, f"test_{_worker}.sqlite3"))}

# The test runner empties tables with TRUNCATE between transactional tests; the audit log refuses
# TRUNCATE on PostgreSQL unless the session says so (audit/migrations/0002_refuse_truncate.py).
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    _options = DATABASES["default"].setdefault("OPTIONS", {})
    _options["options"] = f"{_options.get('options', '')} -c audit.allow_truncate=on".strip()

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WAGTAILADMIN_BASE_URL = "http://testserver"

# Regular tests run queued tasks in-process (after commit, see core.queueing); the real-worker test
# (tests/core/test_celery_worker.py) sends to a real broker and worker instead.
CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
# The test process never reads task results: keep it from creating a results database under var/.
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or "cache+memory://"

# Sessions the test client opens (client.login / force_login) count as OTP-verified, so tests of other
# rooms need no second factor; form log-ins (tests/accounts, e2e) go through the real TOTP step.
OTP_TRUST_TEST_CLIENT_LOGINS = True

# Public forms (core.throttle): tests and browser journeys post the same forms many times from
# 127.0.0.1, so here the limits never bite and no challenge is asked, except the password reset's
# per-address limit (tests/accounts/test_login_security.py). Tests of the throttle set low limits.
THROTTLES = {
    name: {
        **rule,
        **{scope: 1000 for scope in rule if scope not in ("window", "challenge_after")},
        **({"email": rule["email"], "ip": rule["ip"]} if name == "password_reset" else {}),
        "challenge_after": 0,
    }
    for name, rule in THROTTLES.items()  # noqa: F405
}

# Tests run inside transactions that never commit, so the cache's generations (bumped at commit) would
# not move between two requests of one test: the portal cache is off here and on in its own tests
# (tests/core/test_portal_cache.py), which run the commit callbacks.
PORTAL_CACHE = {**PORTAL_CACHE, "ENABLED": False}  # noqa: F405
