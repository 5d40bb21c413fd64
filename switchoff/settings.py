"""Django settings for switchoff.

Every setting that differs between a laptop and production comes from the
environment. The defaults are safe and embedded (SQLite and files under
``var/``, console e-mail, Huey on SQLite), so a fresh clone runs with no
services. ``SWITCHOFF_ENV=production`` makes the production variables
required and turns on the secure-transport settings.
"""

from __future__ import annotations

import ipaddress
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from switchoff.lib.env import env_bool, env_float, env_int, env_list, env_str
from switchoff.lib.s3config import s3_storages
from switchoff.ops.logs import logging_config

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("SWITCHOFF_VAR_DIR", str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

ENVIRONMENT = env_str("SWITCHOFF_ENV", "development")
if ENVIRONMENT not in {"development", "production", "test"}:
    raise ImproperlyConfigured(f"SWITCHOFF_ENV={ENVIRONMENT!r}: use development, production or test.")
PRODUCTION = ENVIRONMENT == "production"

DEBUG = env_bool("DEBUG", not PRODUCTION)
SECRET_KEY = env_str("SECRET_KEY", "dev-only-insecure-key-change-me", required=PRODUCTION)
if PRODUCTION and len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be at least 50 random characters in production.")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"], required=PRODUCTION)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "switchoff.people",
    "switchoff.units",
    "switchoff.counts",
    "switchoff.jobs",
    "switchoff.audit",
    "switchoff.campaigns",
    "switchoff.reports",
    "switchoff.subscribers",
    "switchoff.devices",
    "switchoff.fieldwork",
    "switchoff.banners",
    "switchoff.library",
    "switchoff.sms",
    "switchoff.fieldapp",
    "switchoff.programmes",
    "switchoff.shops",
    "switchoff.privacy",
    "switchoff.dashboard",
    "switchoff.maps",
    "switchoff.web",
    "switchoff.demo",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "huey.contrib.djhuey",
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After WhiteNoise (static files come compressed from collectstatic), before anything that reads the body.
    "switchoff.web.compression.FieldGZipMiddleware",
    "csp.middleware.CSPMiddleware",
    "switchoff.web.middleware.NoStoreMiddleware",
    "switchoff.web.middleware.RefuseNulMiddleware",
    "switchoff.lib.request_context.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "switchoff.people.middleware.UserLanguageMiddleware",
    "switchoff.people.middleware.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "switchoff.urls"
WSGI_APPLICATION = "switchoff.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "switchoff.web.context.navigation",
            ],
        },
    },
]

DATABASE_URL = env_str("DATABASE_URL", f"sqlite:///{VAR_DIR / 'switchoff.sqlite3'}", required=PRODUCTION)
try:
    DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=env_int("DB_CONN_MAX_AGE", 60))}
except ValueError as exc:
    raise ImproperlyConfigured(f"DATABASE_URL is malformed: {exc}") from None
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web process read while the worker writes; the timeout waits
    # for a writer instead of failing at once with "database is locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = ["switchoff.people.auth.UsernameOrPhoneBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "people:login"
LOGIN_REDIRECT_URL = "web:home"
LOGOUT_REDIRECT_URL = "people:login"

# Failed logins, counted over a sliding window (people/throttle.py): an
# account refuses a client address after LOGIN_FAILURE_LIMIT_ACCOUNT failures
# from it; a client address is refused after LOGIN_FAILURE_LIMIT_IP failures
# on any accounts; an account takes LOGIN_FAILURE_LIMIT_NEW_DEVICES failures
# from browsers that never logged into it, after which only the browsers that
# did (a signed cookie) are checked until the window has passed.
LOGIN_FAILURE_LIMIT_ACCOUNT = env_int("LOGIN_FAILURE_LIMIT_ACCOUNT", 5)
LOGIN_FAILURE_LIMIT_IP = env_int("LOGIN_FAILURE_LIMIT_IP", 20)
LOGIN_FAILURE_LIMIT_NEW_DEVICES = env_int("LOGIN_FAILURE_LIMIT_NEW_DEVICES", 10)
LOGIN_FAILURE_WINDOW_S = env_int("LOGIN_FAILURE_WINDOW_S", 15 * 60)
LOGIN_DEVICE_COOKIE_DAYS = env_int("LOGIN_DEVICE_COOKIE_DAYS", 180)
# The reverse proxies whose X-Forwarded-For is believed (addresses or CIDRs,
# comma-separated). Empty: the client is REMOTE_ADDR, whatever the headers say.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", [])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"TRUSTED_PROXIES: {_proxy!r} is not an IP address or network (e.g. 127.0.0.1 or 10.0.0.0/8)."
        ) from None
# API tokens stop working this many days after they were made.
API_TOKEN_DAYS = env_int("API_TOKEN_DAYS", 90)
# A phone signed in for field work stays signed in this long (revoked sooner by its team leader).
FIELD_DEVICE_DAYS = env_int("FIELD_DEVICE_DAYS", 365)
# The field app's sync token: older than this, the phone downloads its whole list again (412); a sync sends
# again what changed in the margin before its token's time (a transaction still open then is not missed).
FIELD_SYNC_TOKEN_DAYS = env_int("FIELD_SYNC_TOKEN_DAYS", 7)
FIELD_SYNC_MARGIN_S = env_int("FIELD_SYNC_MARGIN_S", 300)
# The field app retries unsent work by itself: the first wait after a failure, doubled up to the longest
# (with jitter), in seconds.
FIELD_RETRY_FIRST_S = env_int("FIELD_RETRY_FIRST_S", 15)
FIELD_RETRY_MAX_S = env_int("FIELD_RETRY_MAX_S", 300)
# Searches by a full phone number disclose whether (and where) that number is listed: each is
# logged like a reveal, and a person may make this many a minute (a mask leaves 10,000 candidates).
NUMBER_SEARCH_LIMIT_PER_MIN = env_int("NUMBER_SEARCH_LIMIT_PER_MIN", 30)
# Checks of the public device page one client address may make in a minute (behind TRUSTED_PROXIES).
DEVICE_CHECK_LIMIT_PER_MIN = env_int("DEVICE_CHECK_LIMIT_PER_MIN", 30)
# The audit page points out people with more searches by full number than this in 24 hours.
NUMBER_SEARCH_UNUSUAL_PER_DAY = env_int("NUMBER_SEARCH_UNUSUAL_PER_DAY", 100)
# Personal data of a campaign is erased this many months after its end (the coordinator chooses within the limits),
# and its coordinators are told this many days before.
RETENTION_MONTHS_DEFAULT = env_int("RETENTION_MONTHS_DEFAULT", 12)
RETENTION_MONTHS_MIN = env_int("RETENTION_MONTHS_MIN", 1)
RETENTION_MONTHS_MAX = env_int("RETENTION_MONTHS_MAX", 36)
RETENTION_WARNING_DAYS = env_int("RETENTION_WARNING_DAYS", 14)
# The disclosure log (who saw which number) is kept in full this many months, then rolled up by person and month;
# the audit trail is kept this many months.
NUMBER_VIEW_KEEP_MONTHS = env_int("NUMBER_VIEW_KEEP_MONTHS", 24)
AUDIT_KEEP_MONTHS = env_int("AUDIT_KEEP_MONTHS", 60)
INVITATION_VALID_DAYS = env_int("INVITATION_VALID_DAYS", 7)
# Units are reminded this many days before a report is due.
REMINDER_DAYS_BEFORE = env_int("REMINDER_DAYS_BEFORE", 3)
# Roles that must use two-factor authentication (see people/roles.py).
TWO_FACTOR_ENFORCED = env_bool("TWO_FACTOR_ENFORCED", True)
OTP_TOTP_ISSUER = "switchoff"
# An operator's list that would mark more than this share of its subscribers in the area
# as left is held until a person confirms it (the API needs allow_mass_leave=true).
REGISTRY_MASS_LEAVE_SHARE = env_float("REGISTRY_MASS_LEAVE_SHARE", 0.30, minimum=0.0, maximum=1.0)

SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 8 * 60 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "switchoff.web.errors.csrf_failure"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 31536000 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", PRODUCTION) else None
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy: no inline scripts, no third-party origins. Every
# asset is served from this server because offices and villages are often
# offline.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "form-action": ["'self'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "switchoff" / "locale"]
USE_I18N = True
USE_TZ = True
TIME_ZONE = "Asia/Ho_Chi_Minh"
FORMAT_MODULE_PATH = ["switchoff.formats"]

STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
STATIC_ROOT.mkdir(exist_ok=True)
STATICFILES_DIRS = [
    BASE_DIR / "switchoff" / "static",
    ("vendor", BASE_DIR / "node_modules" / "htmx.org" / "dist"),
    # The field app, built by `npm run build` (switchoff/fieldapp/frontend/build.mjs).
    ("field", BASE_DIR / "build" / "field"),
    # The dashboard's charts: Apache ECharts (SVG renderer) bundled by switchoff/dashboard/frontend/build.mjs.
    ("dashboard", BASE_DIR / "build" / "dashboard"),
]
# Cached for good by browsers: names with a hash of their content, those of collectstatic's manifest (12 hex
# digits) and the field app's own (8 characters, from esbuild: build.mjs), which its shell and service worker use.
WHITENOISE_IMMUTABLE_FILE_TEST = r"(\.[0-9a-f]{12}\.[^/.]+$)|(^/static/field/[^/]+\.[A-Z0-9]{8}\.(js|css)$)"
MEDIA_ROOT = VAR_DIR / "uploads"
MEDIA_URL = "/media/"
STORAGES: dict[str, dict[str, Any]] = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if PRODUCTION
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}

REDIS_URL = env_str("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": REDIS_URL,
            # An unreachable Redis fails a page (and the health check) within seconds instead of hanging it.
            "OPTIONS": {"socket_connect_timeout": 2, "socket_timeout": 5},
        }
    }
else:
    # A file cache is shared by the web process and the worker, which the
    # login throttle needs; the in-memory cache would not be.
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(VAR_DIR / "cache"),
        }
    }

HUEY_IMMEDIATE = env_bool("HUEY_IMMEDIATE", False)
if REDIS_URL:
    HUEY = {
        "huey_class": "huey.RedisHuey",
        "name": "switchoff",
        "url": REDIS_URL,
        "immediate": HUEY_IMMEDIATE,
    }
else:
    HUEY = {
        "huey_class": "huey.SqliteHuey",
        "name": "switchoff",
        "filename": str(VAR_DIR / "huey.sqlite3"),
        "immediate": HUEY_IMMEDIATE,
    }

# Limits on uploaded files, checked before any work (switchoff/lib/filelimits.py). Operators'
# lists can be national (an 18-million-row CSV is imported with the command, which has no
# upload); the villages workbook and the activity sheet are small.
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 200 * 1024 * 1024)
WORKBOOK_UPLOAD_MAX_BYTES = env_int("WORKBOOK_UPLOAD_MAX_BYTES", 10 * 1024 * 1024)
XLSX_MAX_UNCOMPRESSED_BYTES = env_int("XLSX_MAX_UNCOMPRESSED_BYTES", 1024 * 1024 * 1024)
XLSX_MAX_RATIO = env_int("XLSX_MAX_RATIO", 100)
SHEET_MAX_ROWS = env_int("SHEET_MAX_ROWS", 20_000_000)
WORKBOOK_MAX_ROWS = env_int("WORKBOOK_MAX_ROWS", 10_000)
SHEET_MAX_COLUMNS = env_int("SHEET_MAX_COLUMNS", 100)
FIELD_MAX_CHARS = env_int("FIELD_MAX_CHARS", 10_000)
# A workbook's sheet from A1 to its last cell (a reader allocates the whole grid, 40 bytes a cell): a
# million rows of 30 columns. A workbook is first read in a child process whose address space is limited
# to FILE_READER_MAX_BYTES, so that a file needing more ends that child, not the web or worker process.
SHEET_MAX_CELLS = env_int("SHEET_MAX_CELLS", 32_000_000)
FILE_READER_MAX_BYTES = env_int("FILE_READER_MAX_BYTES", 3 * 1024 * 1024 * 1024)
# The device check's bulk file is read and answered within the request: rows (header included) and size.
DEVICE_BULK_MAX_ROWS = env_int("DEVICE_BULK_MAX_ROWS", 100_000)
DEVICE_BULK_UPLOAD_MAX_BYTES = env_int("DEVICE_BULK_UPLOAD_MAX_BYTES", 20 * 1024 * 1024)
# A background import running longer than this is shown as stalled (and stops itself).
IMPORT_JOB_TIMEOUT_S = env_int("IMPORT_JOB_TIMEOUT_S", 3 * 3600)
# A long job's lease (switchoff/jobs/lease.py): extended every third of it while its worker lives; once lapsed,
# every worker's reaper (each JOB_REAP_EVERY_S) queues the job again, up to JOB_MAX_ATTEMPTS runs.
JOB_LEASE_S = env_int("JOB_LEASE_S", 60)
JOB_REAP_EVERY_S = env_int("JOB_REAP_EVERY_S", 30)
JOB_MAX_ATTEMPTS = env_int("JOB_MAX_ATTEMPTS", 3)
# The counters are squashed every this many minutes (a divisor of 60), by the scheduler (run_scheduler).
SQUASH_EVERY_MIN = env_int("SQUASH_EVERY_MIN", 5)
# Uploaded lists and what their checks saved beside them (checks, cleaned rows, problems) are removed this
# long after they were written, by the periodic job in switchoff/schedule.py.
UPLOAD_KEEP_HOURS = env_int("UPLOAD_KEEP_HOURS", 7 * 24)
# Photos of visits (taken only with the person's consent): the largest file accepted as sent, the longest side
# and the pixels of the image inside it, how many per visit. They are kept re-encoded as JPEG in a private folder
# that no URL serves: the case page shows them through a view that checks access and logs each view.
FIELD_PHOTO_MAX_BYTES = env_int("FIELD_PHOTO_MAX_BYTES", 8 * 1024 * 1024)
FIELD_PHOTO_MAX_SIDE = env_int("FIELD_PHOTO_MAX_SIDE", 1280)
# The pixels decoded: the app sends at most 1280 px a side; a camera's JPEG sent by the page's form is
# decoded at a reduced scale (1/2 to 1/8) to under twice 1280 px a side, so four times 1280 × 1280 is
# every real photo. Their bytes decoded (pixels × bytes per pixel) are bounded too: a PNG or WebP of
# 7000 × 7000 weighs a few KB and would decode to 200 MB (1.3 GB at 16 bits a channel).
FIELD_PHOTO_MAX_PIXELS = env_int("FIELD_PHOTO_MAX_PIXELS", 4 * 1280 * 1280)
FIELD_PHOTO_MAX_DECODED_BYTES = env_int("FIELD_PHOTO_MAX_DECODED_BYTES", 4 * 4 * 1280 * 1280)
FIELD_PHOTOS_PER_VISIT = env_int("FIELD_PHOTOS_PER_VISIT", 3)
FIELD_PHOTO_DIR = Path(env_str("SWITCHOFF_FIELD_PHOTO_DIR", str(VAR_DIR / "private" / "photos")))

EMAIL_BACKEND = env_str("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = env_str("EMAIL_HOST", "localhost")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "switchoff <noreply@localhost>")

# Demo-only conveniences (printing a TOTP code for the demo accounts) are off
# unless this is set; `make run` sets it.
DEMO_REQUESTED = env_bool("SWITCHOFF_DEMO", False)
DEMO_MODE = DEMO_REQUESTED and not PRODUCTION

# The registry's page index carries search_name as a non-key column on PostgreSQL; SQLite,
# the embedded default, simply has the index without it (subscribers.models).
SILENCED_SYSTEM_CHECKS = ["models.W040"]


# ---------------------------------------------------------------------------------------------------------------
# Operations (issue 24): running on several machines. Health, logs, metrics, errors, time limits on the database.
# ---------------------------------------------------------------------------------------------------------------

# Shared services. In production every app server and worker must share the cache (login throttle, job progress,
# workers' heartbeats) and the queue: a file cache and an SQLite queue under SWITCHOFF_VAR_DIR are one machine's.
# A deployment that is one machine says so with SWITCHOFF_SINGLE_MACHINE=1.
SINGLE_MACHINE = env_bool("SWITCHOFF_SINGLE_MACHINE", False)
# The S3-compatible bucket of the named storages (below, after the photos' folder): none, the folders.
STORAGE_S3_BUCKET = env_str("STORAGE_S3_BUCKET", "")
if PRODUCTION and not SINGLE_MACHINE:
    # What several machines need, each with the variable that provides it.
    _missing_shared = [
        name for name, value in [("REDIS_URL", REDIS_URL), ("STORAGE_S3_BUCKET", STORAGE_S3_BUCKET)] if not value
    ]
    if _missing_shared:
        raise ImproperlyConfigured(
            f"{' and '.join(_missing_shared)} {'is' if len(_missing_shared) == 1 else 'are'} required in production "
            "(SWITCHOFF_ENV=production): app servers and workers on several machines share the cache and the "
            "queue through Redis, and the files through an S3-compatible bucket. If this deployment is one machine "
            "only, set SWITCHOFF_SINGLE_MACHINE=1 to keep them in files under SWITCHOFF_VAR_DIR."
        )

# Connections that last. One kept between requests (DB_CONN_MAX_AGE) is checked before it is reused, so a
# database that dropped its sessions (a restart, a fail-over) costs no request a 500. On PostgreSQL, TCP
# keepalives notice a peer gone behind a firewall, and every connection starts with the web's time limits:
# a statement past DB_STATEMENT_TIMEOUT_MS (below gunicorn's 30 s) or a lock not had within DB_LOCK_TIMEOUT_MS
# ends in a clear 503 instead of a hang (switchoff.ops.requests). Jobs take the longer DB_JOB_* limits inside
# switchoff.lib.db.long_running(); 0 means no limit.
DB_STATEMENT_TIMEOUT_MS = env_int("DB_STATEMENT_TIMEOUT_MS", 25_000)
DB_LOCK_TIMEOUT_MS = env_int("DB_LOCK_TIMEOUT_MS", 5_000)
DB_JOB_STATEMENT_TIMEOUT_MS = env_int("DB_JOB_STATEMENT_TIMEOUT_MS", IMPORT_JOB_TIMEOUT_S * 1000)
DB_JOB_LOCK_TIMEOUT_MS = env_int("DB_JOB_LOCK_TIMEOUT_MS", IMPORT_JOB_TIMEOUT_S * 1000)
DB_CONNECT_TIMEOUT_S = env_int("DB_CONNECT_TIMEOUT_S", 5)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["OPTIONS"] = {
        **DATABASES["default"].get("OPTIONS", {}),
        "connect_timeout": DB_CONNECT_TIMEOUT_S,
        "keepalives": 1,
        "keepalives_idle": env_int("DB_KEEPALIVES_IDLE_S", 60),
        "keepalives_interval": 10,
        "keepalives_count": 3,
        "options": f"-c statement_timeout={DB_STATEMENT_TIMEOUT_MS} -c lock_timeout={DB_LOCK_TIMEOUT_MS}",
    }
# The same backends, counting queries, their time and errors for /metrics (django-prometheus).
for _vendor in ("postgresql", "sqlite3"):
    if DATABASES["default"]["ENGINE"] == f"django.db.backends.{_vendor}":
        DATABASES["default"]["ENGINE"] = f"django_prometheus.db.backends.{_vendor}"
# Files: every one through a named storage (switchoff/lib/storage.py), so that any machine reads what another
# wrote. "default": activity evidence; "uploads": files kept between a check and its confirmation (lists, villages
# workbooks, activity sheets, device tables) with the checks, cleaned rows and problems saved beside them;
# "photos": visits' photos, "banners": banners' photos, "library": the content library, served by no URL. Folders
# under SWITCHOFF_VAR_DIR by default (one machine); with STORAGE_S3_BUCKET, one S3-compatible bucket (MinIO,
# Garage, SeaweedFS, AWS S3...) with a prefix per storage.
if STORAGE_S3_BUCKET:
    STORAGES.update(
        s3_storages(
            bucket=STORAGE_S3_BUCKET,
            endpoint_url=env_str("STORAGE_S3_ENDPOINT_URL", ""),
            access_key=env_str("STORAGE_S3_ACCESS_KEY", ""),
            secret_key=env_str("STORAGE_S3_SECRET_KEY", ""),
            region=env_str("STORAGE_S3_REGION", ""),
            addressing_style=env_str("STORAGE_S3_ADDRESSING_STYLE", "path"),
        )
    )
else:
    STORAGES["uploads"] = {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": str(VAR_DIR / "imports"), "allow_overwrite": True},
    }
    STORAGES["photos"] = {
        "BACKEND": "switchoff.lib.storage.PrivateStorage",
        "OPTIONS": {"location": str(FIELD_PHOTO_DIR), "allow_overwrite": True},
    }
    # Photos of banners hung (switchoff/banners) and the campaign's content library (switchoff/library): private
    # too, each apart (the visits' photos' sweep of orphans knows only its own rows).
    for _alias in ("banners", "library"):
        STORAGES[_alias] = {
            "BACKEND": "switchoff.lib.storage.PrivateStorage",
            "OPTIONS": {"location": str(VAR_DIR / "private" / _alias), "allow_overwrite": True},
        }
# Words (Vietnamese syllables) a minute read on the loudspeakers at a normal broadcast pace.
LIBRARY_READING_WPM = env_int("LIBRARY_READING_WPM", 160)
LIBRARY_UPLOAD_MAX_BYTES = env_int("LIBRARY_UPLOAD_MAX_BYTES", 100 * 1024 * 1024)
# A subscriber's reply that stops every later SMS to them (switchoff/sms).
SMS_OPT_OUT_KEYWORD = env_str("SMS_OPT_OUT_KEYWORD", "TC")
# An operator's SMSC over SMPP 3.4 (switchoff/sms/smpp.py; README "Text messages"). SMSC_OPERATORS lists the operator
# branches (their unit ids, shown in the SMS page's address) that send through their SMSC; each reads SMSC_<id>_HOST,
# _PORT, _SYSTEM_ID, _PASSWORD, _SOURCE (the sender shown on the phones), _TPS (messages a second, 0 = no limit)
# and _WINDOW (submits awaiting their answer). An operator not listed sends through the "log" channel: recorded,
# never sent.
SMS_SMSC: dict[int, dict[str, object]] = {
    int(_op): {
        "host": env_str(f"SMSC_{_op}_HOST", required=True),
        "port": env_int(f"SMSC_{_op}_PORT", 2775),
        "system_id": env_str(f"SMSC_{_op}_SYSTEM_ID", required=True),
        "password": env_str(f"SMSC_{_op}_PASSWORD", required=True),
        "source": env_str(f"SMSC_{_op}_SOURCE", ""),
        "tps": env_int(f"SMSC_{_op}_TPS", 50),
        "window": env_int(f"SMSC_{_op}_WINDOW", 50),
    }
    for _op in env_list("SMSC_OPERATORS", [])
}
# How long a sending job waits for the SMSC's answers and, after the last submit, for delivery receipts; how many
# times a message refused with ESME_RTHROTTLED is submitted again (waiting longer each time) before it is failed.
SMS_SMPP_TIMEOUT_S = env_float("SMS_SMPP_TIMEOUT_S", 10.0, minimum=0.1)
SMS_RECEIPT_WAIT_S = env_float("SMS_RECEIPT_WAIT_S", 60.0, minimum=0.0)
# Receipts later than that: the scheduler binds to each SMSC as a receiver every 5 minutes, for this long.
SMS_RECEIPT_LISTEN_S = env_float("SMS_RECEIPT_LISTEN_S", 20.0, minimum=0.0)
SMS_THROTTLE_RETRIES = env_int("SMS_THROTTLE_RETRIES", 8)
SMS_THROTTLE_BACKOFF_S = env_float("SMS_THROTTLE_BACKOFF_S", 0.5, minimum=0.0)
# A container image carries its collected static files outside the var folder (deploy/Dockerfile).
STATIC_ROOT = Path(env_str("SWITCHOFF_STATIC_ROOT", str(STATIC_ROOT)))

INSTALLED_APPS += ["django_prometheus", "switchoff.ops"]
MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    # The request id and the request's log line, around everything else (switchoff/ops/requests.py).
    "switchoff.ops.requests.RequestLogMiddleware",
    *MIDDLEWARE,
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# Logs: one line per event, times in UTC (ISO 8601) for the app, gunicorn and the worker alike, with the
# request id and the user id, never a name or a number. JSON in production, readable lines elsewhere
# (LOG_FORMAT=json or plain overrides).
LOG_FORMAT = env_str("LOG_FORMAT", "json" if PRODUCTION else "plain")
if LOG_FORMAT not in {"json", "plain"}:
    raise ImproperlyConfigured(f"LOG_FORMAT={LOG_FORMAT!r}: use json or plain.")
LOGGING = logging_config(json_lines=LOG_FORMAT == "json", level=env_str("LOG_LEVEL", "INFO"))

# Metrics: /metrics answers Prometheus only with "Authorization: Bearer <METRICS_TOKEN>"; without the variable it
# is off (404). Several gunicorn workers share their counts through PROMETHEUS_MULTIPROC_DIR (read by
# prometheus_client itself). A worker serves its own (the import's rows) on WORKER_METRICS_PORT (0: off).
METRICS_TOKEN = env_str("METRICS_TOKEN", "")
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
WORKER_METRICS_ADDR = env_str("WORKER_METRICS_ADDR", "127.0.0.1")
PROMETHEUS_EXPORT_MIGRATIONS = False

# Errors to Sentry (or a compatible server such as GlitchTip) when SENTRY_DSN is set; nothing otherwise.
SENTRY_DSN = env_str("SENTRY_DSN", "")
if SENTRY_DSN:
    from switchoff.ops.sentry import init_sentry

    init_sentry(
        dsn=SENTRY_DSN,
        environment=env_str("SENTRY_ENVIRONMENT", ENVIRONMENT),
        traces_sample_rate=env_float("SENTRY_TRACES_SAMPLE_RATE", 0.0, minimum=0.0, maximum=1.0),
    )
