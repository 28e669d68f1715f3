"""Settings shared by every environment. Values come from the environment; see README.md."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from kombu import Queue

from config.env import BASE_DIR, env, env_bool, env_int, env_list, load_env_file

# Local runs read generated secrets from the git-ignored `.env.local` (`make run` writes it). Production
# reads the real environment only, unless DJANGO_ENV_FILE names a file explicitly.
if env("DJANGO_ENV_FILE") or not env("DJANGO_SETTINGS_MODULE", "").endswith(".prod"):
    load_env_file(Path(env("DJANGO_ENV_FILE", str(BASE_DIR / ".env.local"))))

SECRET_KEY = env("DJANGO_SECRET_KEY", "")
DEBUG = False
ALLOWED_HOSTS = env_list("DJANGO_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1],testserver")

INSTALLED_APPS = [
    # project apps first so their templates and translations win
    "accounts",
    "audit",
    "core",
    "orgs",
    "procurement",
    "volunteers",
    "cms",
    # wagtail
    "wagtail.contrib.forms",
    "wagtail.contrib.redirects",
    "wagtail.contrib.settings",
    "wagtail.contrib.routable_page",
    "wagtail.embeds",
    "wagtail.sites",
    "wagtail.users",
    "wagtail.snippets",
    "wagtail.documents",
    "wagtail.images",
    "wagtail.search",
    "wagtail.admin",
    "wagtail",
    "modelcluster",
    "taggit",
    # third party
    "django_filters",
    "import_export",
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "csp",
    # django
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy (strict; Wagtail's admin relaxed) and Permissions-Policy: core/security_headers.py
    "core.security_headers.ContentSecurityPolicyMiddleware",
    "core.security_headers.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.ChineseFirstLocaleMiddleware",
    # whole answers of public portal pages for visitors without a session (core/portal_cache.py)
    "core.portal_cache.PortalCacheMiddleware",
    "core.middleware.RefuseControlCharactersMiddleware",
    "django.middleware.common.CommonMiddleware",
    # the Wagtail site of the request, remembered per process until the page tree changes
    "cms.site_middleware.RememberedSiteMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "audit.middleware.RequestContextMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "accounts.middleware.SessionTimeoutMiddleware",
    "accounts.middleware.StaffSecondFactorMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "wagtail.contrib.redirects.middleware.RedirectMiddleware",
    # last, as django-axes asks: turns a locked-out log-in into our Chinese lockout page
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "wagtail.contrib.settings.context_processors.settings",
                "core.context_processors.notifications",
            ],
        },
    },
]
# Django's form templates, with plain <select> options written in Python (core/form_renderer.py)
FORM_RENDERER = "core.form_renderer.FormRenderer"

# --- database -------------------------------------------------------------------------------
# SQLite is the zero-setup default; DATABASE_URL (postgres://...) selects PostgreSQL.
SQLITE_PATH = Path(env("SQLITE_PATH", str(BASE_DIR / "var" / "db.sqlite3")))
SQLITE_OPTIONS = {
    # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at BEGIN so
    # two writers queue on the busy timeout instead of failing with "database is locked" mid-way.
    "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
}


def database_from_env() -> dict:
    url = env("DATABASE_URL")
    if url:
        config = dj_database_url.parse(
            url, conn_max_age=env_int("DB_CONN_MAX_AGE", 60), conn_health_checks=True
        )
        if config["ENGINE"] == "django.db.backends.postgresql" and not env_bool("PG_JIT", False):
            # PostgreSQL's JIT compiles plans for queries it guesses expensive; on this platform's
            # aggregates it spent ~600 of 626 ms compiling (docs/performance.md). Off for web and
            # worker connections unless PG_JIT=1.
            config.setdefault("OPTIONS", {})["options"] = "-c jit=off"
        return config
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": str(SQLITE_PATH), "OPTIONS": dict(SQLITE_OPTIONS)}


DATABASES = {"default": database_from_env()}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache ------------------------------------------------------------------------------------
# Per-process memory by default (one `make run` process). With several web workers set CACHE_URL to a
# shared Redis (redis://host:6379/3) so rate limits and cached pages hold across processes.
CACHE_URL = env("CACHE_URL", "")
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": CACHE_URL}
        if CACHE_URL.startswith(("redis://", "rediss://"))
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "civic"}
    )
}
# The procurement summaries (statistics, board: procurement/supervision/summaries.py) follow every
# change through a generation kept in the cache. Shared (Redis), it sees every process's changes, so a
# summary stands until the next change (0: no age limit); per process, a summary is also counted again
# after this many seconds, for the changes other processes made.
PROCUREMENT_SUMMARY_MAX_AGE = env_int(
    "PROCUREMENT_SUMMARY_MAX_AGE", 0 if CACHE_URL.startswith(("redis://", "rediss://")) else 300
)
# Worker heartbeats (core/health.py) are written by the worker and read by every web process: the
# shared Redis when CACHE_URL is set, else files under var/ (one machine: `make run`).
CACHES["heartbeats"] = (
    dict(CACHES["default"])
    if CACHE_URL.startswith(("redis://", "rediss://"))
    else {
        "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
        "LOCATION": env("HEARTBEAT_CACHE_DIR", str(BASE_DIR / "var" / "cache" / "heartbeats")),
    }
)

# The long public lists (calls, award notices, plans, opening records, contracts, evaluations, red
# flags) count their rows up to this many and then say "more than" (core/pagination.py).
PORTAL_LIST_COUNT_CAP = env_int("PORTAL_LIST_COUNT_CAP", 1_000)
# The long admin lists (volunteers, hours, needs, the register) count their rows up to this many and
# then say "more than N" (core.viewsets.CappedAdminPaginator).
ADMIN_LIST_COUNT_CAP = env_int("ADMIN_LIST_COUNT_CAP", 10_000)
# The public search matches words through bigram GIN indexes on PostgreSQL (cms/search_index.py);
# off, it uses icontains as on SQLite.
SEARCH_BIGRAM_INDEX = env_bool("SEARCH_BIGRAM_INDEX", True)

# Public portal pages and open-data answers kept for visitors without a session, invalidated by
# generation on every audited change of what they show and on every Wagtail page action
# (core/portal_cache.py). A path ending in "*" covers everything under it; only 200 answers without
# cookies are kept, so form pages (which set the CSRF cookie) never are. Every page shows the menu,
# built from the site tree: every path depends on "cms".
_ALL_TOPICS = ("procurement", "orgs", "volunteers", "cms")
PORTAL_CACHE = {
    "ENABLED": env_bool("PORTAL_CACHE_ENABLED", True),
    "TIMEOUT": env_int("PORTAL_CACHE_SECONDS", 300),
    "PATHS": [
        ("/", _ALL_TOPICS),
        ("/search/", _ALL_TOPICS),
        ("/statistics/*", _ALL_TOPICS),
        ("/open-data/*", _ALL_TOPICS),
        ("/purchasing-plans/*", ("procurement", "cms")),
        ("/calls-for-bids/*", ("procurement", "orgs", "cms")),
        ("/award-notices/*", ("procurement", "orgs", "cms")),
        ("/feeds/*", ("procurement", "orgs", "cms")),
        ("/api/ocds/*", ("procurement", "orgs", "cms")),
        ("/procurement/contracts/*", ("procurement", "orgs", "volunteers", "cms")),
        ("/procurement/openings/*", ("procurement", "orgs", "cms")),
        ("/procurement/evaluations/*", ("procurement", "orgs", "volunteers", "cms")),
        ("/procurement/red-flags/*", ("procurement", "orgs", "cms")),
        ("/procurement/reports/statistics/", ("procurement", "cms")),
        ("/orgs/*", ("orgs", "procurement", "cms")),
        ("/volunteers/", ("volunteers", "procurement", "orgs", "cms")),
        ("/volunteers/needs/*", ("volunteers", "procurement", "orgs", "cms")),
        ("/volunteers/statistics/", ("volunteers", "cms")),
        # the portal's section pages in the site tree (cms/portal.py), at their default slugs
        *(
            (f"/{slug}/", _ALL_TOPICS)
            for slug in (
                "opening-records",
                "contracts",
                "performance-evaluations",
                "credit-directory",
                "volunteering",
                "data-statistics",
                "volunteer-statistics",
                "report-statistics",
                "data",
                "red-flags",
            )
        ),
    ],
}

# --- auth -----------------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "cms:workbench"
LOGOUT_REDIRECT_URL = "/"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    # common words dressed up (Admin12345, Passw0rd!!), repeated units (abc123abc123), sequences
    {"NAME": "accounts.password_validation.StrongPasswordValidator"},
]

# --- log-in security (README.md, Log-in security) -------------------------------------------------
# django-axes: a log-in is locked out after AXES_FAILURE_LIMIT failures for the same account or from
# the same IP address, for AXES_COOLOFF_MINUTES. The first backend only checks the lockout.
AUTHENTICATION_BACKENDS = [
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = env_int("AXES_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=env_int("AXES_COOLOFF_MINUTES", 30))
AXES_LOCKOUT_PARAMETERS = ["ip_address", "username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "accounts.views_security.lockout"
AXES_CLIENT_IP_CALLABLE = "audit.context.client_ip"
AXES_VERBOSE = False
# Password reset: at most this many requests per IP address and per e-mail address in the window.
PASSWORD_RESET_RATE_LIMIT = env_int("PASSWORD_RESET_RATE_LIMIT", 5)
PASSWORD_RESET_RATE_WINDOW_SECONDS = env_int("PASSWORD_RESET_RATE_WINDOW_SECONDS", 3600)
# One password reset for everyone, the throttled one at /accounts/password/reset/: Wagtail's own
# (/cms-admin/password_reset/) is off.
WAGTAIL_PASSWORD_RESET_ENABLED = False
# --- anti-automation on public forms (core/throttle.py) --------------------------------------------
# Per form: at most `ip` / `session` (and other keys: the reset's `email`, a question's `user`)
# accepted submissions per `window` seconds; after `challenge_after` posts from one IP address or
# session in the window the form asks a small sum (0: never). Environment: THROTTLE_<FORM>_IP,
# _SESSION, _WINDOW, _CHALLENGE_AFTER, e.g. THROTTLE_SIGNUP_IP=40.


def _throttle(name: str, *, ip: int, session: int, window: int = 3600, challenge_after: int = 3, **more):
    prefix = f"THROTTLE_{name.upper()}"
    return {
        "ip": env_int(f"{prefix}_IP", ip),
        "session": env_int(f"{prefix}_SESSION", session),
        **{scope: env_int(f"{prefix}_{scope.upper()}", limit) for scope, limit in more.items()},
        "window": env_int(f"{prefix}_WINDOW", window),
        "challenge_after": env_int(f"{prefix}_CHALLENGE_AFTER", challenge_after),
    }


THROTTLES = {
    # a recruitment event signs up a room of people behind one address: a high per-IP limit
    "signup": _throttle("signup", ip=20, session=3),
    "org_registration": _throttle("org_registration", ip=10, session=3),
    "public_report": _throttle("public_report", ip=5, session=5),
    "call_question": _throttle("call_question", ip=30, session=10, user=10),
    "password_reset": _throttle(
        "password_reset",
        ip=PASSWORD_RESET_RATE_LIMIT,
        session=PASSWORD_RESET_RATE_LIMIT,
        email=PASSWORD_RESET_RATE_LIMIT,
        window=PASSWORD_RESET_RATE_WINDOW_SECONDS,
    ),
    # the public credit look-up (orgs/api.py, GET only): requests per client IP address per window
    "credit_api": _throttle("credit_api", ip=120, session=0, window=60, challenge_after=0),
}
# How long the credit look-up keeps an organization's answer (seconds; no early invalidation).
ORGS_CREDIT_API_CACHE_SECONDS = env_int("ORGS_CREDIT_API_CACHE_SECONDS", 300)
# OCDS 1.1 open data at /api/ocds/ (cms/ocds.py, docs/open-data.md). The ocid prefix is assigned by
# the Open Contracting Partnership on registration ("ocds-" + 6 characters): the default is a
# placeholder, to be replaced by the registered prefix before publishing for real.
OCDS_OCID_PREFIX = env("OCDS_OCID_PREFIX", "ocds-xxxxxx")
OCDS_PUBLISHER_NAME = env("OCDS_PUBLISHER_NAME", "市民政局")
OCDS_PUBLISHER_URI = env("OCDS_PUBLISHER_URI", "")
OCDS_LICENSE = env("OCDS_LICENSE", "")
# Releases per page of the list of all releases (records per page: a tenth of it, at least 10).
OCDS_PAGE_SIZE = env_int("OCDS_PAGE_SIZE", 100)
# The deepest `page=N` of that list: page N reads the keys of every earlier page (about 0.3 s for
# page 100 at ten times the base city); past it, the list is read by its cursor (links.next).
OCDS_MAX_PAGE = env_int("OCDS_MAX_PAGE", 100)
# How long a challenge question may stay unanswered (seconds).
THROTTLE_CHALLENGE_MAX_AGE = env_int("THROTTLE_CHALLENGE_MAX_AGE", 1800)
# Sessions: an absolute lifetime for everyone, an idle timeout for staff (seconds).
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 12 * 3600)
STAFF_IDLE_TIMEOUT_SECONDS = env_int("STAFF_IDLE_TIMEOUT_SECONDS", 30 * 60)
# Second factor (django-otp): staff roles and superusers must confirm a TOTP code after the password.
OTP_TOTP_ISSUER = env("OTP_TOTP_ISSUER", "民政局社会服务购买平台")
OTP_RECOVERY_CODE_COUNT = 10
# Only the test settings set this: sessions opened by the test client (client.login / force_login,
# no real request) count as verified so tests of other rooms need no second factor.
OTP_TRUST_TEST_CLIENT_LOGINS = False

# --- audit log (audit/) ---------------------------------------------------------------------------------
# HMAC key of the event chain: kept in the environment, never in the database (prod requires it).
AUDIT_MAC_KEY = env("AUDIT_MAC_KEY", "")
# Anchors (newest seq + MAC) are appended here and logged to "audit.anchor" (every
# AUDIT_ANCHOR_EVERY_SECONDS, see CELERY_BEAT_SCHEDULE), and to every mirror: files in places the
# application cannot rewrite (another host's mount, an append-only directory). Colon-separated.
AUDIT_ANCHOR_FILE = Path(env("AUDIT_ANCHOR_FILE", str(BASE_DIR / "var" / "audit-anchors.log")))
AUDIT_ANCHOR_MIRRORS = [Path(p) for p in env("AUDIT_ANCHOR_MIRRORS", "").split(":") if p.strip()]
# Trusted reverse proxies in front of Django: with N > 0 the client IP is the N-th X-Forwarded-For
# entry from the right; with 0, REMOTE_ADDR.
AUDIT_PROXY_COUNT = env_int("AUDIT_PROXY_COUNT", 0)

# --- language and time ------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# One catalogue per app (so each app's strings live beside it) plus the project's for templates/.
# makemessages assigns each file to the first path whose folder contains it, so apps come first.
TRANSLATED_APPS = ["accounts", "audit", "core", "orgs", "procurement", "volunteers", "cms"]
LOCALE_PATHS = [BASE_DIR / app / "locale" for app in TRANSLATED_APPS] + [BASE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True
WAGTAIL_I18N_ENABLED = False
WAGTAILADMIN_PERMITTED_LANGUAGES = LANGUAGES

# --- static and media ---------------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(BASE_DIR / "var" / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(BASE_DIR / "var" / "media")))
# Private documents live outside MEDIA_ROOT and are served only through permission-checked views.
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", str(BASE_DIR / "var" / "private")))
# `manage.py backup` writes its archives here (docs/operations.md): keep copies off this server.
BACKUP_DIR = Path(env("BACKUP_DIR", str(BASE_DIR / "var" / "backups")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Media on S3-compatible storage (django-storages; docs/deployment.md), for deployments on several
# machines. MEDIA_STORAGE=s3: public media (Wagtail images and documents) in AWS_STORAGE_BUCKET_NAME,
# with plain URLs (the bucket lets anyone read; signed URLs would expire inside cached pages).
# PRIVATE_STORAGE=s3: private documents, sealed bid files and job files in
# AWS_PRIVATE_STORAGE_BUCKET_NAME (nobody reads it without the keys; no URL is made: core/storage.py).
# Both use AWS_S3_ENDPOINT_URL (MinIO, Ceph, a cloud's S3 API; empty for AWS itself),
# AWS_S3_REGION_NAME, AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
MEDIA_STORAGE = env("MEDIA_STORAGE", "filesystem")
PRIVATE_STORAGE = env("PRIVATE_STORAGE", "filesystem")
_S3_COMMON = {
    "endpoint_url": env("AWS_S3_ENDPOINT_URL") or None,
    "region_name": env("AWS_S3_REGION_NAME") or None,
    "access_key": env("AWS_ACCESS_KEY_ID") or None,
    "secret_key": env("AWS_SECRET_ACCESS_KEY") or None,
    "addressing_style": env("AWS_S3_ADDRESSING_STYLE") or None,
    "file_overwrite": False,
    "default_acl": None,
}
# Where public media is read from, for the Content-Security-Policy's img-src (below).
MEDIA_CSP_SOURCES: list[str] = []
if MEDIA_STORAGE == "s3":
    _media_domain = env("AWS_S3_CUSTOM_DOMAIN") or None
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            **_S3_COMMON,
            "bucket_name": env("AWS_STORAGE_BUCKET_NAME"),
            "location": env("AWS_MEDIA_LOCATION", "media"),
            "custom_domain": _media_domain,
            "querystring_auth": False,
        },
    }
    _endpoint = _S3_COMMON["endpoint_url"]
    MEDIA_CSP_SOURCES = env_list("MEDIA_CSP_SOURCES") or (
        [f"https://{_media_domain}"]
        if _media_domain
        else ["/".join(_endpoint.split("/")[:3])]
        if _endpoint
        else [
            f"https://{env('AWS_STORAGE_BUCKET_NAME')}.s3.amazonaws.com",
            f"https://{env('AWS_STORAGE_BUCKET_NAME')}.s3.{_S3_COMMON['region_name'] or 'us-east-1'}.amazonaws.com",
        ]
    )
if PRIVATE_STORAGE == "s3":
    STORAGES["private"] = {
        "BACKEND": "core.storage_s3.PrivateS3Storage",
        "OPTIONS": {
            **_S3_COMMON,
            "bucket_name": env("AWS_PRIVATE_STORAGE_BUCKET_NAME"),
            "location": env("AWS_PRIVATE_LOCATION", "private"),
            "querystring_auth": False,
        },
    }
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

# --- wagtail ------------------------------------------------------------------------------------
WAGTAIL_SITE_NAME = env("SITE_NAME", "民政局政府购买服务与志愿服务平台")
# The site's own address, for links in e-mails (sent by the worker, where there is no request to
# ask): SITE_URL, else SITE_BASE_URL, else the dev server's default address; a site started on
# another host or port sets SITE_URL to it. Read it through core.site_url.absolute_url().
SITE_URL = env("SITE_URL", "").rstrip("/")
WAGTAILADMIN_BASE_URL = SITE_URL or env("SITE_BASE_URL", "http://127.0.0.1:8000")
WAGTAILSEARCH_BACKENDS = {"default": {"BACKEND": "wagtail.search.backends.database"}}
WAGTAIL_ENABLE_UPDATE_CHECK = False
WAGTAILDOCS_SERVE_METHOD = "serve_view"

# --- email ----------------------------------------------------------------------------------------
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "noreply@mzj.example.gov.cn")
EMAIL_HOST = env("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)

# --- security defaults (prod tightens) ------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "SAMEORIGIN"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Content-Security-Policy (django-csp 4; core/security_headers.py). Our own pages carry no inline
# script or style (tests/config/test_security_headers.py), so none needs 'unsafe-inline'.
_CSP_SELF = ["'self'"]
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": _CSP_SELF,
        "script-src": _CSP_SELF,
        "style-src": _CSP_SELF,
        "img-src": ["'self'", "data:", *MEDIA_CSP_SOURCES],
        "font-src": _CSP_SELF,
        "connect-src": _CSP_SELF,
        "object-src": ["'none'"],
        "base-uri": _CSP_SELF,
        "form-action": _CSP_SELF,
        "frame-ancestors": ["'none'"],
    }
}
# Wagtail's admin writes inline scripts and styles: relaxed there only. The page preview it frames keeps
# the strict policy, but the admin may frame it.
CSP_RELAXED_PATH_PREFIXES = ["/cms-admin/"]
CSP_PREVIEW_FRAME_ANCESTORS = ["'self'"]
CONTENT_SECURITY_POLICY_ADMIN = {
    "DIRECTIVES": {
        "default-src": _CSP_SELF,
        "script-src": ["'self'", "'unsafe-inline'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:", *MEDIA_CSP_SOURCES],
        "font-src": ["'self'", "data:"],
        "connect-src": _CSP_SELF,
        "frame-src": _CSP_SELF,
        "object-src": ["'none'"],
        "base-uri": _CSP_SELF,
        "form-action": _CSP_SELF,
        "frame-ancestors": _CSP_SELF,
    }
}
# No gravatar images in the admin: no request to a third party with a hash of staff e-mails.
WAGTAIL_GRAVATAR_PROVIDER_URL = None
# Permissions-Policy: features the platform never uses are off for every origin ([] = "()").
# A path prefix that needs one lists it in PERMISSIONS_POLICY_PATH_OVERRIDES, e.g.
# {"/volunteers/checkin/scan/": {"camera": ["self"]}} for an in-browser QR scanner (none today: the
# check-in QR code is read by the phone's own camera app).
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
PERMISSIONS_POLICY_PATH_OVERRIDES: dict[str, dict[str, list[str]]] = {}

# --- health (core/health.py, /health/; docs/deployment.md) ----------------------------------------
# Beat sends a heartbeat task to each queue every HEALTH_HEARTBEAT_SECONDS; /health/ fails the worker
# check when a queue of HEALTH_WORKER_QUEUES has had none for HEALTH_WORKER_MAX_AGE_SECONDS (its
# workers are gone, or all busy longer than that). The broker check gives up after the timeout.
HEALTH_HEARTBEAT_SECONDS = env_int("HEALTH_HEARTBEAT_SECONDS", 60)
HEALTH_WORKER_MAX_AGE_SECONDS = env_int("HEALTH_WORKER_MAX_AGE_SECONDS", 300)
HEALTH_WORKER_QUEUES = env_list("HEALTH_WORKER_QUEUES", "celery,sweeps,email")
HEALTH_BROKER_TIMEOUT_SECONDS = env_int("HEALTH_BROKER_TIMEOUT_SECONDS", 2)

# --- celery (config/celery.py; README.md, Tasks) --------------------------------------------------
# The zero-setup default is kombu's SQLAlchemy transport on a SQLite file, so `make run` needs no server;
# CELERY_BROKER_URL=redis://... selects Redis (and then the result backend defaults to the same Redis).
CELERY_BROKER_URL = env("CELERY_BROKER_URL") or f"sqla+sqlite:///{BASE_DIR / 'var' / 'celery-broker.sqlite3'}"
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND") or (
    CELERY_BROKER_URL
    if CELERY_BROKER_URL.startswith(("redis://", "rediss://"))
    else f"db+sqlite:///{BASE_DIR / 'var' / 'celery-results.sqlite3'}"
)
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Tasks take ids, not objects, and are idempotent: a task is acknowledged only after it ran, so a worker
# that dies mid-task leaves it to be run again rather than lost.
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_TIME_LIMIT = env_int("CELERY_TASK_TIME_LIMIT", 300)
CELERY_TASK_SOFT_TIME_LIMIT = env_int("CELERY_TASK_SOFT_TIME_LIMIT", 240)
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_EXPIRES = 7 * 24 * 3600
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ALWAYS_EAGER = False
# Queues (config/celery.py, docs/deployment.md): sweeps and e-mail apart from the default queue, so a
# long sweep never holds back an e-mail or a bid opening. A worker started without `-Q` (`make run`,
# `make worker`) consumes all three; production runs workers per queue (Procfile).
CELERY_TASK_DEFAULT_QUEUE = "celery"
CELERY_TASK_QUEUES = [Queue(name, routing_key=name) for name in ("celery", "sweeps", "email")]
CELERY_TASK_ROUTES = ["config.celery.route_task"]
# Task modules not named `tasks.py` (autodiscovery finds those).
# Task modules that autodiscovery (one `tasks.py` per installed app) does not find: procurement keeps
# one per room.
CELERY_IMPORTS = [
    "core.tasks_ping",
    "core.health",
    "procurement.tendering.tasks",
    "procurement.evaluation.tasks",
    "procurement.contracts.tasks",
    "procurement.supervision.tasks",
]
# Periodic tasks (plain celery beat; its state file lives under var/). Apps add their daily tasks here
# as entries {"name": {"task": "app.task_name", "schedule": crontab(hour=1, minute=0)}}.
CELERY_BEAT_SCHEDULE = {
    # Worker heartbeats, one per queue (core/health.py; /health/ reports each queue's age).
    **{
        f"core-worker-heartbeat-{queue}": {
            "task": "health.worker_heartbeat",
            "schedule": HEALTH_HEARTBEAT_SECONDS,
            "args": [queue],
            "options": {"queue": queue, "expires": HEALTH_HEARTBEAT_SECONDS},
        }
        for queue in ("celery", "sweeps", "email")
    },
    # Anchor the audit chain's newest MAC, so that deleting the newest events is detectable (audit/).
    "audit-anchor": {
        "task": "audit.tasks.write_audit_anchor",
        "schedule": env_int("AUDIT_ANCHOR_EVERY_SECONDS", 60),
    },
    # Emails whose task was lost (no redelivery on the SQLite broker, a worker killed mid-send) are
    # queued again; sending is idempotent per notification (core/notification_email.py).
    "core-requeue-unsent-emails": {"task": "core.requeue_unsent_emails", "schedule": 300},
    # Tasks left unfinished by a dead worker or a lost message are sent again (core/outbox.py).
    "core-redeliver-tasks": {"task": "core.redeliver_tasks", "schedule": 60},
    # Background jobs' result files older than JOBS_KEEP_DAYS are deleted (core/jobs.py), daily at 03:30.
    "core-expire-job-files": {
        "task": "core.expire_job_files",
        "schedule": crontab(hour=3, minute=30),
        "options": {"queue": "sweeps"},
    },
    # Register of social organizations (orgs/tasks.py): the automatic credit-list rules, daily at 01:30.
    "orgs-credit-list-rules": {
        "task": "orgs.apply_credit_list_rules",
        "schedule": crontab(hour=1, minute=30),
    },
    # a grade granted with a date ahead becomes the directory's sorting grade on that date, at 00:10
    "orgs-refresh-latest-grades": {
        "task": "orgs.refresh_latest_grades",
        "schedule": crontab(hour=0, minute=10),
    },
    # Volunteering (volunteers/tasks.py): forgotten check-outs, 48 h reminders, sign-up closing, social workers.
    "volunteers-close-forgotten-hours": {"task": "volunteers.close_forgotten_hours", "schedule": 900},
    "volunteers-slot-reminders": {"task": "volunteers.send_slot_reminders", "schedule": 900},
    "volunteers-close-due-signups": {"task": "volunteers.close_due_signups", "schedule": 900},
    "volunteers-social-worker-daily": {"task": "volunteers.social_worker_daily", "schedule": 86400},
    # Purchase of services (procurement/<room>/tasks.py): close tenders at their deadline and open the bids.
    "procurement-close-and-open-due-tenders": {
        "task": "procurement.close_and_open_due_tenders",
        "schedule": 60,
    },
    # Contracts: remind organizations of progress reports due or late (each reminder once), at 08:00.
    "procurement-progress-report-reminders": {
        "task": "procurement.progress_report_reminders",
        "schedule": crontab(hour=8, minute=0),
    },
    # Supervision lights: the daily snapshot and the escalation of newly red items, at 02:00.
    "procurement-lights-daily": {"task": "procurement.lights_daily", "schedule": crontab(hour=2, minute=0)},
    # Public report transfers (转办): remind departments before the due date, escalate overdue ones once, 07:30.
    "procurement-public-report-transfers-daily": {
        "task": "procurement.public_report_transfers_daily",
        "schedule": crontab(hour=7, minute=30),
    },
    # Red flags (procurement/supervision/tasks.py): every public process's flags stored for the portal's
    # list (issue 17), after the lights at 02:30.
    "procurement-red-flags-refresh": {
        "task": "procurement.red_flags_refresh",
        "schedule": crontab(hour=2, minute=30),
        "options": {"queue": "sweeps"},
    },
    # Open data (cms/tasks.py): the OCDS bulk file of every published release, written at 04:00.
    "cms-ocds-bulk": {
        "task": "cms.ocds_bulk",
        "schedule": crontab(hour=4, minute=0),
        "options": {"queue": "sweeps"},
    },
    # the open-data hub's yearly files (CSV and Excel of each dataset and year), at 04:30
    "cms-opendata-files": {
        "task": "cms.opendata_files",
        "schedule": crontab(hour=4, minute=30),
        "options": {"queue": "sweeps"},
    },
    # Awards: publish any confirmed award's notice that is not out yet (idempotent), every 10 minutes.
    "procurement-publish-due-award-notices": {
        "task": "procurement.publish_due_award_notices",
        "schedule": 600,
    },
}
# Days a finished background job's result file (an export) is kept before the daily sweep deletes it.
JOBS_KEEP_DAYS = env_int("JOBS_KEEP_DAYS", 7)
CELERY_BEAT_SCHEDULE_FILENAME = env(
    "CELERY_BEAT_SCHEDULE_FILENAME", str(BASE_DIR / "var" / "celerybeat-schedule")
)

# --- domain rules (defaults from RULES.md; each app's rules.py reads these) -----------------------
CORE_CALENDAR_WARN_FROM = env("CORE_CALENDAR_WARN_FROM", "12-01")  # month-day after which next year is due

# --- personal ID numbers (core/identity.py): AES-GCM key and look-up HMAC key, base64 of 32 bytes each ----
PII_ENCRYPTION_KEY = env("PII_ENCRYPTION_KEY", "")
PII_HMAC_KEY = env("PII_HMAC_KEY", "")
# --- sealed bids (procurement/sealing.py): wraps each tender's data key; base64 of 32 bytes. Back it up
# apart from the database: losing it means every unopened tender must be run again.
BID_MASTER_KEY = env("BID_MASTER_KEY", "")
BID_UPLOAD_MAX_BYTES = env_int("BID_UPLOAD_MAX_BYTES", 30 * 1024 * 1024)  # one bid's files, in total
# Signs bid receipts (procurement/tendering/receipts.py, HMAC-SHA256): any secret string of 32+ characters.
# Empty: derived from SECRET_KEY for this one purpose (HKDF), and old receipts still verify after a
# SECRET_KEY rotation while the old value is in SECRET_KEY_FALLBACKS. Back it up with the other keys.
BID_RECEIPT_KEY = env("BID_RECEIPT_KEY", "")
# Survey links (procurement/contracts/models/performance.py): only HMAC-SHA256(key, token) is stored.
# Empty: a key derived from SECRET_KEY for this one purpose (links handed out before a SECRET_KEY
# rotation still answer while the old value is in SECRET_KEY_FALLBACKS). Changing it voids open links.
SURVEY_TOKEN_HMAC_KEY = env("SURVEY_TOKEN_HMAC_KEY", "")
NOTIFY_DAILY_CAP = env_int("NOTIFY_DAILY_CAP", 20)  # emails per user per day; in-app rows are not capped
DOCUMENT_MAX_BYTES = env_int("DOCUMENT_MAX_BYTES", 20 * 1024 * 1024)  # largest private document upload

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}, "django_tasks": {"level": "WARNING"}},
}

# Which settings module is active; seed_demo refuses to run under "prod".
SETTINGS_KIND = "base"
DEMO_PASSWORD = env("DEMO_PASSWORD", "Demo-2026-pass")
# `manage.py seed_demo` runs these in order (each idempotent): what a seeder needs runs before it.
DEMO_SEEDERS = [
    "core.demo.seed",
    "accounts.demo.seed",
    "orgs.demo.seed",
    "procurement.planning.demo.seed",
    "procurement.tendering.demo.seed",
    "procurement.evaluation.demo.seed",
    "procurement.contracts.demo.seed",
    "cms.demo.seed",
    # After cms: its workflow publishes a call, and the day's light snapshot should see it.
    "procurement.supervision.demo.seed",
    "volunteers.demo.seed",
    "volunteers.demo_contracted.seed",
    "volunteers.demo_referrals.seed",
]
