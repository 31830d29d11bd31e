"""Settings read from the environment: the database, the debug flag, the front-end packages.

Each test runs civic/settings.py afresh in its own namespace, so the settings the
rest of the suite uses stay as they were.
"""

from pathlib import Path

import pytest
from django.contrib.staticfiles import finders
from django.core.exceptions import ImproperlyConfigured

from civic.core.testing import REPOSITORY_ROOT, read_settings


def test_it_keeps_the_default_database_in_sqlite_under_var(monkeypatch):
    database = read_settings(monkeypatch)["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert Path(database["NAME"]) == REPOSITORY_ROOT / "var" / "civic.sqlite3"
    # Pages and imports write at the same time on one machine; wait for the lock instead of failing,
    # take it when a transaction begins, and let readers read while one writes (write-ahead log).
    assert database["OPTIONS"] == {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL",
    }


def test_it_uses_postgresql_when_database_url_names_it(monkeypatch):
    settings = read_settings(monkeypatch, DATABASE_URL="postgres://civic:secret@127.0.0.1:54329/civic")
    database = settings["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["HOST"], database["PORT"], database["NAME"]) == ("127.0.0.1", 54329, "civic")
    assert (database["USER"], database["PASSWORD"]) == ("civic", "secret")
    assert "timeout" not in database.get("OPTIONS", {})


@pytest.mark.parametrize(("text", "debug"), [("off", False), ("0", False), ("True", True), ("yes", True)])
def test_it_reads_the_debug_flag_in_the_usual_spellings(monkeypatch, text, debug):
    assert read_settings(monkeypatch, DEBUG=text)["DEBUG"] is debug


def test_it_refuses_a_debug_flag_it_cannot_read(monkeypatch):
    with pytest.raises(ImproperlyConfigured, match="DEBUG must be true or false, not 'perhaps'"):
        read_settings(monkeypatch, DEBUG="perhaps")


@pytest.mark.parametrize(
    "static_path",
    [
        "vendor/echarts/echarts.min.js",
        "vendor/leaflet/leaflet.js",
        "vendor/leaflet/leaflet.css",
        "vendor/htmx/htmx.min.js",
    ],
)
def test_it_serves_the_front_end_packages_installed_from_npm(static_path):
    found = finders.find(static_path)

    assert found is not None, f"{static_path} is missing: run `make setup` (npm ci)"
    assert Path(str(found)).is_relative_to(REPOSITORY_ROOT / "node_modules")
