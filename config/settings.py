"""One env-driven settings module. With no environment set it runs embedded: SQLite and a file broker under var/."""

from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

from .env import env_bool, env_int, env_list, env_str, secret_from_env_or_file

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env_str("ATTESTA_VAR_DIR") or BASE_DIR / "var")
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = secret_from_env_or_file("SECRET_KEY", VAR_DIR / "secret_key")
# The key of the audit chain's HMAC (core/audit.py): never in the database, so whoever can write the audit table
# still cannot write a chain that verifies. Env, *_FILE, or generated once under var/ like SECRET_KEY.
AUDIT_HMAC_KEY = secret_from_env_or_file("AUDIT_HMAC_KEY", VAR_DIR / "audit_hmac_key")
# The chain head (count and hash) outside the database, written by `verify_audit` and compared on every verify:
# events missing at the end, or all of them, are found even where the table was emptied.
AUDIT_CHECKPOINT_FILE = Path(env_str("AUDIT_CHECKPOINT_FILE") or VAR_DIR / "audit_checkpoint.json")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_fsm",
    "guardian",
    "django_celery_beat",
    "ninja",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "core",
    "accounts",
    "systems_registry",
    "approvals",
    "checklists",
    "inspections",
    "notifications",
    "reporting",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "core.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.middleware.RequestContextMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "accounts.middleware.TwoFactorRequiredMiddleware",
    "accounts.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "notifications.context_processors.bell",
                "reporting.context_processors.nav",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        # A URL holding a password may come from a file instead (DATABASE_URL_FILE), like the other secrets.
        env_str("DATABASE_URL")
        or (secret_from_env_or_file("DATABASE_URL", None) if env_str("DATABASE_URL_FILE") else None)
        or f"sqlite:///{VAR_DIR / 'attesta.sqlite3'}",
        # Persistent connections by default: opening a PostgreSQL connection cost ~10 ms of every request (each
        # gunicorn worker serves one request at a time, so one kept connection per worker is its whole pool; a
        # broken one is replaced at the next request, CONN_HEALTH_CHECKS). 0 closes it after every request.
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 600),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Concurrent readers while the worker writes; a writer waits instead of failing at once. WAL with
    # synchronous=NORMAL syncs the log at checkpoints, not at every commit: a commit cost ~20 ms of fsync, three of
    # them most of a small export's time (docs/benchmarks.md). A power cut can lose the last commits, never the
    # database's consistency: the embedded default is for a single machine and demos, production runs PostgreSQL.
    DATABASES["default"].setdefault("OPTIONS", {}).update({
        "timeout": 20, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    })  # fmt: skip
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env_bool("DATABASE_PREPARED_STATEMENTS", True):
    # Prepared statements by default: with server-side binding psycopg prepares a statement on a kept connection at
    # its 5th run, and PostgreSQL stops planning it again. Planning the visibility UNION was most of a system
    # detail's SQL time (docs/benchmarks.md, "HTTP throughput"). Behind PgBouncer in transaction mode either give
    # PgBouncer max_prepared_statements (1.21 and later) or set DATABASE_PREPARED_STATEMENTS=0.
    DATABASES["default"].setdefault("OPTIONS", {}).update({"server_side_binding": True, "prepare_threshold": 5})
if env_str("TEST_DATABASE_NAME"):
    DATABASES["default"]["TEST"] = {"NAME": env_str("TEST_DATABASE_NAME")}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "guardian.backends.ObjectPermissionBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# guardian: explicit grants only; never let a global permission stand in for an object one.
ANONYMOUS_USER_NAME = None
GUARDIAN_RAISE_403 = False
GUARDIAN_AUTO_PREFETCH = False

LANGUAGE_CODE = "vi"
LANGUAGES = [("vi", _("Vietnamese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
FORMAT_MODULE_PATH = ["config.formats"]  # dd/mm/yyyy in Vietnamese
TIME_ZONE = "Asia/Ho_Chi_Minh"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env_str("STATIC_ROOT") or BASE_DIR / "staticfiles")
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATIC_MANIFEST = env_bool("STATIC_MANIFEST", False)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(env_str("MEDIA_ROOT") or VAR_DIR / "media")
# Uploaded dossiers, evidence and exports go through default_storage: local files under MEDIA_ROOT, or an
# S3-compatible bucket (`pip install .[s3]`). Never under a public URL: files are served only through
# permission-checked views (S3 objects are private, fetched by the app).
STORAGE_BACKEND = env_str("STORAGE_BACKEND") or "local"
if STORAGE_BACKEND == "local":
    _default_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"base_url": None}}
elif STORAGE_BACKEND == "s3":
    if not env_str("AWS_STORAGE_BUCKET_NAME"):
        raise ImproperlyConfigured("STORAGE_BACKEND=s3 needs AWS_STORAGE_BUCKET_NAME")
    _default_storage = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": env_str("AWS_STORAGE_BUCKET_NAME"), "endpoint_url": env_str("AWS_S3_ENDPOINT_URL") or None,
        "region_name": env_str("AWS_S3_REGION_NAME") or None, "default_acl": None, "querystring_auth": True,
        "file_overwrite": False, "location": env_str("AWS_LOCATION") or "",
    }}  # fmt: skip
    # Without keys boto3 falls back to its own chain (instance role, ~/.aws); keys come from env or *_FILE.
    for _name, _option in (("AWS_ACCESS_KEY_ID", "access_key"), ("AWS_SECRET_ACCESS_KEY", "secret_key")):
        if env_str(_name) or env_str(f"{_name}_FILE"):
            _default_storage["OPTIONS"][_option] = secret_from_env_or_file(_name, None)
else:
    raise ImproperlyConfigured(f"STORAGE_BACKEND must be 'local' or 's3', got {STORAGE_BACKEND!r}")
STORAGES = {
    "default": _default_storage,
    # The hashed manifest needs `collectstatic`; production turns it on (docs/deploy.md), the embedded default
    # serves straight from the source folders.
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"
        if STATIC_MANIFEST
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = not STATIC_MANIFEST

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = env_int("SESSION_COOKIE_AGE", 30 * 60)
SESSION_SAVE_EVERY_REQUEST = True  # inactivity expiry: the clock restarts on every request
# --- security (accounts/security.py, accounts/middleware.py, core/middleware.py, docs/security.md) ---
# ATTESTA_PRODUCTION=1 turns on everything `manage.py check --deploy` asks for (TLS redirect, secure cookies, HSTS);
# each can still be set on its own.
PRODUCTION = env_bool("ATTESTA_PRODUCTION", False)
# Only the production switch (or SECURE_COOKIES itself) makes cookies https-only: a LAN test install on PostgreSQL
# over plain HTTP must still be able to sign in.
SESSION_COOKIE_SECURE = env_bool("SECURE_COOKIES", PRODUCTION)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", PRODUCTION)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 365 * 24 * 3600 if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", PRODUCTION)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", PRODUCTION)
if env_bool("SECURE_PROXY_SSL_HEADER", False):  # only behind a proxy that sets it and strips it from clients
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
LOGIN_LOCKOUT_FAILURES = env_int("LOGIN_LOCKOUT_FAILURES", 5)  # per (username, IP)
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 15 * 60)
OTP_TOTP_ISSUER = "Attesta"
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Probes from the machine itself or the load balancer speak plain HTTP to gunicorn: no redirect to https for them.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]

# Celery: Redis (or any broker URL) when set, otherwise a file broker under var/ that needs no server.
CELERY_BROKER_URL = (
    env_str("CELERY_BROKER_URL")
    or (secret_from_env_or_file("CELERY_BROKER_URL", None) if env_str("CELERY_BROKER_URL_FILE") else None)
    or "filesystem://"
)
BROKER_IS_EMBEDDED = CELERY_BROKER_URL.startswith("filesystem://")
if BROKER_IS_EMBEDDED:
    _broker_dir = VAR_DIR / "broker"
    for sub in ("queue", "processed", "control"):
        (_broker_dir / sub).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # kombu's default is ./control, relative to wherever the worker was started.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
        # kombu's file transport looks for new messages once a second by default, so a small export waited ~1 s
        # in the queue for a job of ~60 ms. Looking every 50 ms is one directory listing per poll for an idle
        # worker (docs/benchmarks.md, "A small export on the embedded default").
        "polling_interval": env_int("CELERY_BROKER_POLL_MS", 50) / 1000,
    }
    # kombu's file transport with atomic writes: a worker polling this often read half-written messages and died.
    CELERY_BROKER_TRANSPORT = "config.file_broker:Transport"
else:
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": env_int("CELERY_VISIBILITY_TIMEOUT", 3600)}
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TASK_IGNORE_RESULT = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_BEAT_SCHEDULE: dict = {}
CELERY_BEAT_SCHEDULE["inspections.scan_inspection_schedule"] = {
    "task": "inspections.tasks.scan_inspection_schedule",
    "schedule": 6 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["approvals.scan_step_deadlines"] = {
    "task": "approvals.tasks.scan_step_deadlines",
    "schedule": 60 * 60,
}
CELERY_BEAT_SCHEDULE["inspections.scan_deadlines"] = {"task": "inspections.tasks.scan_deadlines", "schedule": 60 * 60}
CELERY_BEAT_SCHEDULE["notifications.send_digests"] = {
    "task": "notifications.tasks.send_digests",
    "schedule": 24 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["notifications.requeue_stale"] = {"task": "notifications.tasks.requeue_stale", "schedule": 10 * 60}
CELERY_BEAT_SCHEDULE["reporting.sweep_exports"] = {"task": "reporting.tasks.sweep_exports", "schedule": 60 * 60}
CELERY_BEAT_SCHEDULE["systems_registry.scan_reapproval_deadlines"] = {
    "task": "systems_registry.tasks.scan_reapproval_deadlines",
    "schedule": 6 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["systems_registry.scan_transition_deadlines"] = {
    "task": "systems_registry.tasks.scan_transition_deadlines",
    "schedule": 6 * 60 * 60,
}
CELERY_BEAT_SCHEDULE["reporting.scan_reports"] = {"task": "reporting.tasks.scan_reports", "schedule": 6 * 60 * 60}
CELERY_BEAT_SCHEDULE["systems_registry.sweep_import_reports"] = {
    "task": "systems_registry.tasks.sweep_import_reports",
    "schedule": 60 * 60,
}

# Seeders run in order by `manage.py seed_demo`; each app owns its own demo data.
DEMO_SEEDERS = [
    "accounts.demo.seed",
    "systems_registry.demo.seed",
    "systems_registry.demo.seed_transition_systems",
    "approvals.demo.seed",
    "systems_registry.demo.seed_list_and_transition",
    "checklists.demo.seed",
    "inspections.demo.seed",
    "accounts.demo.seed_emails",
    "approvals.demo.seed_reminders",
    "inspections.demo.seed_reminders",
    "reporting.demo.seed",
]
DEMO_PASSWORD = env_str("DEMO_PASSWORD") or "attesta-demo"
DEMO_TOTP_SECRET = env_str("DEMO_TOTP_SECRET") or "JBSWY3DPEHPK3PXP"

# --- email and notifications (notifications/delivery.py) ---
EMAIL_BACKEND = env_str("EMAIL_BACKEND") or (
    "django.core.mail.backends.filebased.EmailBackend" if env_str("EMAIL_FILE_PATH")
    else "django.core.mail.backends.smtp.EmailBackend" if env_str("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend"
)  # fmt: skip
EMAIL_FILE_PATH = env_str("EMAIL_FILE_PATH") or str(VAR_DIR / "mail")
EMAIL_HOST = env_str("EMAIL_HOST") or "localhost"
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER") or ""
EMAIL_HOST_PASSWORD = secret_from_env_or_file("EMAIL_HOST_PASSWORD", None) if env_str("EMAIL_HOST_USER") else ""
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 30)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL") or "Attesta <no-reply@attesta.localhost>"
SITE_URL = env_str("SITE_URL") or "http://127.0.0.1:8000"  # absolute links in emails
# Days an operating system whose level moved away from its approval has to submit the new dossier (issue 15).
REAPPROVAL_DEADLINE_DAYS = env_int("REAPPROVAL_DEADLINE_DAYS", 30)
NOTIFICATION_LEASE_SECONDS = env_int("NOTIFICATION_LEASE_SECONDS", 300)  # keep below CELERY_VISIBILITY_TIMEOUT
NOTIFICATION_SEND_DELAY_SECONDS = env_int("NOTIFICATION_SEND_DELAY_SECONDS", 0)  # test hook only
NOTIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATION_MAX_ATTEMPTS", 5)
NOTIFICATION_RETRY_BASE_SECONDS = env_int("NOTIFICATION_RETRY_BASE_SECONDS", 10)
NOTIFICATION_RETRY_MAX_SECONDS = env_int("NOTIFICATION_RETRY_MAX_SECONDS", 300)

API_TOKEN_TTL_HOURS = env_int("API_TOKEN_TTL_HOURS", 12)
UPLOAD_MAX_BYTES = env_int("UPLOAD_MAX_BYTES", 50 * 1024 * 1024)
# Statutory documents (docs/statutory-documents.md): the CA certificates a signed form's chain must end in (one PEM
# or DER file each), and how far a signer's clock may run ahead of ours.
STATUTORY_TRUST_STORE_DIR = Path(env_str("STATUTORY_TRUST_STORE_DIR") or VAR_DIR / "trust-store")
STATUTORY_CLOCK_SKEW = timedelta(minutes=env_int("STATUTORY_CLOCK_SKEW_MINUTES", 10))
# Spreadsheet imports are opened and parsed, so their cap is lower than for stored documents.
SPREADSHEET_MAX_UPLOAD_BYTES = env_int("SPREADSHEET_MAX_UPLOAD_BYTES", 20 * 1024 * 1024)
EXPORT_RETENTION_HOURS = env_int("EXPORT_RETENTION_HOURS", 72)
# The marked copy of a refused registry import (systems_registry/import_reports.py), swept hourly after this.
IMPORT_REPORT_RETENTION_HOURS = env_int("IMPORT_REPORT_RETENTION_HOURS", 72)
# A registry import larger than this is refused before its rows are read (a province's registry is far smaller).
REGISTRY_IMPORT_MAX_ROWS = env_int("REGISTRY_IMPORT_MAX_ROWS", 20_000)
REGISTRY_IMPORT_MAX_COLUMNS = env_int("REGISTRY_IMPORT_MAX_COLUMNS", 100)
# The marked copies of refused imports one user may keep at once (bytes); the oldest go first to make room.
IMPORT_REPORT_QUOTA_BYTES = env_int("IMPORT_REPORT_QUOTA_BYTES", 50 * 1024 * 1024)
# A running export renews its lease every chunk; a lease older than this means its worker died (claimed again).
EXPORT_LEASE_SECONDS = env_int("EXPORT_LEASE_SECONDS", 600)
EXPORT_ROW_DELAY_SECONDS = env_int("EXPORT_ROW_DELAY_SECONDS", 0)  # test hook: pause per chunk; leave at 0
# An inspection workbook of at most this many rows (results, findings and evidence) is written inside the request that
# asks for it: the job is done when POST /exports answers. Larger ones, and every other kind, go to the worker with
# their progress. On by default with the embedded file broker only, where a job waits for the worker's next look at
# the queue; a real broker hands it over in a millisecond or two, and the web process's time is better kept for pages.
# 0: every export goes to the worker (docs/benchmarks.md, "A small export on the embedded default").
EXPORT_INLINE_MAX_ROWS = env_int("EXPORT_INLINE_MAX_ROWS", 500 if BROKER_IS_EMBEDDED else 0)
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

NINJA_PAGINATION_MAX_PER_PAGE_SIZE = 500

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL") or "INFO"},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
