"""The benchmark server's settings (`make bench`, bench/run.py; docs/performance.md).

Production-like: DEBUG off, the production middleware, hashers and static storage, the portal cache on
a shared Redis (CACHE_URL), PostgreSQL's JIT as in production. Three additions, none of which exists
in any other settings module:

- `/bench/bare/` (bench/urls.py): a bare Django view, the reference every page is measured against;
- `bench.middleware.BenchPortalCacheMiddleware` in place of the portal cache's middleware: the same
  cache, but a request carrying `X-Bench-Cache: bypass` is served uncached (the "uncached" figures);
- `bench.middleware.QueryProbeMiddleware`: a request carrying `X-Bench-Probe: <id>` gets its query
  count and SQL time in response headers, and its slowest SELECT with its EXPLAIN ANALYZE plan in
  `BENCH_PROBE_DIR/<id>.json`. Timed requests never carry it, so they run unobserved.

The keys are fixed throwaway values unless the environment gives others: the bench database holds
generated data only, sealed and encrypted with these keys.
"""

from pathlib import Path

from .base import *  # noqa: F403
from .base import BASE_DIR, DATABASES, MIDDLEWARE, env

DEBUG = False
SETTINGS_KIND = "bench"
SECRET_KEY = env("DJANGO_SECRET_KEY") or "bench-only-secret-key-not-for-production-0123456789"
AUDIT_MAC_KEY = env("AUDIT_MAC_KEY") or "bench-only-audit-mac-key-not-for-production"
PII_ENCRYPTION_KEY = env("PII_ENCRYPTION_KEY") or "YmVuY2gtb25seS1waWktZW5jcnlwdGlvbi1rZXktMzI="
PII_HMAC_KEY = env("PII_HMAC_KEY") or "YmVuY2gtb25seS1waWktaG1hYy1rZXktMzItYnl0ZXM="
BID_MASTER_KEY = env("BID_MASTER_KEY") or "YmVuY2gtb25seS1iaWQtbWFzdGVyLWtleS0zMmJ5dGU="
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "testserver"]

ROOT_URLCONF = "bench.urls"
MIDDLEWARE = [
    "bench.middleware.QueryProbeMiddleware",
    *(
        "bench.middleware.BenchPortalCacheMiddleware" if m == "core.portal_cache.PortalCacheMiddleware" else m
        for m in MIDDLEWARE
    ),
]
BENCH_PROBE_DIR = Path(env("BENCH_PROBE_DIR", str(BASE_DIR / "var" / "bench" / "probes")))

STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "bench" / "static")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# one media folder a database: the files the nightly tasks write (the open-data hub's yearly files, the
# OCDS bulk file) belong to that database's data, not to another scale's
MEDIA_ROOT = Path(
    env(
        "MEDIA_ROOT", str(BASE_DIR / "var" / "bench" / "media" / Path(str(DATABASES["default"]["NAME"])).name)
    )
)
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "bench" / "private")))
AUDIT_ANCHOR_FILE = Path(env("AUDIT_ANCHOR_FILE", str(BASE_DIR / "var" / "bench" / "audit-anchors.log")))
# No mail leaves a benchmark (the reminder sweeps write notifications and queue e-mails).
EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"
# Tasks are queued to the broker (CELERY_BROKER_URL, Redis under `make bench`) and not run: the cases
# time what the web process or the sweep itself does, as in production where a worker takes the rest.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}
