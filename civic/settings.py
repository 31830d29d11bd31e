"""Settings for Civic, driven by the environment.

Every value that differs between a laptop, CI and a county's server comes from
an environment variable read by a typed helper that fails loudly on bad input.
"""

import datetime
import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_text(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {value!r}")


def env_integer(name: str, default: int) -> int:
    value = os.environ.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {value!r}") from None


# Where Civic runs: "production" (the default: a county's server), "demo" (`make demo`, on one machine
# over plain HTTP) or "test" (the test suite, see civic/settings_test.py). Outside the demo and the tests,
# Civic refuses to start with DEBUG on or with the repository's SECRET_KEY.
CIVIC_ENV = env_text("CIVIC_ENV", "production")
if CIVIC_ENV not in ("production", "demo", "test"):
    raise ImproperlyConfigured(f"CIVIC_ENV must be production, demo or test, not {CIVIC_ENV!r}")
IN_PRODUCTION = CIVIC_ENV == "production"

REPOSITORY_SECRET_KEY = "civic-demo-only-secret-key-change-me-in-production"


def secret_key_from_file(path: str) -> str:
    """The key kept in a file (CIVIC_SECRET_KEY_FILE), e.g. one readable only by Civic's system user."""
    try:
        key = Path(path).read_text(encoding="utf-8").strip()
    except OSError as error:
        raise ImproperlyConfigured(f"CIVIC_SECRET_KEY_FILE {path} cannot be read: {error.strerror}.") from None
    if len(key) < 50:
        raise ImproperlyConfigured(f"CIVIC_SECRET_KEY_FILE {path} holds no key of at least 50 characters.")
    return key


# The key comes from SECRET_KEY, or from the file CIVIC_SECRET_KEY_FILE names (`make serve` makes var/secret_key
# once, with random bytes, readable only by its owner).
SECRET_KEY = env_text("SECRET_KEY", "")
if not SECRET_KEY and (secret_key_file := env_text("CIVIC_SECRET_KEY_FILE", "")):
    SECRET_KEY = secret_key_from_file(secret_key_file)
SECRET_KEY = SECRET_KEY or REPOSITORY_SECRET_KEY
DEBUG = env_flag("DEBUG", False)
if IN_PRODUCTION and DEBUG:
    raise ImproperlyConfigured("DEBUG is on: Civic shows no debug pages in production (CIVIC_ENV=production).")
if IN_PRODUCTION and SECRET_KEY == REPOSITORY_SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is the repository's (published) key: set SECRET_KEY to a long random value of your own."
    )
ALLOWED_HOSTS = env_text("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

# Plain HTTP is allowed in production only on the machine itself (`make serve`: the server listens on 127.0.0.1,
# behind no proxy): CIVIC_PLAIN_HTTP_ON_LOOPBACK=true is refused unless every allowed host is a loopback name,
# and with it every request from another address is refused (civic.core.loopback). Anything reachable from
# the network goes through a reverse proxy that ends TLS (docs/deploy.md).
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1", "[::1]")
PLAIN_HTTP_ON_LOOPBACK = env_flag("CIVIC_PLAIN_HTTP_ON_LOOPBACK", False)
if PLAIN_HTTP_ON_LOOPBACK and not set(ALLOWED_HOSTS) <= set(LOOPBACK_HOSTS):
    raise ImproperlyConfigured(
        "CIVIC_PLAIN_HTTP_ON_LOOPBACK serves plain HTTP only on this machine: ALLOWED_HOSTS must name only "
        f"{', '.join(LOOPBACK_HOSTS)}, not {','.join(ALLOWED_HOSTS)}."
    )
SECURE_BY_DEFAULT = IN_PRODUCTION and not PLAIN_HTTP_ON_LOOPBACK

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "axes",
    "csp",
    "civic.core",
    "civic.water",
    "civic.dogs",
    "civic.programme",
    "civic.farmland",
    "civic.evaluation",
    "civic.notices",
    "civic.county",
    "civic.demo",
    "civic.api",
    "ninja",
    "django_tasks",
    "django_tasks_db",
]

# Background jobs run on a database-backed queue (django-tasks with its ORM backend): it works on SQLite
# and PostgreSQL without another server, and a worker process (`manage.py run_worker`) runs the jobs, the
# schedule (civic/schedule.py) and the recovery of jobs whose worker died (civic/core/jobs.py).
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
# A job whose worker died mid-job is run again up to this many attempts in all, then marked failed.
CIVIC_JOB_MAX_ATTEMPTS = env_integer("CIVIC_JOB_MAX_ATTEMPTS", 3)
# A running job not heard from for this long, by a worker on another host, is taken for abandoned (a worker on
# the same host is checked by its process id at once). Longer than the longest job's silent write.
CIVIC_JOB_STALE_SECONDS = env_integer("CIVIC_JOB_STALE_SECONDS", 600)
# A readings file uploaded on the import page larger than this (bytes) is imported by a worker, the page
# following the import; smaller ones are imported within the request.
CIVIC_READINGS_QUEUE_BYTES = env_integer("CIVIC_READINGS_QUEUE_BYTES", 2 * 1024 * 1024)
# Run each job within the request that queued it, through the queue, instead of in a worker (the test suite).
CIVIC_JOBS_RUN_AT_ONCE = env_flag("CIVIC_JOBS_RUN_AT_ONCE", False)

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "csp.middleware.CSPMiddleware",
    "axes.middleware.AxesMiddleware",
]
if PLAIN_HTTP_ON_LOOPBACK:
    MIDDLEWARE.insert(0, "civic.core.loopback.LoopbackOnlyMiddleware")

ROOT_URLCONF = "civic.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "civic" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "civic.county.navigation.navigation",
                "civic.notices.context_processors.unread_notices",
            ],
        },
    },
]

WSGI_APPLICATION = "civic.wsgi.application"

DATABASES = {
    "default": dj_database_url.parse(
        env_text("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'civic.sqlite3'}"),
        conn_max_age=60,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Pages and imports write at the same time: readers do not wait for writers (WAL), a writer waits for
    # the lock up to 20 s (busy timeout), and a transaction takes the write lock when it begins (IMMEDIATE),
    # since a transaction that reads first and writes later cannot wait for the lock and fails at once.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }

AUTH_USER_MODEL = "core.User"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Failed sign-ins, on the site and the admin, are throttled by django-axes: after CIVIC_SIGN_IN_FAILURES
# failures for one user name, or from one address, that account or address is locked out for
# CIVIC_SIGN_IN_LOCKOUT_MINUTES (or until `manage.py axes_reset_username NAME` / `axes_reset_ip ADDRESS`).
# The address is the client's (civic.core.client_address): REMOTE_ADDR, or behind CIVIC_TRUSTED_PROXIES reverse
# proxies the address the nearest of them appended to X-Forwarded-For.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_ENABLED = env_flag("CIVIC_SIGN_IN_THROTTLE", True)
AXES_FAILURE_LIMIT = env_integer("CIVIC_SIGN_IN_FAILURES", 5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env_integer("CIVIC_SIGN_IN_LOCKOUT_MINUTES", 15))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]  # each counted on its own: per account and per address
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False
AXES_CLIENT_IP_CALLABLE = "civic.core.client_address.client_address"

# A session ends after CIVIC_SESSION_IDLE_MINUTES without a request (each request starts the time again).
SESSION_COOKIE_AGE = env_integer("CIVIC_SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "civic" / "locale"]
FORMAT_MODULE_PATH = ["civic.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `manage.py collectstatic` gathers the static files here for production; the demo and the tests serve
# them where they are (WHITENOISE_USE_FINDERS below).
STATIC_ROOT = BASE_DIR / "var" / "static" if IN_PRODUCTION else None
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "civic" / "static",
    ("vendor/echarts", NODE_MODULES / "echarts" / "dist"),
    ("vendor/leaflet", NODE_MODULES / "leaflet" / "dist"),
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
]

MEDIA_ROOT = BASE_DIR / "var" / "media"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Where readings import files are kept once accepted (for the audit trail).
CIVIC_COUNTY_NAME = env_text("CIVIC_COUNTY_NAME", "武进区")
# The water-saving office's public telephone, printed on notices to customers (none when empty).
CIVIC_WATER_OFFICE_PHONE = env_text("CIVIC_WATER_OFFICE_PHONE", "")
# The readings store of smart-meter readings (hydro.readings.store); backups include it.
CIVIC_READINGS_STORE = Path(env_text("CIVIC_READINGS_STORE", str(BASE_DIR / "var" / "readings")))
# The dashboard's county totals are worked out at most once in this many seconds on the server (0: always).
CIVIC_DASHBOARD_CACHE_SECONDS = env_integer("CIVIC_DASHBOARD_CACHE_SECONDS", 60 if IN_PRODUCTION else 0)

# The reverse proxies in front of Civic whose X-Forwarded-For entry is believed (civic.core.client_address):
# 1 behind nginx on the same machine (docs/deploy.md), 0 (the default) when clients reach Civic directly. The
# address serves sign-in throttling and the public dog-tag check's limit per address.
CIVIC_TRUSTED_PROXIES = env_integer("CIVIC_TRUSTED_PROXIES", 0)
if CIVIC_TRUSTED_PROXIES < 0:
    raise ImproperlyConfigured(f"CIVIC_TRUSTED_PROXIES must be 0 or more, not {CIVIC_TRUSTED_PROXIES}")

# Django's cache (figures kept a while, civic.core.caching) is shared by all of a server's processes: "database"
# keeps it in Civic's own database, in the table CACHE_TABLE that `manage.py migrate` makes (civic/core
# migration 0008), so it needs no other server; "local" keeps one cache in each process's memory (the tests).
# Rate limits are counted apart from the cache, in the database (civic.core.rates).
CACHE_TABLE = "civic_cache"
CIVIC_CACHE = env_text("CIVIC_CACHE", "local" if CIVIC_ENV == "test" else "database")
CACHE_BACKENDS = {
    "database": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": CACHE_TABLE},
    "local": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
if CIVIC_CACHE not in CACHE_BACKENDS:
    raise ImproperlyConfigured(f"CIVIC_CACHE must be database or local, not {CIVIC_CACHE!r}")
CACHES = {"default": CACHE_BACKENDS[CIVIC_CACHE]}
# The health check (/health/) fails when a job has waited for a worker longer than this: no worker is running.
CIVIC_HEALTH_QUEUE_WAIT_MINUTES = env_integer("CIVIC_HEALTH_QUEUE_WAIT_MINUTES", 15)

# --- Notices: e-mail and SMS ---------------------------------------------------------------------------------

# E-mail goes through Django's e-mail backends: SMTP in production (EMAIL_HOST, EMAIL_PORT, EMAIL_HOST_USER,
# EMAIL_HOST_PASSWORD, EMAIL_USE_TLS from the environment); the demo writes each message to var/outbox/mail.
# SMS goes through CIVIC_SMS_BACKEND (civic.notices.sms; docs/deploy.md says how to plug a gateway in).
OUTBOX = BASE_DIR / "var" / "outbox"
EMAIL_BACKEND = env_text(
    "EMAIL_BACKEND",
    {
        "production": "django.core.mail.backends.smtp.EmailBackend",
        "demo": "django.core.mail.backends.filebased.EmailBackend",
    }.get(CIVIC_ENV, "django.core.mail.backends.locmem.EmailBackend"),
)
EMAIL_FILE_PATH = env_text("EMAIL_FILE_PATH", str(OUTBOX / "mail"))
EMAIL_HOST = env_text("EMAIL_HOST", "localhost")
EMAIL_PORT = env_integer("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_text("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_text("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_flag("EMAIL_USE_TLS", False)
DEFAULT_FROM_EMAIL = env_text("DEFAULT_FROM_EMAIL", "civic@localhost")
CIVIC_SMS_BACKEND = env_text(
    "CIVIC_SMS_BACKEND",
    {"production": "civic.notices.sms.NoSmsGateway", "demo": "civic.notices.sms.FileSmsBackend"}.get(
        CIVIC_ENV, "civic.notices.sms.MemorySmsBackend"
    ),
)
CIVIC_SMS_FILE_PATH = env_text("CIVIC_SMS_FILE_PATH", str(OUTBOX / "sms"))
# The address of the site as its users reach it, for the links in e-mail.
CIVIC_SITE_URL = env_text("CIVIC_SITE_URL", "http://127.0.0.1:8000")
# A message that fails is tried again by each later run of `send_notices`, up to this many attempts in all.
CIVIC_NOTICE_MAX_ATTEMPTS = env_integer("CIVIC_NOTICE_MAX_ATTEMPTS", 5)
# Send e-mail and SMS as soon as the change that causes them commits (the demo); otherwise a worker or
# `manage.py send_notices` (from cron, every few minutes) sends them.
CIVIC_SEND_NOTICES_ON_COMMIT = env_flag("CIVIC_SEND_NOTICES_ON_COMMIT", CIVIC_ENV == "demo")

# --- Security headers and cookies: on by default in production, each settable from the environment ------------

SESSION_COOKIE_SECURE = env_flag("CIVIC_SECURE_COOKIES", SECURE_BY_DEFAULT)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env_flag("CIVIC_SSL_REDIRECT", SECURE_BY_DEFAULT)
SECURE_HSTS_SECONDS = env_integer("CIVIC_HSTS_SECONDS", 365 * 24 * 3600 if SECURE_BY_DEFAULT else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_flag("CIVIC_HSTS_INCLUDE_SUBDOMAINS", SECURE_BY_DEFAULT)
SECURE_HSTS_PRELOAD = env_flag("CIVIC_HSTS_PRELOAD", SECURE_BY_DEFAULT)
# Behind a reverse proxy that ends TLS: CIVIC_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO (the proxy must set it).
if proxy_ssl_header := env_text("CIVIC_PROXY_SSL_HEADER", ""):
    SECURE_PROXY_SSL_HEADER = (proxy_ssl_header, "https")
X_FRAME_OPTIONS = "DENY"

# The Content-Security-Policy header (django-csp): CIVIC_CONTENT_SECURITY_POLICY in the header's own syntax,
# e.g. "default-src 'self'; img-src 'self' data:". The default allows Civic's own files and the pages'
# inline scripts and styles, and nothing from elsewhere.
DEFAULT_CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'"
)


def content_security_policy(header: str) -> dict[str, dict[str, list[str]]]:
    """django-csp's setting from a header value: directives separated by ";", each a name and its sources."""
    directives: dict[str, list[str]] = {}
    for directive in header.split(";"):
        if words := directive.split():
            directives[words[0].lower()] = words[1:]
    return {"DIRECTIVES": directives}


CONTENT_SECURITY_POLICY = content_security_policy(
    env_text("CIVIC_CONTENT_SECURITY_POLICY", DEFAULT_CONTENT_SECURITY_POLICY)
)

# Static files are served by WhiteNoise, with DEBUG off too: in production from STATIC_ROOT (run
# `manage.py collectstatic`), in the demo and the tests straight from the apps and node_modules.
WHITENOISE_USE_FINDERS = not IN_PRODUCTION
if IN_PRODUCTION:
    # collectstatic writes each file under a name holding a hash of its content, with compressed (gzip) copies:
    # WhiteNoise serves them compressed, and browsers keep them for a year (a changed file gets a new name).
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# Debug pages (demo only, when asked for) hide the database URL's password along with Django's usual secrets.
DEFAULT_EXCEPTION_REPORTER_FILTER = "civic.core.error_reports.CivicExceptionReporterFilter"

# Every 500 is logged (with its traceback) to the server's standard error, with DEBUG on or off.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"}},
    "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "loggers": {
        "django.request": {"handlers": ["stderr"], "level": "ERROR", "propagate": True},
        "civic": {"handlers": ["stderr"], "level": env_text("CIVIC_LOG_LEVEL", "WARNING"), "propagate": True},
    },
}
