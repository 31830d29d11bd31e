"""Settings for Civic, driven by the environment.

Every value that differs between a laptop, CI and a county's server comes from
an environment variable read by a typed helper that fails loudly on bad input.
"""

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


SECRET_KEY = env_text("SECRET_KEY", "civic-demo-only-secret-key-change-me-in-production")
DEBUG = env_flag("DEBUG", True)
ALLOWED_HOSTS = env_text("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "simple_history",
    "civic.core",
    "civic.water",
    "civic.dogs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

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
                "civic.core.navigation.navigation",
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
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Chinese")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "civic" / "locale"]
FORMAT_MODULE_PATH = ["civic.formats"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
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
# Long jobs (solving a reuse study) run in a background thread of the serving process, the page following
# their progress; off, they finish within the request (the test suite does so unless a test asks otherwise).
CIVIC_BACKGROUND_RUNS = env_flag("CIVIC_BACKGROUND_RUNS", True)
